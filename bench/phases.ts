/** The measured phases. Each runs in its own child process so that its peak RSS is its own. */
import { appendFile, open } from 'node:fs/promises';
import { ALL_VIEWS, type RowData } from '../src/lib/aggregating/index.js';
import { MemoryFold } from '../src/lib/aggregating/memoryFold.js';
import { categoryFromContainer, normalizeRecord, resourceIdFromBlobPath, timeBoundsAt } from '../src/lib/normalizing/index.js';
import type { NormalizeContext } from '../src/lib/normalizing/types.js';
import { forEachConcurrently } from '../src/lib/processing/concurrency.js';
import { silentLogger } from '../src/lib/logging.js';
import { processFile, type ProcessDeps } from '../src/lib/processing/processFile.js';
import { DEFAULT_PROCESS_SETTINGS, type ProcessSettings } from '../src/lib/processing/settings.js';
import { readAppSettings } from '../src/lib/config/appSettings.js';
import { decodeUnit, Framer } from '../src/lib/reading/index.js';
import type { FramedItem } from '../src/lib/reading/types.js';
import { startAzurite } from '../src/lib/storage/azurite.js';
import { RESERVED_ROW_PREFIX } from '../src/lib/storage/keys.js';
import { LocalLogSource, refForLocalPath } from '../src/lib/storage/LocalLogSource.js';
import { AzureTableStore, type TableStore, type RowWrite, type StoredRow } from '../src/lib/storage/TableStore.js';
import { FILES_TABLE } from '../src/lib/processing/checkpoints.js';
import { QuarantineStore } from '../src/lib/processing/quarantine.js';

export interface PhaseResult {
  name: string;
  ms: number;
  bytes: number;
  records: number;
  /** Peak resident set of the phase's process, MiB (getrusage maxrss). */
  peakRssMb: number;
  /** Highest `rss` seen by a 50 ms sampler, MiB (cross-check of peakRssMb). */
  sampledRssMb: number;
  extra: Record<string, number | string>;
}

const CHUNK = DEFAULT_PROCESS_SETTINGS.readChunkBytes;

export function rssSampler(): () => { peakRssMb: number; sampledRssMb: number } {
  let max = process.memoryUsage().rss;
  const timer = setInterval(() => {
    max = Math.max(max, process.memoryUsage().rss);
  }, 50);
  return () => {
    clearInterval(timer);
    max = Math.max(max, process.memoryUsage().rss);
    return { peakRssMb: round(process.resourceUsage().maxRSS / 1024), sampledRssMb: round(max / 2 ** 20) };
  };
}

