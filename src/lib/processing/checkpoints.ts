import { boundedKey, digest, encodeKeyPart, encodeLongKeyPart } from '../storage/keys.js';
import type { LogFileRef } from '../storage/LogSource.js';
import type { CommitOutcome, RowWrite, StoredRow, TableStore } from '../storage/TableStore.js';
import { MAX_TRANSACTION_BYTES, MAX_TRANSACTION_ROWS, odata } from '../storage/TableStore.js';
import { parseStoredRow, RowFormatError } from '../storage/storedRows.js';
import {
  CHECKPOINT_HEALTH_PROPERTIES,
  checkpointHealthSchema,
  checkpointRowData,
  checkpointRowSchema,
  type Checkpoint,
  type CheckpointHealth,
} from './checkpointRows.js';
import { gatheredAsks, type Ask } from './gatheredAsks.js';
import {
  applyContribution,
  contributionOf,
  emptyRollup,
  HEALTH_ROLLUP_ROW,
  healthRollupSchema,
  rollupOf,
  rollupRowData,
  usableRollup,
  type Contribution,
  type HealthRollup,
} from './healthRollup.js';

export type { Checkpoint, CheckpointHealth, Continues, EarlierEnd, QuarantineAttempt, StartedGeneration, TruncatedTail } from './checkpointRows.js';

export const FILES_TABLE = 'Files';
/** Partition of the Files table holding the sweep's state rows (one per container). */
export const SWEEP_STATE_PARTITION = '~state';

export interface LoadedCheckpoint {
  checkpoint: Checkpoint;
  etag: string;
}

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
    const partitionKey = encodeKeyPart(file.container);
    const rowKey = encodeLongKeyPart(file.path);
    const row = await readTogether(this.tables, partitionKey, rowKey);
    if (!row) return undefined;
    const checkpoint = parseStoredRow(checkpointRowSchema, FILES_TABLE, row);
    remember(this.tables, partitionKey, boundedKey(rowKey), row.etag, contributionOf(boundedKey(rowKey), checkpoint));
    return { checkpoint, etag: row.etag };
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
    const partitionKey = encodeKeyPart(checkpoint.container);
    const rowKey = encodeLongKeyPart(checkpoint.path);
    const data = checkpointRowData(checkpoint);
    // Keyed as stored (a long path's key is digested), as the rows a scan of the partition reads.
    const next = contributionOf(boundedKey(rowKey), { ...checkpoint, listsCalls: true });
    return saveInTurn(this.tables, partitionKey, { rowKey, data, next, etag });
  }

  /** The container's health rollup as stored (healthRollup.ts), or undefined when it has none. */
  async readRollup(container: string): Promise<HealthRollup | undefined> {
    const row = await this.tables.getRow(FILES_TABLE, encodeKeyPart(container), HEALTH_ROLLUP_ROW);
    return row ? parseStoredRow(healthRollupSchema, FILES_TABLE, row) : undefined;
  }

  /** Files that may still grow, page by page. */
  async *listOpen(container?: string): AsyncGenerator<Checkpoint> {
    const filter = container ? odata`PartitionKey eq ${encodeKeyPart(container)} and sealed eq false` : 'sealed eq false';
    for await (const row of this.tables.query(FILES_TABLE, filter)) if (isCheckpointRow(row)) yield parseStoredRow(checkpointRowSchema, FILES_TABLE, row);
  }

  /** What health needs of every checkpoint of a container, page by page (checkpointHealthSchema). */
  async *listForHealth(container: string): AsyncGenerator<CheckpointHealth> {
    const partitionKey = encodeKeyPart(container);
    if (!isCheckpointRow({ partitionKey, rowKey: '' })) return;
    for await (const { checkpoint } of healthOfPartition(this.tables, partitionKey)) yield checkpoint;
  }

  /** Every checkpoint (optionally of one container), page by page. */
  async *listAll(container?: string): AsyncGenerator<Checkpoint> {
    const filter = container ? odata`PartitionKey eq ${encodeKeyPart(container)}` : undefined;
    for await (const row of this.tables.query(FILES_TABLE, filter)) if (isCheckpointRow(row)) yield parseStoredRow(checkpointRowSchema, FILES_TABLE, row);
  }
}

