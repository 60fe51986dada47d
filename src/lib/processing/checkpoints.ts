import { randomBytes } from 'node:crypto';
import { digest, encodeKeyPart, encodeLongPathKeyPart } from '../storage/keys.js';
import type { LogFileRef } from '../storage/LogSource.js';
import type { CommitOutcome, RowWrite, StoredRow, TableStore } from '../storage/TableStore.js';
import { MAX_TRANSACTION_BYTES, MAX_TRANSACTION_ROWS, odata, StorageRefusedError } from '../storage/TableStore.js';
import { parseStoredRow } from '../storage/storedRows.js';
import {
  CHECKPOINT_HEALTH_PROPERTIES,
  checkpointHealthSchema,
  checkpointRowData,
  checkpointRowSchema,
  type Checkpoint,
  type CheckpointHealth,
} from './checkpointRows.js';
import { gatheredAsks, type Ask } from './gatheredAsks.js';

export type { Checkpoint, CheckpointHealth, Continues, EarlierEnd, QuarantineAttempt, StartedGeneration, TruncatedTail } from './checkpointRows.js';

export const FILES_TABLE = 'Files';
/** Partition of the Files table holding the sweep's state rows (one per container). */
export const SWEEP_STATE_PARTITION = '~state';

export interface LoadedCheckpoint {
  checkpoint: Checkpoint;
  etag: string;
  /** The random id the save that wrote the row gave it ('' from versions that gave none): not part of the checkpoint. */
  saveId: string;
}

/** The row property holding a save's random id: a save whose answer was lost knows the row as its own by it. */
const SAVE_ID = 'saveId';

export function freshCheckpoint(file: LogFileRef, now: number): Checkpoint {
  const at = new Date(now).toISOString();
  return {
    container: file.container,
    path: file.path,
    generation: 0,
    offset: 0,
    newlines: 0,
    mode: 'auto',
    etag: '',
    length: 0,
    createdOn: null,
    fingerprint: '',
    fingerprintLength: 0,
    tailFingerprint: '',
    tailFingerprintLength: 0,
    earlierEnds: [],
    readFrom: null,
    sealed: false,
    truncatedTail: null,
    quarantineAttempt: null,
    startedGeneration: null,
    continues: null,
    records: 0,
    unsupported: 0,
    badLines: 0,
    bytes: 0,
    replacements: 0,
    replacedAt: null,
    replacedBecause: null,
    firstSeenAt: at,
    updatedAt: at,
    lastRecordAt: null,
    listsCalls: true,
    olderVersionReadAt: null,
  };
}

/** Id of a file generation in high-water-mark and quarantine keys: short, stable, key-safe. */
export function fileGenerationId(file: LogFileRef, generation: number): string {
  return `${digest(`${file.container}/${file.path}`)}.${generation}`;
}

/**
 * Id of the high-water marks a file's generation is applied under: its own, or those of the local
 * file it continues (see `continues`).
 */
export function marksIdOf(file: LogFileRef, checkpoint: Pick<Checkpoint, 'continues'>, generation: number): string {
  const continued = checkpoint.continues;
  return continued !== null && continued.generation === generation
    ? fileGenerationId({ container: continued.container, path: continued.path }, continued.fileGeneration)
    : fileGenerationId(file, generation);
}

/** Checkpoint rows: partition = container, row = blob path. Writes are ETag-conditional. */
export class CheckpointStore {
  constructor(private readonly tables: TableStore) {}

  async get(file: LogFileRef): Promise<LoadedCheckpoint | undefined> {
    const row = await readTogether(this.tables, encodeKeyPart(file.container), encodeLongPathKeyPart(file.path));
    if (!row) return undefined;
    const saveId = row.data[SAVE_ID];
    return { checkpoint: parseStoredRow(checkpointRowSchema, FILES_TABLE, row), etag: row.etag, saveId: typeof saveId === 'string' ? saveId : '' };
  }

  /** Saves when nobody else moved the row since `etag` was read; `false` on a lost race. */
  async save(checkpoint: Checkpoint, etag: string | undefined): Promise<boolean> {
    return (await this.saveForEtag(checkpoint, etag)) !== false;
  }

