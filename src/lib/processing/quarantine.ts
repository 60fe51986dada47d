import { odata } from '../storage/TableStore.js';
import { encodeLongPathKeyPart } from '../storage/keys.js';
import type { LogFileRef } from '../storage/LogSource.js';
import { MAX_TRANSACTION_BYTES, MAX_TRANSACTION_ROWS, type RowWrite, type TableStore } from '../storage/TableStore.js';
import { parseStoredRow } from '../storage/storedRows.js';
import type { RefusedRecord } from './applyExactlyOnce.js';
import { isPending, quarantinedLineSchema, STORAGE_REJECTED, type QuarantinedLine } from './quarantineRows.js';

export { STORAGE_REJECTED } from './quarantineRows.js';

export type { QuarantinedLine } from './quarantineRows.js';

/** The message of an entry whose text was purged (its code and `codes` still say why its lines failed). */
export const PURGED_MESSAGE = 'text purged: the lines are no longer kept here';

/** Characters of the refused record kept to show (a replay reads its line from the file). */
const REFUSED_SAMPLE_CHARS = 2000;

export const QUARANTINE_TABLE = 'Quarantine';

/** Row key: generation and zero-padded position, so rows sort in file order and replays overwrite. */
export function quarantineRowKey(generation: number, position: number): string {
  return `g${generation}|${String(position).padStart(16, '0')}`;
}

/** One row per refused record and view: the same record refused in two views is two entries. */
export function refusedRowKey(generation: number, position: number, view: string): string {
  return `${quarantineRowKey(generation, position)}|${view}`;
}

function rowKeyOf(line: QuarantinedLine): string {
  return line.code === STORAGE_REJECTED && line.view
    ? refusedRowKey(line.generation, line.position, line.view)
    : quarantineRowKey(line.generation, line.position);
}

/** Writes of one entry that another writer keeps changing: after this many, the replay fails (and is run again). */
const MAX_UPDATE_ATTEMPTS = 5;

export function quarantinePartition(file: LogFileRef): string {
  return encodeLongPathKeyPart(`${file.container}/${file.path}`);
}

/** Quarantine rows: partition per file, upserted in batches (idempotent: a replay rewrites the same rows). */
export class QuarantineStore {
  constructor(private readonly tables: TableStore) {}