/**
 * Checkpoints are partitioned by container; the Files table's other rows (the sweep state `~state`,
 * local names `~local`) are in partitions that start with `~`, which no container name can, and each
 * container's health rollup is its row `~health`, which no path's key can be.
 */
function isCheckpointRow(row: { partitionKey: string; rowKey: string }): boolean {
  return !row.partitionKey.startsWith('~') && row.rowKey !== HEALTH_ROLLUP_ROW;
}

/** What health needs of every checkpoint of a partition, page by page, with each row's key. */
async function* healthOfPartition(tables: TableStore, partitionKey: string): AsyncGenerator<{ rowKey: string; checkpoint: CheckpointHealth }> {
  const filter = odata`PartitionKey eq ${partitionKey}`;
  // The keys too: a row that does not parse is named by them.
  for await (const row of tables.query(FILES_TABLE, filter, ['PartitionKey', 'RowKey', ...CHECKPOINT_HEALTH_PROPERTIES])) {
    if (isCheckpointRow(row)) yield { rowKey: row.rowKey, checkpoint: parseStoredRow(checkpointHealthSchema, FILES_TABLE, row) };
  }
}

/**
 * The checkpoints this process last read or saved, by partition and row: the ETag it had and what it
 * added to its container's rollup, so that a save takes that away without reading the row again.
 * Bounded: a row forgotten is read again when it is saved.
 */
const knownRows = new WeakMap<TableStore, Map<string, { etag: string; contribution: Contribution }>>();
const KNOWN_ROWS = 20_000;

function knownOf(tables: TableStore): Map<string, { etag: string; contribution: Contribution }> {
  let known = knownRows.get(tables);
  if (!known) knownRows.set(tables, (known = new Map<string, { etag: string; contribution: Contribution }>()));
  return known;
}

function remember(tables: TableStore, partitionKey: string, rowKey: string, etag: string, contribution: Contribution): void {
  const known = knownOf(tables);
  const id = `${partitionKey}\n${rowKey}`;
  known.delete(id);
  known.set(id, { etag, contribution });
  if (known.size > KNOWN_ROWS) known.delete(known.keys().next().value as string);
}

/** Each container's rollup as this process last read or wrote it, with its ETag (absent: not stored yet). */
const knownRollups = new WeakMap<TableStore, Map<string, { rollup: HealthRollup; etag: string | undefined }>>();

function rollupsOf(tables: TableStore): Map<string, { rollup: HealthRollup; etag: string | undefined }> {
  let rollups = knownRollups.get(tables);
  if (!rollups) knownRollups.set(tables, (rollups = new Map<string, { rollup: HealthRollup; etag: string | undefined }>()));
  return rollups;
}

/** A save waiting for its container's turn. */
interface WaitingSave {
  rowKey: string;
  data: Record<string, unknown>;
  next: Contribution;
  etag: string | undefined;
  resolve: (etag: string | null | false) => void;
  reject: (error: unknown) => void;
}

/**
 * The saves of one container's checkpoints in a process, one transaction after another (each writes
 * the container's rollup, and needs its ETag from the one before): the saves asked for while one is
 * sent go together in the next, with the rollup once.
 */
const waitingSaves = new WeakMap<TableStore, Map<string, WaitingSave[]>>();

/** Checkpoints saved in one transaction beside the rollup, and the bytes they may take. */
const SAVED_TOGETHER = MAX_TRANSACTION_ROWS - 1;
const SAVED_TOGETHER_BYTES = MAX_TRANSACTION_BYTES / 2;

function saveInTurn(tables: TableStore, partitionKey: string, save: Omit<WaitingSave, 'resolve' | 'reject'>): Promise<string | null | false> {
  let byPartition = waitingSaves.get(tables);
  if (!byPartition) waitingSaves.set(tables, (byPartition = new Map<string, WaitingSave[]>()));
  const queues = byPartition;
  return new Promise((resolve, reject) => {
    const queue = queues.get(partitionKey);
    if (queue) {
      queue.push({ ...save, resolve, reject });
      return;
    }
    const started: WaitingSave[] = [{ ...save, resolve, reject }];
    queues.set(partitionKey, started);
    void (async () => {
      while (started.length > 0) {
        const batch = nextBatch(tables, partitionKey, started);
        try {
          await saveTogether(tables, partitionKey, batch);
        } catch (error) {
          for (const waiting of batch) waiting.reject(error);
        }
      }
      queues.delete(partitionKey);
    })();
  });
}