  /**
   * save, answering the row's new ETag (a later save can then be conditional on this one); `false` on
   * a lost race, null when saved but the service did not say the new ETag.
   */
  async saveForEtag(checkpoint: Checkpoint, etag: string | undefined): Promise<string | null | false> {
    await this.tables.ensureTable(FILES_TABLE);
    const rowKey = encodeLongPathKeyPart(checkpoint.path);
    const saveId = randomBytes(12).toString('base64url');
    const data = { ...checkpointRowData(checkpoint), [SAVE_ID]: saveId };
    const outcome = await saveTogether(
      this.tables,
      encodeKeyPart(checkpoint.container),
      etag ? { op: 'replace', rowKey, etag, data } : { op: 'create', rowKey, data },
    );
    if (outcome.committed) return outcome.etags?.[0] ?? null;
    // A write applied whose answer was lost is sent again and refused by its own condition: the row
    // holding this save's id is ours, not another run's (another run's save of the same bytes, even
    // in the same millisecond, has its own id).
    const stored = await this.get(checkpoint);
    return stored !== undefined && stored.saveId === saveId ? stored.etag : false;
  }

  /** Files that may still grow, page by page. */
  async *listOpen(container?: string): AsyncGenerator<Checkpoint> {
    const filter = container ? odata`PartitionKey eq ${encodeKeyPart(container)} and sealed eq false` : 'sealed eq false';
    for await (const row of this.tables.query(FILES_TABLE, filter)) if (isCheckpointRow(row)) yield parseStoredRow(checkpointRowSchema, FILES_TABLE, row);
  }

  /** What health needs of every checkpoint of a container, page by page (checkpointHealthSchema). */
  async *listForHealth(container: string): AsyncGenerator<CheckpointHealth> {
    const partitionKey = encodeKeyPart(container);
    if (!isCheckpointPartition(partitionKey)) return;
    const filter = odata`PartitionKey eq ${partitionKey}`;
    // The keys too: a row that does not parse is named by them.
    for await (const row of this.tables.query(FILES_TABLE, filter, ['PartitionKey', 'RowKey', ...CHECKPOINT_HEALTH_PROPERTIES]))
      if (isCheckpointRow(row)) yield parseStoredRow(checkpointHealthSchema, FILES_TABLE, row);
  }

  /** Every checkpoint (optionally of one container), page by page. */
  async *listAll(container?: string): AsyncGenerator<Checkpoint> {
    const filter = container ? odata`PartitionKey eq ${encodeKeyPart(container)}` : undefined;
    for await (const row of this.tables.query(FILES_TABLE, filter)) if (isCheckpointRow(row)) yield parseStoredRow(checkpointRowSchema, FILES_TABLE, row);
  }
}

/**
 * Checkpoints are partitioned by container; the Files table's other rows (the sweep state `~state`,
 * local names `~local`) are in partitions that start with `~`, which no container name can.
 */
function isCheckpointPartition(partitionKey: string): boolean {
  return !partitionKey.startsWith('~');
}

/**
 * Row `~health` of a container's partition is the health rollup versions of 2026-12-05 kept there
 * (shaped as a sealed, empty checkpoint); no path's key can be it, as `~` is escaped.
 */
const OLDER_HEALTH_ROLLUP_ROW = '~health';

function isCheckpointRow(row: { partitionKey: string; rowKey: string }): boolean {
  return isCheckpointPartition(row.partitionKey) && row.rowKey !== OLDER_HEALTH_ROLLUP_ROW;
}

interface WaitingRead extends Ask {
  partitionKey: string;
  rowKey: string;
  resolve: (row: StoredRow | undefined) => void;
}

/**
 * A checkpoint row, read with every other checkpoint asked for in the same turn of the event loop: a
 * run starts hundreds of files at once, and one readRows per container (its partition's pages, or
 * several keys a query) costs a few requests where a read per file costs one each. The answers come
 * in the order they were asked, as separate reads would, so the files go on in that order (their
 * segments are admitted to writes in it). An answer is as fresh as a read of its own would be: the
 * save that follows it is conditional anyway.
 */
function readTogether(tables: TableStore, partitionKey: string, rowKey: string): Promise<StoredRow | undefined> {
  return new Promise((resolve, reject) => readInTurn(tables, { partitionKey, rowKey, resolve, reject }));
}

/** Each turn's reads go at once, beside those still in flight: a run's files wait for no other batch. */
const readInTurn = gatheredAsks(answer, { whileInFlight: false });

async function answer(tables: TableStore, batch: readonly WaitingRead[]): Promise<void> {
  const keys = new Map<string, Set<string>>();
  for (const { partitionKey, rowKey } of batch) {
    let rows = keys.get(partitionKey);
    if (!rows) keys.set(partitionKey, (rows = new Set()));
    rows.add(rowKey);
  }
  const partitions = [...keys];
  const answers = await Promise.allSettled(partitions.map(async ([partitionKey, rows]) => tables.readRows(FILES_TABLE, partitionKey, [...rows])));
  const byPartition = new Map(partitions.map(([partitionKey], i) => [partitionKey, answers[i] as PromiseSettledResult<Map<string, StoredRow>>]));
  for (const read of batch) {
    const found = byPartition.get(read.partitionKey) as PromiseSettledResult<Map<string, StoredRow>>;
    if (found.status === 'fulfilled') read.resolve(found.value.get(read.rowKey));
    else read.reject(found.reason);
  }
}

