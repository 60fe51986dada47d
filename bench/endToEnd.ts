/**
 * Phases that run the product as a user does (`acs-logs process` as its own process, on the embedded
 * default store) and what it is compared with: the same number of entities written straight into
 * Azurite (the sink floor), and DuckDB answering a question over the same files (the peer).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startAzurite } from '../src/lib/storage/azurite.js';
import { AzureTableStore, type RowWrite } from '../src/lib/storage/TableStore.js';
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
  output: string;
}

/** Runs `acs-logs process <paths> --data-dir <dataDir> --quiet` and reads what it reports of itself. */
export async function runProcessCommand(paths: readonly string[], dataDir: string): Promise<CliRun> {
  const rssFile = path.join(os.tmpdir(), `acs-logs-bench-rss-${process.pid}-${Date.now()}`);
  const started = performance.now();
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', RSS_REPORT, CLI, 'process', ...paths, '--data-dir', dataDir, '--quiet'], {
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
  const number = (pattern: RegExp): number => {
    const match = pattern.exec(output);
    if (!match) throw new Error(`acs-logs process did not report ${pattern}: ${output.slice(-1000)}`);
    return Number((match[1] as string).replace(/,/g, ''));
  };
  const peakKib = Number(await readFile(rssFile, 'utf8'));
  await rm(rssFile, { force: true });
  return {
    ms,
    output,
    records: number(/with new data: ([\d,]+) records/),
    bytes: number(/([\d,]+) bytes read/),
    requests: number(/([\d,]+) table requests/),
    entities: number(/([\d,]+) entities written/),
    peakRssMb: Math.round((peakKib / 1024) * 10) / 10,
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
      requestsPer1000Records: round((run.requests / run.records) * 1000, 1),
      entitiesPer1000Records: round((run.entities / run.records) * 1000, 1),
      ...extra,
    },
  };
}

/** (c) `acs-logs process` on the files, into a new embedded store: start-up and shut-down included. */
export async function cliPhase(files: readonly string[]): Promise<PhaseResult> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'acs-logs-bench-e2e-'));
  try {
    return cliResult('e2e', await runProcessCommand(files, dataDir));
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** (g) The first half of the files, then the second half into the same store, each its own `acs-logs process`. */
export async function growthPhase(first: readonly string[], second: readonly string[]): Promise<PhaseResult> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'acs-logs-bench-growth-'));
  try {
    const one = await runProcessCommand(first, dataDir);
    const two = await runProcessCommand(second, dataDir);
    const total: CliRun = {
      ms: one.ms + two.ms,
      records: one.records + two.records,
      bytes: one.bytes + two.bytes,
      requests: one.requests + two.requests,
      entities: one.entities + two.entities,
      peakRssMb: Math.max(one.peakRssMb, two.peakRssMb),
      output: '',
    };
    return cliResult('growth', total, {
      firstSeconds: round(one.ms / 1000, 2),
      secondSeconds: round(two.ms / 1000, 2),
      firstRecords: one.records,
      secondRecords: two.records,
      firstRequests: one.requests,
      secondRequests: two.requests,
      // Per record, so that halves of slightly different sizes compare fairly.
      timeRatio: round(two.ms / two.records / (one.ms / one.records), 3),
      requestRatio: round(two.requests / two.records / (one.requests / one.records), 3),
    });
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/**
 * (s) The sink floor: `entities` rows of the size the views write, upserted straight into a new
 * Azurite that keeps its data on disk as the embedded default does, 100 to a batch, 8 batches at a time.
 */
export async function sinkPhase(entities: number): Promise<PhaseResult> {
  const location = await mkdtemp(path.join(os.tmpdir(), 'acs-logs-bench-sink-'));
  const azurite = await startAzurite({ location });
  try {
    const tables = new AzureTableStore({ kind: 'connectionString', connectionString: azurite.connectionString }, 'Sink');
    await tables.ensureTable('Rows');
    const batches = Math.ceil(entities / 100);
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < batches) {
          const batch = next++;
          const size = Math.min(100, entities - batch * 100);
          const writes: RowWrite[] = Array.from({ length: size }, (_, i) => ({
            op: 'upsert',
            rowKey: `r${String(i).padStart(3, '0')}`,
            data: typicalRow(batch * 100 + i),
          }));
          const outcome = await tables.commit('Rows', `p${batch}`, writes);
          if (!outcome.committed) throw new Error(`sink batch refused: ${outcome.code}`);
        }
      }),
    );
    const ms = performance.now() - started;
    return {
      name: 'sink',
      ms,
      bytes: 0,
      records: entities,
      peakRssMb: round(process.resourceUsage().maxRSS / 1024),
      sampledRssMb: 0,
      extra: { entities, requests: tables.requestCount, entitiesPerSecond: Math.round(entities / (ms / 1000)) },
    };
  } finally {
    await azurite.stop();
    await rm(location, { recursive: true, force: true });
  }
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