/** The first waiting saves, of distinct rows (a transaction writes a row once), within a transaction's limits. */
function nextBatch(tables: TableStore, partitionKey: string, queue: WaitingSave[]): WaitingSave[] {
  const batch: WaitingSave[] = [];
  const rows = new Set<string>();
  let bytes = 0;
  for (let i = 0; i < queue.length && batch.length < SAVED_TOGETHER;) {
    const waiting = queue[i] as WaitingSave;
    const size = tables.transactionBytes(partitionKey, [{ op: 'upsert', rowKey: waiting.rowKey, data: waiting.data }]);
    if (rows.has(waiting.rowKey) || (batch.length > 0 && bytes + size > SAVED_TOGETHER_BYTES)) {
      i++;
      continue;
    }
    rows.add(waiting.rowKey);
    bytes += size;
    batch.push(waiting);
    queue.splice(i, 1);
  }
  return batch;
}

/**
 * What a save takes away from the rollup: the checkpoint as this process last read or saved it under
 * `etag`, or as read now; `false` when the row is not at that ETag any more (a race lost, as the save
 * alone would find).
 */
async function previousOf(tables: TableStore, partitionKey: string, save: WaitingSave): Promise<Contribution | null | false> {
  if (!save.etag) return null;
  const known = knownOf(tables).get(`${partitionKey}\n${save.next.key}`);
  if (known?.etag === save.etag) return known.contribution;
  const row = await tables.getRow(FILES_TABLE, partitionKey, save.rowKey);
  if (row?.etag !== save.etag) return false;
  return contributionOf(save.next.key, parseStoredRow(checkpointHealthSchema, FILES_TABLE, row));
}

function checkpointWrite(save: WaitingSave): RowWrite {
  return save.etag ? { op: 'replace', rowKey: save.rowKey, etag: save.etag, data: save.data } : { op: 'create', rowKey: save.rowKey, data: save.data };
}

function rollupWrite(rollup: HealthRollup, etag: string | undefined): RowWrite {
  const data = rollupRowData(rollup);
  return etag ? { op: 'replace', rowKey: HEALTH_ROLLUP_ROW, etag, data } : { op: 'create', rowKey: HEALTH_ROLLUP_ROW, data };
}

/**
 * Saves checkpoints of one container and its rollup in one transaction, each under its ETag. A
 * transaction of several that is refused is sent again save by save, so that each save's race is its
 * own (a row moved by another run fails only that save).
 */
async function saveTogether(tables: TableStore, partitionKey: string, batch: WaitingSave[]): Promise<void> {
  const ready: { save: WaitingSave; previous: Contribution | null }[] = [];
  const previous = await Promise.allSettled(batch.map((save) => previousOf(tables, partitionKey, save)));
  batch.forEach((save, i) => {
    const found = previous[i] as PromiseSettledResult<Contribution | null | false>;
    if (found.status === 'rejected') save.reject(found.reason);
    else if (found.value === false) save.resolve(false);
    else ready.push({ save, previous: found.value });
  });
  if (ready.length > 1) {
    const rollups = rollupsOf(tables);
    let outcome: CommitOutcome | undefined;
    let rollup: HealthRollup | undefined;
    try {
      const current = await currentRollup(tables, partitionKey);
      rollup = ready.reduce((folded, { save, previous }) => applyContribution(folded, previous, save.next), current.rollup);
      outcome = await tables.commit(FILES_TABLE, partitionKey, [...ready.map(({ save }) => checkpointWrite(save)), rollupWrite(rollup, current.etag)]);
    } catch {
      // Sent again save by save below: each fails (or not) on its own.
      outcome = undefined;
    }
    if (outcome?.committed && rollup) {
      const etags = outcome.etags ?? [];
      const rolled = etags[ready.length];
      if (rolled) rollups.set(partitionKey, { rollup, etag: rolled });
      else rollups.delete(partitionKey);
      ready.forEach(({ save }, i) => {
        const saved = etags[i];
        if (saved) remember(tables, partitionKey, save.next.key, saved, save.next);
        save.resolve(saved ?? null);
      });
      return;
    }
    rollups.delete(partitionKey);
  }
  for (const { save, previous } of ready) {
    try {
      save.resolve(await saveAlone(tables, partitionKey, save, previous));
    } catch (error) {
      save.reject(error);
    }
  }
}