interface WaitingSave extends Ask {
  partitionKey: string;
  write: RowWrite;
  resolve: (outcome: CommitOutcome) => void;
}

/**
 * A checkpoint save, sent with the other saves of the same turn of the event loop: a write group's
 * files save their checkpoints at once, and a container's are one partition, so they go as
 * transactions of up to 100 rows where each was a request of its own (a run over 12,766 small files
 * sent 12,766). Each row keeps its own condition; a transaction one of them fails is undone whole,
 * and its saves are then sent one by one, so each learns its own answer.
 */
function saveTogether(tables: TableStore, partitionKey: string, write: RowWrite): Promise<CommitOutcome> {
  return new Promise((resolve, reject) => saveInTurn(tables, { partitionKey, write, resolve, reject }));
}

const saveInTurn = gatheredAsks(commitSaves, { whileInFlight: false });

async function commitSaves(tables: TableStore, batch: readonly WaitingSave[]): Promise<void> {
  const byPartition = new Map<string, WaitingSave[]>();
  for (const save of batch) {
    const saves = byPartition.get(save.partitionKey);
    if (saves) saves.push(save);
    else byPartition.set(save.partitionKey, [save]);
  }
  // Each transaction settles its own saves: one that fails does not fail the others.
  const sent: Promise<void>[] = [];
  for (const [partitionKey, saves] of byPartition) {
    const earlier: Promise<void>[] = [];
    for (const { saves: together, again } of transactionsOf(tables, partitionKey, saves)) {
      // A second save of a row is sent once the transactions before it are answered, as saves made one after the other are.
      const commit = again ? Promise.allSettled([...earlier]).then(() => commitTransaction(tables, together)) : commitTransaction(tables, together);
      earlier.push(commit);
      sent.push(commit);
    }
  }
  await Promise.all(sent);
}

/**
 * The saves of one partition in transactions within the service's limits, no row twice in one: `again`
 * when a transaction holds a second save of a row of an earlier one.
 */
function transactionsOf(tables: TableStore, partitionKey: string, saves: readonly WaitingSave[]): { saves: WaitingSave[]; again: boolean }[] {
  const transactions: { saves: WaitingSave[]; again: boolean }[] = [];
  let current: WaitingSave[] = [];
  let rows = new Set<string>();
  const savedBefore = new Set<string>();
  let again = false;
  let bytes = 0;
  for (const save of saves) {
    const size = tables.transactionBytes(partitionKey, [save.write]);
    if (current.length > 0 && (current.length >= MAX_TRANSACTION_ROWS || bytes + size > MAX_TRANSACTION_BYTES || rows.has(save.write.rowKey))) {
      transactions.push({ saves: current, again });
      for (const row of rows) savedBefore.add(row);
      current = [];
      rows = new Set();
      again = false;
      bytes = 0;
    }
    current.push(save);
    rows.add(save.write.rowKey);
    if (savedBefore.has(save.write.rowKey)) again = true;
    bytes += size;
  }
  if (current.length > 0) transactions.push({ saves: current, again });
  return transactions;
}

async function commitTransaction(tables: TableStore, saves: readonly WaitingSave[]): Promise<void> {
  const [first] = saves;
  if (first === undefined) return;
  try {
    if (saves.length === 1) {
      first.resolve(await tables.writeConditional(FILES_TABLE, first.partitionKey, first.write));
      return;
    }
    const outcome = await tables.commit(
      FILES_TABLE,
      first.partitionKey,
      saves.map((save) => save.write),
    );
    if (outcome.committed) {
      saves.forEach((save, i) => save.resolve({ committed: true, etags: [outcome.etags?.[i]] }));
      return;
    }
  } catch (error) {
    // A row the service refuses is that save's failure alone: the others are sent on their own below.
    if (saves.length === 1 || !(error instanceof StorageRefusedError)) {
      for (const save of saves) save.reject(error);
      return;
    }
  }
  // A row's condition failed (another run saved that file first): nothing was applied; each save alone learns whether it was its own.
  await Promise.all(
    saves.map(async (save) => {
      try {
        save.resolve(await tables.writeConditional(FILES_TABLE, save.partitionKey, save.write));
      } catch (error) {
        save.reject(error);
      }
    }),
  );
}
