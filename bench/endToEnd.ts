/**
 * Phases that run the product as a user does (`acs-logs process` as its own process, on the embedded
 * default store) and what it is compared with: the same number of entities written straight into
 * Azurite (the sink floor), and DuckDB answering a question over the same files (the peer).
 */
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { TableServiceClient } from '@azure/data-tables';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startAzurite } from '../src/lib/storage/azurite.js';
import { attachAzurite } from '../src/lib/storage/sharedAzurite.js';
import { readAppSettings } from '../src/lib/config/appSettings.js';
import type { MemoryProfile } from '../src/lib/config/memoryProfile.js';
import { AzureTableStore, MAX_TRANSACTION_BYTES, MAX_TRANSACTION_ROWS, transactionBytesOf, type RowWrite } from '../src/lib/storage/TableStore.js';
import type { PhaseResult } from './phases.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.join(here, '..', 'src', 'cli', 'main.js');
const RSS_REPORT = pathToFileURL(path.join(here, 'rssReport.js')).href;

export interface CliRun {
  ms: number;
  records: number;
  bytes: number;
  requests: number;
  entities: number;
  peakRssMb: number;
  /** CPU seconds of the command's own process. */
  cpuSeconds: number;
  /** CPU seconds of the embedded Azurite while the command ran (Linux: /proc), when it could be seen. */
  azuriteCpuSeconds?: number;
  output: string;
}

/** Runs `acs-logs process <paths> --data-dir <dataDir> --quiet [flags]` and reads what it reports of itself. */
export async function runProcessCommand(paths: readonly string[], dataDir: string, flags: readonly string[] = []): Promise<CliRun> {
  const rssFile = path.join(os.tmpdir(), `acs-logs-bench-rss-${process.pid}-${Date.now()}`);
  const started = performance.now();
  const azuriteCpu = azuriteCpuSampler(dataDir);
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', RSS_REPORT, CLI, 'process', ...paths, '--data-dir', dataDir, '--quiet', ...flags], {
      env: { ...process.env, BENCH_RSS_FILE: rssFile, AzureWebJobsStorage: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`acs-logs process exited with ${code}: ${text.slice(-2000)}`))));
  });
  const ms = performance.now() - started;
  const azuriteCpuSeconds = await azuriteCpu.stop();
  const number = (pattern: RegExp): number => {
    const match = pattern.exec(output);
    if (!match) throw new Error(`acs-logs process did not report ${pattern}: ${output.slice(-1000)}`);
    return Number((match[1] as string).replace(/,/g, ''));
  };
  const [peakKib, cpuMicros] = (await readFile(rssFile, 'utf8')).split(' ').map(Number) as [number, number];
  await rm(rssFile, { force: true });
  return {
    ms,
    output,
    records: number(/with new data: ([\d,]+) records/),
    bytes: number(/([\d,]+) bytes read/),
    requests: number(/([\d,]+) table requests/),
    entities: number(/([\d,]+) entities written/),
    peakRssMb: Math.round((peakKib / 1024) * 10) / 10,
    cpuSeconds: round(cpuMicros / 1e6, 2),
    ...(azuriteCpuSeconds !== undefined ? { azuriteCpuSeconds } : {}),
  };
}

/** Clock ticks per second of /proc/<pid>/stat times: 100 on Linux on x64 and arm64. */
const CLOCK_TICKS = 100;