/** Saves that find the rollup moved by another process, one after another, before the save fails. */
const MAX_ROLLUP_RACES = 100;

/**
 * Saves one checkpoint and its container's rollup in one transaction. The checkpoint's ETag moved (or
 * the row exists, for a new one): a race lost, `false`, as a save alone. Only the rollup's moved
 * (another process saved a checkpoint of the container): read again, and tried again.
 */
async function saveAlone(tables: TableStore, partitionKey: string, save: WaitingSave, previous: Contribution | null): Promise<string | null | false> {
  const rollups = rollupsOf(tables);
  for (let race = 0; ; race++) {
    const current = await currentRollup(tables, partitionKey);
    const rollup = applyContribution(current.rollup, previous, save.next);
    const outcome = await tables.commit(FILES_TABLE, partitionKey, [checkpointWrite(save), rollupWrite(rollup, current.etag)]);
    if (outcome.committed) {
      const [saved, rolled] = outcome.etags ?? [];
      if (rolled) rollups.set(partitionKey, { rollup, etag: rolled });
      else rollups.delete(partitionKey);
      if (saved) remember(tables, partitionKey, save.next.key, saved, save.next);
      return saved ?? null;
    }
    rollups.delete(partitionKey);
    const row = await tables.getRow(FILES_TABLE, partitionKey, save.rowKey);
    if (save.etag ? row?.etag !== save.etag : row !== undefined) return false;
    if (race >= MAX_ROLLUP_RACES)
      throw new Error(`the health rollup of ${partitionKey} kept moving: ${MAX_ROLLUP_RACES} saves lost to other processes' (${outcome.code})`);
  }
}

/** Partitions whose checkpoints did not parse when the rollup was made, and when: not tried again for a while. */
const unbuilt = new WeakMap<TableStore, Map<string, number>>();
const REBUILD_AFTER_MS = 10 * 60_000;

/**
 * The rollup a save starts from: as this process last wrote it, unless it is stale (then as stored,
 * or made again from the checkpoints, but not more than once in REBUILD_AFTER_MS where they did not
 * parse).
 */
async function currentRollup(tables: TableStore, partitionKey: string): Promise<{ rollup: HealthRollup; etag: string | undefined }> {
  const cached = rollupsOf(tables).get(partitionKey);
  const failedAt = unbuilt.get(tables)?.get(partitionKey);
  if (cached && (!cached.rollup.stale || (failedAt !== undefined && Date.now() - failedAt < REBUILD_AFTER_MS))) return cached;
  return storedRollup(tables, partitionKey);
}

/**
 * The container's rollup as stored; when there is none (a store of a version before rollups), or it
 * is stale or of another version, it is built from every checkpoint of the container. The save that
 * writes it is conditional on the row as read before the checkpoints were (created: on there being
 * none), and every save of a checkpoint writes the rollup, so a checkpoint saved by another process
 * meanwhile fails that save, which reads and builds again.
 */
async function storedRollup(tables: TableStore, partitionKey: string): Promise<{ rollup: HealthRollup; etag: string | undefined }> {
  const row = await tables.getRow(FILES_TABLE, partitionKey, HEALTH_ROLLUP_ROW);
  const stored = row ? parseStoredRow(healthRollupSchema, FILES_TABLE, row) : undefined;
  if (row && usableRollup(stored)) return { rollup: stored, etag: row.etag };
  const contributions: Contribution[] = [];
  try {
    for await (const { rowKey, checkpoint } of healthOfPartition(tables, partitionKey)) contributions.push(contributionOf(rowKey, checkpoint));
  } catch (error) {
    // A checkpoint without its stored shape (edited by hand) fails its own file and health, as before, not
    // every save of the container: the rollup stays stale (health reads the checkpoints, and names the row).
    if (!(error instanceof RowFormatError)) throw error;
    let failed = unbuilt.get(tables);
    if (!failed) unbuilt.set(tables, (failed = new Map<string, number>()));
    failed.set(partitionKey, Date.now());
    return { rollup: { ...emptyRollup(), stale: true }, etag: row?.etag };
  }
  unbuilt.get(tables)?.delete(partitionKey);
  return { rollup: rollupOf(contributions), etag: row?.etag };
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