  async put(file: LogFileRef, lines: readonly QuarantinedLine[]): Promise<void> {
    if (lines.length === 0) return;
    await this.tables.ensureTable(QUARANTINE_TABLE);
    const partitionKey = quarantinePartition(file);
    // Batches of at most 100 rows and of at most the bytes one transaction may carry.
    let batch: RowWrite[] = [];
    let bytes = 0;
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      const outcome = await this.tables.commit(QUARANTINE_TABLE, partitionKey, batch);
      if (!outcome.committed) throw new Error(`quarantine write refused: ${outcome.code}`);
      batch = [];
      bytes = 0;
    };
    for (const line of lines) {
      const write: RowWrite = { op: 'upsert', rowKey: quarantineRowKey(line.generation, line.position), data: { ...line } };
      const size = this.tables.transactionBytes(partitionKey, [write]);
      if (batch.length >= MAX_TRANSACTION_ROWS || (batch.length > 0 && bytes + size > MAX_TRANSACTION_BYTES)) await flush();
      batch.push(write);
      bytes += size;
    }
    await flush();
  }

  /**
   * Quarantines a record the store refused in one view. Create-only: a record refused again (a run
   * repeated after a crash) keeps its entry, and whether a replay already applied it.
   */
  async putRefused(file: LogFileRef, generation: number, category: string | null, refused: RefusedRecord, now: number): Promise<void> {
    await this.tables.ensureTable(QUARANTINE_TABLE);
    const { record, view, partitionKey, code, message } = refused;
    const sample = JSON.stringify(record.record);
    const line: QuarantinedLine = {
      container: file.container,
      path: file.path,
      generation,
      offset: record.unitOffset ?? record.position,
      end: record.unitEnd ?? record.position,
      position: record.position,
      line: record.unitLine ?? 0,
      code: STORAGE_REJECTED,
      message: `${code}: ${message}`,
      raw: sample.slice(0, REFUSED_SAMPLE_CHARS),
      rawTruncated: true,
      quarantinedAt: new Date(now).toISOString(),
      category,
      view,
      viewPartition: partitionKey,
    };
    const outcome = await this.tables.writeConditional(QUARANTINE_TABLE, quarantinePartition(file), {
      op: 'create',
      rowKey: refusedRowKey(generation, record.position, view),
      data: { ...line },
    });
    if (!outcome.committed && outcome.status !== 409) throw new Error(`quarantine write refused: ${outcome.code}`);
  }

  async *list(file?: LogFileRef): AsyncGenerator<QuarantinedLine> {
    for await (const { line } of this.listTagged(file)) yield line;
  }

  /** As `list`, each entry with the ETag of its row as listed: what `changeListed` writes under. */
  async *listTagged(file?: LogFileRef): AsyncGenerator<ListedEntry> {
    const filter = file ? odata`PartitionKey eq ${quarantinePartition(file)}` : undefined;
    for await (const row of this.tables.query(QUARANTINE_TABLE, filter))
      yield { line: parseStoredRow(quarantinedLineSchema, QUARANTINE_TABLE, row), etag: row.etag };
  }

  /** Entries of one generation of the file at positions in `[from, to)`, in file order. */
  async *listRange(file: LogFileRef, generation: number, from: number, to: number): AsyncGenerator<QuarantinedLine> {
    const filter = odata`PartitionKey eq ${quarantinePartition(file)} and RowKey ge ${quarantineRowKey(generation, from)} and RowKey lt ${quarantineRowKey(generation, to)}`;
    for await (const row of this.tables.query(QUARANTINE_TABLE, filter)) yield parseStoredRow(quarantinedLineSchema, QUARANTINE_TABLE, row);
  }

  /**
   * Marks the entry of a line the file ended inside as applied: the file grew after it was sealed and
   * the line was read whole, with `records` records. Those count with the file's (the read counted
   * them), not as replayed records, or health would count them twice. An entry already gone or marked is left.
   */
  async markReadWhole(file: LogFileRef, generation: number, position: number, records: number, now: number): Promise<void> {
    await this.tables.ensureTable(QUARANTINE_TABLE);
    const row = await this.tables.getRow(QUARANTINE_TABLE, quarantinePartition(file), quarantineRowKey(generation, position));
    if (row === undefined) return;
    const line = parseStoredRow(quarantinedLineSchema, QUARANTINE_TABLE, row);
    if (line.replayedAt !== undefined) return;
    await this.update({
      ...line,
      message: `${line.message}; the file grew after all and the line was read whole (${records} record${records === 1 ? '' : 's'}, counted with the file's)`,
      replayedAt: new Date(now).toISOString(),
      replayedRecords: 0,
    });
  }

  /** Rewrites one line's row. */
  async update(line: QuarantinedLine): Promise<void> {
    await this.tables.upsert(QUARANTINE_TABLE, quarantinePartition(line), rowKeyOf(line), { ...line });
  }

  /**
   * Rewrites a line's row with a replay's outcome, unless the row changed since the replay listed it:
   * marked applied by another run (a replay, or a file that grew and was read whole), or written anew
   * from other bytes. Guarded by the row's ETag, so such a change is never overwritten. Whether it wrote.
   */
  async updateAfterReplay(listed: QuarantinedLine, outcome: QuarantinedLine): Promise<boolean> {
    return this.rewrite(listed, REPLAYING, afterReplay(listed, outcome));
  }

  /** `updateAfterReplay` of listed entries, many to a request (changeListed): whether each was written. */
  async updateAfterReplayListed(replayed: readonly { listed: ListedEntry; outcome: QuarantinedLine }[]): Promise<boolean[]> {
    const rowOf = (line: QuarantinedLine): string => `${quarantinePartition(line)}\n${rowKeyOf(line)}`;
    const changes = new Map(replayed.map(({ listed, outcome }) => [rowOf(listed.line), afterReplay(listed.line, outcome)]));
    return this.changeListed(
      replayed.map(({ listed }) => listed),
      REPLAYING,
      (stored) => changes.get(rowOf(stored))?.(stored),
    );
  }

  /**
   * Purges the text of a settled entry (replayed, or dismissed), under the row's ETag: its raw sample
   * is emptied and its message, which can quote a line's values, replaced; where it is, its codes and
   * its counts stay. False when there is nothing to change: the entry is gone, still waits, or is purged already.
   */
  async purgeText(listed: QuarantinedLine, at: string): Promise<boolean> {
    return this.rewrite(listed, PURGING, purgedAt(at));
  }

  /**
   * Changes listed entries as `change` makes them (undefined: leave it), in transactions of one
   * partition (up to 100 rows), each row under the ETag it was listed with: a request per 100 entries
   * where `rewrite` takes two per entry. A transaction one of whose rows changed or went since the
   * listing is undone whole, and its entries are then rewritten one by one. Whether each changed.
   * The entries are distinct rows, as a listing gives them.
   */
  async changeListed(listed: readonly ListedEntry[], during: string, change: (stored: QuarantinedLine) => QuarantinedLine | undefined): Promise<boolean[]> {
    const changed = listed.map(() => false);
    const byPartition = new Map<string, number[]>();
    listed.forEach(({ line }, i) => {
      const partitionKey = quarantinePartition(line);
      const indexes = byPartition.get(partitionKey);
      if (indexes) indexes.push(i);
      else byPartition.set(partitionKey, [i]);
    });
    for (const [partitionKey, indexes] of byPartition) {
      let batch: { index: number; write: RowWrite; data: QuarantinedLine }[] = [];
      let bytes = 0;
      const flush = async (): Promise<void> => {
        if (batch.length === 0) return;
        const writes = batch.map(({ write }) => write);
        const done = batch;
        batch = [];
        bytes = 0;
        const outcome = await this.tables.commit(QUARANTINE_TABLE, partitionKey, writes);
        if (outcome.committed) for (const { index } of done) changed[index] = true;
        else if (outcome.status === 412 || outcome.status === 404) {
          // A transaction whose answer was lost and that was sent again fails on its own ETags: its rows carry this change already.
          for (const { index, data } of done) changed[index] = await this.rewrite((listed[index] as ListedEntry).line, during, change, data);
        } else throw new Error(`quarantine update refused: ${outcome.code}`);
      };
      for (const index of indexes) {
        const { line, etag } = listed[index] as ListedEntry;
        const data = change(line);
        if (data === undefined) continue;
        const write: RowWrite = { op: 'replace', rowKey: rowKeyOf(line), etag, data: { ...data } };
        const size = this.tables.transactionBytes(partitionKey, [write]);
        if (batch.length >= MAX_TRANSACTION_ROWS || (batch.length > 0 && bytes + size > MAX_TRANSACTION_BYTES)) await flush();
        batch.push({ index, write, data });
        bytes += size;
      }
      await flush();
    }
    return changed;
  }

  /** `purgeText` of listed entries, many to a request (changeListed). */
  async purgeListed(listed: readonly ListedEntry[], at: string): Promise<boolean[]> {
    return this.changeListed(listed, PURGING, purgedAt(at));
  }

  /**
   * Replaces a line's row with what `change` makes of it as stored, under the row's ETag, read again
   * while another writer moves first. False when the row is gone or `change` leaves it (undefined),
   * but true when the row is as `intended`, what this change made of the listed entry, in every field it
   * changes, or as this call's own write that storage answered 412 to.
   */
  private async rewrite(
    listed: QuarantinedLine,
    during: string,
    change: (stored: QuarantinedLine) => QuarantinedLine | undefined,
    intended?: QuarantinedLine,
  ): Promise<boolean> {
    const partitionKey = quarantinePartition(listed);
    const rowKey = rowKeyOf(listed);
    let before = listed;
    let mine = intended;
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
      const row = await this.tables.getRow(QUARANTINE_TABLE, partitionKey, rowKey);
      if (row === undefined) return false;
      const stored = parseStoredRow(quarantinedLineSchema, QUARANTINE_TABLE, row);
      const data = change(stored);
      if (data === undefined) return mine !== undefined && carriesChange(stored, before, mine);
      const written = await this.tables.writeConditional(QUARANTINE_TABLE, partitionKey, { op: 'replace', rowKey, etag: row.etag, data: { ...data } });
      if (written.committed) return true;
      // Its answer lost and sent again, the write fails on its own ETag: the next read finds the row as this write made it.
      before = stored;
      mine = data;
      if (written.status !== 412 && written.status !== 404) throw new Error(`quarantine update refused: ${written.code}`);
    }
    throw new Error(`quarantine entry ${rowKey} of ${listed.container}/${listed.path} kept changing while ${during}`);
  }

  /**
   * Dismisses an entry (`dismissal`) or takes a dismissal back (null), under the row's ETag. False when
   * there is nothing to change: the entry is gone, was applied, or already is as asked.
   */
  async setDismissed(listed: QuarantinedLine, dismissal: Dismissal | null): Promise<boolean> {
    return this.rewrite(listed, DISMISSING, dismissedAs(dismissal));
  }

  /** `setDismissed` of listed entries, many to a request (changeListed). */
  async setDismissedListed(listed: readonly ListedEntry[], dismissal: Dismissal | null): Promise<boolean[]> {
    return this.changeListed(listed, DISMISSING, dismissedAs(dismissal));
  }
}