/** CPU seconds a process has used, all its threads (Linux: /proc); undefined where /proc cannot tell. */
async function cpuSecondsOf(pid: number): Promise<number | undefined> {
  try {
    const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
    // After the command's ")": state is field 3 of stat, utime and stime are fields 14 and 15.
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks / CLOCK_TICKS : undefined;
  } catch (error) {
    // No /proc (not Linux), or the process is gone.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Follows the CPU time of the embedded Azurite of `dataDir` (named by its lock file) while a command
 * runs; `stop` resolves to the last seen, in seconds, or undefined where /proc cannot tell.
 */
function azuriteCpuSampler(dataDir: string): { stop(): Promise<number | undefined> } {
  let last: number | undefined;
  const sample = async (): Promise<void> => {
    try {
      const lock = JSON.parse(await readFile(path.join(dataDir, 'azurite.lock'), 'utf8')) as { azuritePid?: number };
      if (lock.azuritePid === undefined) return;
      last = (await cpuSecondsOf(lock.azuritePid)) ?? last;
    } catch {
      // No lock yet: nothing to see this time.
    }
  };
  let sampling = Promise.resolve();
  const timer = setInterval(() => {
    sampling = sampling.then(sample);
  }, 250);
  return {
    stop: async () => {
      clearInterval(timer);
      await sampling;
      await sample();
      return last === undefined ? undefined : round(last, 2);
    },
  };
}

function cliResult(name: string, run: CliRun, extra: Record<string, number | string> = {}): PhaseResult {
  return {
    name,
    ms: run.ms,
    bytes: run.bytes,
    records: run.records,
    peakRssMb: run.peakRssMb,
    sampledRssMb: run.peakRssMb,
    extra: {
      requests: run.requests,
      entities: run.entities,
      cpuSeconds: run.cpuSeconds,
      ...(run.azuriteCpuSeconds !== undefined ? { azuriteCpuSeconds: run.azuriteCpuSeconds } : {}),
      requestsPer1000Records: round((run.requests / run.records) * 1000, 1),
      entitiesPer1000Records: round((run.entities / run.records) * 1000, 1),
      ...extra,
    },
  };
}

/**
 * (c) `acs-logs process` on the files, into a new embedded store: start-up and shut-down included.
 * With `rowsFile`, every row the run left is then written there (not timed), for the sink of the same rows.
 * With `memory`, the command runs with `--memory <profile>`.
 */
export async function cliPhase(files: readonly string[], rowsFile?: string, memory: MemoryProfile = 'default'): Promise<PhaseResult> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'acs-logs-bench-e2e-'));
  try {
    const result = cliResult('e2e', await runProcessCommand(files, dataDir, memory === 'default' ? [] : ['--memory', memory]));
    if (rowsFile !== undefined) result.extra['rowsLeft'] = await dumpRows(dataDir, rowsFile);
    return result;
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** (g) The first half of the files, then the second half into the same store, each its own `acs-logs process`. */
export async function growthPhase(first: readonly string[], second: readonly string[]): Promise<PhaseResult> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'acs-logs-bench-growth-'));
  const aloneDir = await mkdtemp(path.join(os.tmpdir(), 'acs-logs-bench-growth-alone-'));
  try {
    const one = await runProcessCommand(first, dataDir);
    const two = await runProcessCommand(second, dataDir);
    // The control: the second half into empty tables; the growth's own cost is the second run over this one.
    const alone = await runProcessCommand(second, aloneDir);
    const total: CliRun = {
      ms: one.ms + two.ms,
      records: one.records + two.records,
      bytes: one.bytes + two.bytes,
      requests: one.requests + two.requests,
      entities: one.entities + two.entities,
      peakRssMb: Math.max(one.peakRssMb, two.peakRssMb),
      cpuSeconds: one.cpuSeconds + two.cpuSeconds,
      ...(one.azuriteCpuSeconds !== undefined && two.azuriteCpuSeconds !== undefined
        ? { azuriteCpuSeconds: one.azuriteCpuSeconds + two.azuriteCpuSeconds }
        : {}),
      output: '',
    };
    return cliResult('growth', total, {
      firstSeconds: round(one.ms / 1000, 2),
      secondSeconds: round(two.ms / 1000, 2),
      firstRecords: one.records,
      secondRecords: two.records,
      firstRequests: one.requests,
      secondRequests: two.requests,
      aloneSeconds: round(alone.ms / 1000, 2),
      aloneRecords: alone.records,
      aloneRequests: alone.requests,
    });
  } finally {
    await rm(dataDir, { recursive: true, force: true });
    await rm(aloneDir, { recursive: true, force: true });
  }
}