function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Reads a file in `CHUNK`-sized ranged reads, as the per-file loop does. */
async function* chunks(file: string): AsyncGenerator<Buffer> {
  const handle = await open(file, 'r');
  try {
    for (let position = 0; ;) {
      const buffer = Buffer.allocUnsafe(CHUNK);
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, position);
      if (bytesRead === 0) return;
      position += bytesRead;
      yield bytesRead === CHUNK ? buffer : buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

/** (a) The floor: the same bytes, the same chunks, `JSON.parse` of each line and nothing else. */
export async function floorPhase(files: readonly string[]): Promise<PhaseResult> {
  const stop = rssSampler();
  const started = performance.now();
  let bytes = 0;
  let records = 0;
  let sink = 0;
  for (const file of files) {
    let carry: Buffer | null = null;
    for await (const chunk of chunks(file)) {
      bytes += chunk.length;
      const data: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
      let from = 0;
      for (let nl = data.indexOf(0x0a, from); nl >= 0; nl = data.indexOf(0x0a, from)) {
        if (nl > from) {
          const value = JSON.parse(data.toString('utf8', from, nl)) as Record<string, unknown>;
          if (value['time'] !== undefined) sink++;
          records++;
        }
        from = nl + 1;
      }
      carry = from < data.length ? Buffer.from(data.subarray(from)) : null;
    }
    if (carry && carry.length > 0) {
      JSON.parse(carry.toString('utf8'));
      records++;
    }
  }
  const ms = performance.now() - started;
  return { name: 'floor', ms, bytes, records, ...stop(), extra: { sink } };
}

/** How far (b) goes: its stages measured cumulatively show where the time beyond (a) goes. */
export type PipelineStage = 'decode' | 'normalize' | 'route' | 'apply';

/** (b) The pipeline in process: Framer → decodeUnit → normalizeRecord → every view's route + apply into maps. */
export async function pipelinePhase(
  files: readonly string[],
  settings: ProcessSettings = DEFAULT_PROCESS_SETTINGS,
  upTo: PipelineStage = 'apply',
): Promise<PhaseResult> {
  const views = ALL_VIEWS;
  const stop = rssSampler();
  const started = performance.now();
  // Rows by view, partition and row key, as the applier groups them.
  const fold = new MemoryFold(views);
  let bytes = 0;
  let records = 0;
  let units = 0;
  let bad = 0;
  let unsupported = 0;
  for (const file of files) {
    const ref = refForLocalPath(file);
    const context: NormalizeContext = {
      fileCategory: categoryFromContainer(ref.container),
      resourceIdFromPath: resourceIdFromBlobPath(ref.path),
      timeBounds: timeBoundsAt(Date.now()),
    };
    const framer = new Framer({ start: { offset: 0, newlines: 0, mode: 'auto' }, maxUnitBytes: settings.maxUnitBytes, maxRawBytes: settings.maxRawBytes });
    const handle = (items: FramedItem[]): void => {
      for (const item of items) {
        if (item.kind === 'issue') {
          bad++;
          continue;
        }
        units++;
        const decoded = decodeUnit(item);
        if (!decoded.success) {
          bad++;
          continue;
        }
        for (const raw of decoded.records) {
          if (upTo === 'decode') {
            records++;
            continue;
          }
          const normalized = normalizeRecord(raw.value, context);
          if (!normalized.success) {
            if (normalized.kind === 'unsupported') unsupported++;
            else bad++;
            continue;
          }
          records++;
          if (upTo === 'normalize') continue;
          fold.add(normalized.record, upTo === 'apply');
        }
      }
    };
    for await (const chunk of chunks(file)) {
      bytes += chunk.length;
      handle(framer.push(chunk));
    }
    handle(framer.finish(true));
  }
  // As the applier does before writing: state kept decoded during a batch (sketches) is serialized.
  const aggregateRows = fold.finish(false);
  const tables = fold.tables;
  const ms = performance.now() - started;
  if (process.env['BENCH_DUMP_ROWS']) {
    const { writeFileSync } = await import('node:fs');
    const rows: [string, RowData][] = [];
    for (const [view, partitions] of tables) {
      for (const [partitionKey, partition] of partitions) for (const [rowKey, row] of partition) rows.push([`${view.table}/${partitionKey}/${rowKey}`, row]);
    }
    writeFileSync(`${process.env['BENCH_DUMP_ROWS']}.json`, JSON.stringify(rows.sort(([x], [y]) => (x < y ? -1 : 1))));
  }
  return { name: `pipeline-${upTo}`, ms, bytes, records, ...stop(), extra: { units, bad, unsupported, aggregateRows } };
}

interface E2eRun {
  ms: number;
  records: number;
  bytes: number;
  requests: { reads: number; writes: number; transactions: number; total: number };
  bytesRead: number;
  aggregateRows: number;
  badLines: number;
  segments: number;
}

async function countAggregateRows(tables: TableStore): Promise<number> {
  let count = 0;
  for (const view of ALL_VIEWS) {
    await tables.ensureTable(view.table);
    for await (const row of tables.query(view.table, undefined, ['PartitionKey', 'RowKey'])) if (!row.rowKey.startsWith(RESERVED_ROW_PREFIX)) count++;
  }
  return count;
}

function totalRequests(tables: TableStore): E2eRun['requests'] {
  const { reads, writes, transactions } = tables.requests;
  return { reads, writes, transactions, total: reads + writes + transactions };
}

async function runFiles(files: readonly string[], tables: TableStore, concurrency: number, settings: ProcessSettings): Promise<E2eRun> {
  const source = new LocalLogSource();
  const refs = files.map((file) => source.register(file));
  const deps: ProcessDeps = { source, tables, views: ALL_VIEWS, settings, logger: silentLogger };
  const started = performance.now();
  let records = 0;
  let bytes = 0;
  let badLines = 0;
  let segments = 0;
  await forEachConcurrently(refs, concurrency, async (ref) => {
    const result = await processFile(ref, deps);
    records += result.records;
    bytes += result.bytes;
    badLines += result.badLines;
    segments += result.segments;
  });
  const ms = performance.now() - started;
  const requests = totalRequests(tables);
  return { ms, records, bytes, requests, bytesRead: source.usage.bytesRead, aggregateRows: await countAggregateRows(tables), badLines, segments };
}

function azuriteTables(connectionString: string, prefix: string): TableStore {
  return new AzureTableStore({ kind: 'connectionString', connectionString }, prefix);
}

/** (c) End to end into Azurite through LocalLogSource + processFile, 4 files at a time as the CLI does. */
export async function e2ePhase(files: readonly string[], concurrency = 4): Promise<PhaseResult> {
  const azurite = await startAzurite();
  try {
    const stop = rssSampler();
    const run = await runFiles(files, azuriteTables(azurite.connectionString, 'Bench'), concurrency, DEFAULT_PROCESS_SETTINGS);
    return {
      name: 'e2e',
      ms: run.ms,
      bytes: run.bytes,
      records: run.records,
      ...stop(),
      extra: {
        requestsTotal: run.requests.total,
        reads: run.requests.reads,
        writes: run.requests.writes,
        transactions: run.requests.transactions,
        requestsPer1000Records: round((run.requests.total / run.records) * 1000, 2),
        aggregateRows: run.aggregateRows,
        requestsPerAggregateRow: round(run.requests.total / run.aggregateRows, 3),
        badLines: run.badLines,
      },
    };
  } finally {
    await azurite.stop();
  }
}

/** (j) A junk flood end to end into Azurite, as `acs-logs process` runs a local file: time, peak RSS, requests, quarantine entries. */
export async function junkPhase(file: string): Promise<PhaseResult> {
  const azurite = await startAzurite();
  try {
    const stop = rssSampler();
    const tables = azuriteTables(azurite.connectionString, 'Junk');
    const run = await runFiles([file], tables, 1, DEFAULT_PROCESS_SETTINGS);
    const sampled = stop();
    let entries = 0;
    for await (const entry of new QuarantineStore(tables).list()) entries += entry ? 1 : 0;
    return {
      name: 'junk',
      ms: run.ms,
      bytes: run.bytes,
      records: run.records,
      ...sampled,
      extra: {
        badLines: run.badLines,
        segments: run.segments,
        quarantineEntries: entries,
        requestsTotal: run.requests.total,
        reads: run.requests.reads,
        writes: run.requests.writes,
        transactions: run.requests.transactions,
      },
    };
  } finally {
    await azurite.stop();
  }
}

/** (d) Incremental: process a big file, append `appendBytes` of complete lines, process again. */
export async function incrementalPhase(bigFile: string, append: Buffer): Promise<PhaseResult> {
  const azurite = await startAzurite();
  try {
    const stop = rssSampler();
    const tables = new AzureTableStore({ kind: 'connectionString', connectionString: azurite.connectionString }, 'Inc');
    const source = new LocalLogSource();
    const ref = source.register(bigFile);
    const deps: ProcessDeps = { source, tables, views: ALL_VIEWS, settings: DEFAULT_PROCESS_SETTINGS, logger: silentLogger };
    let started = performance.now();
    const full = await processFile(ref, deps);
    const fullMs = performance.now() - started;
    const fullRead = source.usage.bytesRead;
    const fullRequests = totalRequests(tables).total;

    await appendFile(bigFile, append);
    const readBefore = source.usage.bytesRead;
    const readsBefore = source.usage.reads;
    started = performance.now();
    const again = await processFile(ref, deps);
    const incMs = performance.now() - started;
    const incRead = source.usage.bytesRead - readBefore;
    const incRequests = totalRequests(tables).total - fullRequests;
    return {
      name: 'incremental',
      ms: fullMs,
      bytes: full.bytes,
      records: full.records,
      ...stop(),
      extra: {
        fullBytesRead: fullRead,
        fullMs: round(fullMs),
        appendedBytes: append.length,
        appendedRecords: again.records,
        incrementalBytesRead: incRead,
        incrementalReadCalls: source.usage.reads - readsBefore,
        readRatio: round(incRead / append.length, 3),
        incrementalMs: round(incMs, 2),
        timeRatio: round(incMs / fullMs, 5),
        incrementalRequests: incRequests,
      },
    };
  } finally {
    await azurite.stop();
  }
}

/** (e) Requests vs rows: the same lines repeated 1, 2, 4... times (more records, the very same aggregate rows), each into fresh tables. */
export async function scalingPhase(files: readonly { repeat: number; path: string }[]): Promise<PhaseResult> {
  const azurite = await startAzurite();
  try {
    const stop = rssSampler();
    const extra: Record<string, number | string> = {};
    let ms = 0;
    let bytes = 0;
    let records = 0;
    for (const { repeat, path } of files) {
      const run = await runFiles(
        [path],
        azuriteTables(azurite.connectionString, repeat > 0 ? `Scale${repeat}` : `Block${-repeat}`),
        1,
        DEFAULT_PROCESS_SETTINGS,
      );
      ms += run.ms;
      bytes += run.bytes;
      records += run.records;
      extra[`x${repeat}`] = JSON.stringify({
        records: run.records,
        bytes: run.bytes,
        requests: run.requests.total,
        rows: run.aggregateRows,
        segments: run.segments,
      });
    }
    return { name: 'scaling', ms, bytes, records, ...stop(), extra };
  } finally {
    await azurite.stop();
  }
}

/**
 * (f) One large call: one CorrelationId with n operations, so one Calls partition written in many
 * transactions, whose call row is computed from the whole partition in the last; each file into fresh
 * tables. Requests and time should grow linearly with n.
 */
export interface OneCallFile {
  /** What the call's rows are: API operations, or media streams of one participant. */
  kind: 'operations' | 'streams';
  count: number;
  path: string;
}

export async function oneCallPhase(files: readonly OneCallFile[]): Promise<PhaseResult> {
  const azurite = await startAzurite();
  try {
    const stop = rssSampler();
    const extra: Record<string, number | string> = {};
    let ms = 0;
    let bytes = 0;
    let records = 0;
    for (const { kind, count, path } of files) {
      // CPU of this process alone: Azurite runs in a child process of its own.
      const cpuBefore = process.cpuUsage();
      const run = await runFiles(
        [path],
        azuriteTables(azurite.connectionString, `Call${kind === 'operations' ? 'o' : 's'}${count}`),
        1,
        DEFAULT_PROCESS_SETTINGS,
      );
      const cpu = process.cpuUsage(cpuBefore);
      ms += run.ms;
      bytes += run.bytes;
      records += run.records;
      extra[`${kind === 'operations' ? 'n' : 's'}${count}`] = JSON.stringify({
        records: run.records,
        ms: round(run.ms),
        cpuMs: round((cpu.user + cpu.system) / 1000),
        reads: run.requests.reads,
        transactions: run.requests.transactions,
        requests: run.requests.total,
        segments: run.segments,
      });
    }
    return { name: 'oneCall', ms, bytes, records, ...stop(), extra };
  } finally {
    await azurite.stop();
  }
}

/**
 * A TableStore that stores nothing: every read finds nothing, every write succeeds. Lets the per-file
 * loop run at full speed with only its own memory in the process (no Azurite, no rows kept).
 */
class NullTableStore extends AzureTableStore {
  /** Checkpoint rows are kept (the loop resumes from them); aggregate rows are not. */
  private readonly files = new Map<string, StoredRow>();
  private version = 0;
  constructor() {
    super({ kind: 'connectionString', connectionString: 'UseDevelopmentStorage=true' }, 'Null');
  }
  override async ensureTable(): Promise<void> {}
  override async getRow(table: string, partitionKey: string, rowKey: string): Promise<StoredRow | undefined> {
    this.requests.reads++;
    return table === FILES_TABLE ? this.files.get(`${partitionKey}\u0000${rowKey}`) : undefined;
  }
  override async readRows(table: string, partitionKey: string, rowKeys: readonly string[]): Promise<Map<string, StoredRow>> {
    this.requests.reads++;
    const found = new Map<string, StoredRow>();
    if (table !== FILES_TABLE) return found;
    for (const rowKey of rowKeys) {
      const row = this.files.get(`${partitionKey}\u0000${rowKey}`);
      if (row) found.set(rowKey, row);
    }
    return found;
  }
  override async readPartition(): Promise<Map<string, StoredRow>> {
    this.requests.reads++;
    return new Map<string, StoredRow>();
  }
  // eslint-disable-next-line require-yield
  override async *query(): AsyncGenerator<never> {
    this.requests.reads++;
  }
  override async upsert(): Promise<void> {
    this.requests.writes++;
    this.requests.entities++;
  }
  override async writeConditional(table: string, partitionKey: string, write: RowWrite): Promise<{ committed: true }> {
    this.requests.writes++;
    this.requests.entities++;
    if (table === FILES_TABLE) {
      this.files.set(`${partitionKey}\u0000${write.rowKey}`, { partitionKey, rowKey: write.rowKey, etag: String(++this.version), data: { ...write.data } });
    }
    return { committed: true };
  }
  /** Answers with an ETag per write, as the service does, so the applier keeps what it wrote instead of reading it again. */
  override async commit(_table: string, _partitionKey: string, writes: readonly RowWrite[]): Promise<{ committed: true; etags: string[] }> {
    this.requests.transactions++;
    this.requests.entities += writes.length;
    return { committed: true, etags: writes.map(() => String(++this.version)) };
  }
}

/**
 * (c′) The per-file loop (processFile) on local files with storage replaced by NullTableStore: the
 * processor's own RSS and CPU, with as many files at a time as `acs-logs process` reads (written together).
 */
export async function loopPhase(files: readonly string[], settings: ProcessSettings = DEFAULT_PROCESS_SETTINGS): Promise<PhaseResult> {
  const stop = rssSampler();
  const tables = new NullTableStore();
  const cpuBefore = process.cpuUsage();
  const run = await runFiles(files, tables, readAppSettings({}).fileConcurrency, settings);
  const cpu = process.cpuUsage(cpuBefore);
  return {
    name: 'loop',
    ms: run.ms,
    bytes: run.bytes,
    records: run.records,
    ...stop(),
    extra: {
      requestsTotal: run.requests.total,
      requestsPer1000Records: round((run.requests.total / Math.max(1, run.records)) * 1000, 2),
      // What a store taking no time would be sent: the ceiling of the end-to-end entity rate.
      entities: tables.requests.entities,
      entitiesPer1000Records: round((tables.requests.entities / Math.max(1, run.records)) * 1000, 1),
      // All the process's threads (its garbage collector's too): what the processor costs the machine.
      cpuSeconds: round((cpu.user + cpu.system) / 1e6, 2),
    },
  };
}