const REPLAYING = 'a replay wrote it';

/** A replay's outcome for an entry as stored: none when another replay marked it, or it is another entry now (quarantined again). */
function afterReplay(listed: QuarantinedLine, outcome: QuarantinedLine): (stored: QuarantinedLine) => QuarantinedLine | undefined {
  return (stored) => {
    if (stored.replayedAt !== undefined || stored.quarantinedAt !== listed.quarantinedAt || stored.end !== listed.end) return undefined;
    // Dismissed meanwhile: the replay's outcome is recorded, and so is the dismissal.
    const dismissal = stored.dismissedAt === undefined ? {} : { dismissedAt: stored.dismissedAt, dismissedBecause: stored.dismissedBecause };
    // Purged meanwhile (dismissed, then purged): the text stays purged.
    const purge = stored.purgedAt === undefined ? {} : { raw: '', rawTruncated: true, message: PURGED_MESSAGE, purgedAt: stored.purgedAt };
    return { ...outcome, ...dismissal, ...purge };
  };
}

/** A listed entry and the ETag of its row as listed. */
export interface ListedEntry {
  line: QuarantinedLine;
  etag: string;
}

export interface Dismissal {
  at: string;
  because: string;
}

const DISMISSING = 'it was dismissed';
const PURGING = 'it was purged';