/**
 * (s) The sink floor: `entities` rows of the size the views write, upserted straight into a new
 * Azurite that keeps its data on disk as the embedded default does, 100 to a batch, 8 batches at a time.
 */
export async function sinkPhase(entities: number): Promise<PhaseResult> {
  const batches = Array.from({ length: Math.ceil(entities / 100) }, (_, batch) => ({
    table: 'Rows',
    partitionKey: `p${batch}`,
    writes: Array.from({ length: Math.min(100, entities - batch * 100) }, (_, i): RowWrite => ({
      op: 'upsert',
      rowKey: `r${String(i).padStart(3, '0')}`,
      data: typicalRow(batch * 100 + i),
    })),
  }));
  return sinkInto('sink', batches, entities);
}

interface SinkBatch {
  table: string;
  partitionKey: string;
  writes: RowWrite[];
}

/** Writes the batches straight into a new Azurite that keeps its data on disk as the embedded default does, 8 at a time. */
async function sinkInto(name: string, batches: readonly SinkBatch[], entities: number): Promise<PhaseResult> {
  const location = await mkdtemp(path.join(os.tmpdir(), `acs-logs-bench-${name}-`));
  const azurite = await startAzurite({ location });
  try {
    const tables = new AzureTableStore({ kind: 'connectionString', connectionString: azurite.connectionString }, 'Sink');
    for (const table of new Set(batches.map((batch) => batch.table))) await tables.ensureTable(table);
    const azuriteCpuBefore = await cpuSecondsOf(azurite.pid);
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < batches.length) {
          const batch = batches[next++] as SinkBatch;
          const outcome = await tables.commit(batch.table, batch.partitionKey, batch.writes);
          if (!outcome.committed) throw new Error(`sink batch refused: ${outcome.code}`);
        }
      }),
    );
    const ms = performance.now() - started;
    // Azurite's CPU for the writes alone: its start-up before and its save on stop after are left out.
    const azuriteCpuAfter = await cpuSecondsOf(azurite.pid);
    const azuriteCpu: Record<string, number> =
      azuriteCpuBefore !== undefined && azuriteCpuAfter !== undefined ? { azuriteCpuSeconds: round(azuriteCpuAfter - azuriteCpuBefore, 2) } : {};
    return {
      name,
      ms,
      bytes: 0,
      records: entities,
      peakRssMb: round(process.resourceUsage().maxRSS / 1024),
      sampledRssMb: 0,
      extra: { entities, requests: tables.requestCount, entitiesPerSecond: Math.round(entities / (ms / 1000)), ...azuriteCpu },
    };
  } finally {
    await azurite.stop();
    await rm(location, { recursive: true, force: true });
  }
}

/** Every row of every table of the embedded store of `dataDir`, as JSON lines ({ table, partitionKey, rowKey, data }). */
async function dumpRows(dataDir: string, file: string): Promise<number> {
  // The prefix the command used: it ran with this environment.
  const prefix = readAppSettings().tablePrefix;
  const azurite = await attachAzurite(dataDir);
  try {
    const service = TableServiceClient.fromConnectionString(azurite.connectionString, { allowInsecureConnection: true });
    const store = new AzureTableStore({ kind: 'connectionString', connectionString: azurite.connectionString }, prefix);
    const out = createWriteStream(file);
    let rows = 0;
    for await (const table of service.listTables()) {
      const name = String(table.name);
      if (!name.startsWith(prefix)) continue;
      for await (const row of store.query(name.slice(prefix.length), undefined)) {
        if (!out.write(JSON.stringify({ table: name.slice(prefix.length), partitionKey: row.partitionKey, rowKey: row.rowKey, data: row.data }) + '\n')) {
          await new Promise<void>((resolve) => out.once('drain', () => resolve()));
        }
        rows++;
      }
    }
    await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
    return rows;
  } finally {
    azurite.detach();
  }
}