/** Whether `stored` holds every field that `intended` changed of `listed` as `intended` has it (a dismissal's or purge's time included). */
function carriesChange(stored: QuarantinedLine, listed: QuarantinedLine, intended: QuarantinedLine): boolean {
  const fields = new Set([...Object.keys(listed), ...Object.keys(intended)] as (keyof QuarantinedLine)[]);
  for (const field of fields) if (listed[field] !== intended[field] && stored[field] !== intended[field]) return false;
  return true;
}

/** An entry dismissed (or its dismissal taken back: null); undefined when it was applied or already is as asked. */
function dismissedAs(dismissal: Dismissal | null): (stored: QuarantinedLine) => QuarantinedLine | undefined {
  return ({ dismissedAt, dismissedBecause: _because, ...stored }) => {
    if (stored.replayedAt !== undefined || (dismissal === null) === (dismissedAt === undefined)) return undefined;
    return dismissal === null ? stored : { ...stored, dismissedAt: dismissal.at, dismissedBecause: dismissal.because };
  };
}

/** An entry's text purged; undefined when it still waits or is purged already. */
function purgedAt(at: string): (stored: QuarantinedLine) => QuarantinedLine | undefined {
  return (stored) =>
    isPending(stored) || stored.purgedAt !== undefined ? undefined : { ...stored, raw: '', rawTruncated: true, message: PURGED_MESSAGE, purgedAt: at };
}