/**
 * (s′) The sink floor of the run's own rows (with `packed`, (s″): the same rows in full transactions
 * whatever their partitions, so that only their content differs from (s)): every row (c) left, upserted straight into a new on-disk
 * Azurite in as few transactions as the service allows (one partition, at most 100 rows and 4 MiB
 * each), 8 at a time. The same entities, so the same bytes for Azurite to parse and keep.
 */
export async function sinkRowsPhase(rowsFile: string, packed = false): Promise<PhaseResult> {
  const batches: (SinkBatch & { bytes: number })[] = [];
  const open = new Map<string, (typeof batches)[number]>();
  let entities = 0;
  for await (const line of createInterface({ input: createReadStream(rowsFile), crlfDelay: Infinity })) {
    if (line === '') continue;
    const row = JSON.parse(line) as { table: string; partitionKey: string; rowKey: string; data: Record<string, unknown> };
    // Packed (s″): a table's rows fill transactions in turn, each under a partition of its own; the
    // row's partition joins its row key, so every row stays a row of its own.
    const key = packed ? row.table : row.table + '\u0000' + row.partitionKey;
    const write: RowWrite = { op: 'upsert', rowKey: packed ? `${row.partitionKey}|${row.rowKey}` : row.rowKey, data: row.data };
    let batch = open.get(key);
    // A transaction's bytes are the sum of its operations' (which count the partition key).
    let bytes = transactionBytesOf(batch?.partitionKey ?? row.partitionKey, [write]);
    if (!batch || batch.writes.length >= MAX_TRANSACTION_ROWS || batch.bytes + bytes > MAX_TRANSACTION_BYTES) {
      batch = { table: row.table, partitionKey: packed ? `b${batches.length}` : row.partitionKey, writes: [], bytes: 0 };
      bytes = transactionBytesOf(batch.partitionKey, [write]);
      open.set(key, batch);
      batches.push(batch);
    }
    batch.writes.push(write);
    batch.bytes += bytes;
    entities++;
  }
  return sinkInto(packed ? 'sinkPacked' : 'sinkRows', batches, entities);
}

/** About the size and shape of an aggregate row (ten properties, a few of them strings). */
function typicalRow(i: number): Record<string, unknown> {
  return {
    resourceId: '/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000000/RESOURCEGROUPS/BENCH/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/BENCH',
    granularity: 'hour',
    bucket: '2024-05-25T01:00:00.000Z',
    operationName: 'StartRecording',
    resultSignature: '200',
    count: i,
    failed: 0,
    durationMsSum: i * 7,
    firstAt: '2024-05-25T01:02:03.456Z',
    lastAt: '2024-05-25T01:59:03.456Z',
  };
}

/**
 * (p) The peer: DuckDB reading the same JSON Lines files and answering the Rooms question, operations
 * per day by operation and result. What a user without acs-logs would run on downloaded logs.
 */
export async function duckdbPhase(files: readonly string[]): Promise<PhaseResult> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const rooms = files.filter((file) => file.includes('insights-logs-roomsoperational'));
  const started = performance.now();
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const list = '[' + rooms.map((file) => `'${file.replace(/'/g, "''")}'`).join(', ') + ']';
  const reader = await connection.runAndReadAll(
    `SELECT CAST(time AS DATE) AS day, operationName, resultType, count(*) AS operations
     FROM read_json(${list}, format = 'newline_delimited', columns = {time: 'TIMESTAMP', operationName: 'VARCHAR', resultType: 'VARCHAR'})
     GROUP BY ALL ORDER BY ALL`,
  );
  const rows = reader.getRows();
  const ms = performance.now() - started;
  let records = 0;
  for (const row of rows) records += Number(row[3]);
  connection.closeSync();
  return {
    name: 'duckdb',
    ms,
    bytes: 0,
    records,
    peakRssMb: round(process.resourceUsage().maxRSS / 1024),
    sampledRssMb: 0,
    extra: { files: rooms.length, groups: rows.length },
  };
}

function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
