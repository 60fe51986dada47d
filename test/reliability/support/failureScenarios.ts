import { isDeepStrictEqual } from 'node:util';
import { backfill } from '../../../src/lib/processing/backfill.js';
import type { Logger } from '../../../src/lib/logging.js';
import { tailAndSweep, type TailSweepSummary } from '../../../src/lib/processing/tailAndSweep.js';
import { watch } from '../../../src/lib/processing/watch.js';
import { readHealth } from '../../../src/lib/querying/health.js';
import { portOf, startFaultProxy, withPorts } from '../../support/faultProxy.js';
import { PoisonedSource } from '../../support/poison.js';
import { asJsonLines, blobPath, normalizeAll, roomsRecords } from '../../support/roomsLogs.js';
import { rng } from '../../support/random.js';
import {
  appendToBlob,
  azuriteConnectionString,
  newContainer,
  newTableStore,
  readAggregates,
  referenceAggregates,
  testDeps,
  uniquePrefix,
  type AggregateSnapshot,
} from '../../support/storage.js';
import { classifyError } from '../../../src/lib/storage/errors.js';
import { AzureTableStore } from '../../../src/lib/storage/TableStore.js';

export type Runner = 'backfill' | 'watch' | 'timer';

export interface PoisonReport {
  runner: Runner;
  files: number;
  poisoned: string[];
  /** Records in all files, and in the poisoned ones. */
  records: number;
  poisonedRecords: number;
  /** Aggregates after the first run, and what the good files alone give. */
  withPoison: { actual: AggregateSnapshot; expected: AggregateSnapshot };
  stuckPaths: string[];
  statusWhileStuck: string;
  failuresCounted: number;
  /** After the poisoned files read again. */
  healed: { actual: AggregateSnapshot; expected: AggregateSnapshot; stuck: number; status: string };
}

const resourceName = (n: number): string => `/SUBSCRIPTIONS/0/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/ACS${n}`;

/**
 * `files` blobs of random sizes over several resources and hours, `poisonCount` of them throwing on every
 * read; one run of `runner` must count every other file and list exactly the poisoned ones as stuck;
 * once they read again, a later run must count them too and clear them.
 */
export async function poisonScenario(seed: number, runner: Runner, files: number, poisonCount: number): Promise<PoisonReport> {
  const random = rng(seed);
  const container = await newContainer();
  const written: Array<{ path: string; records: Record<string, unknown>[] }> = [];
  for (let i = 0; i < files; i++) {
    const resource = resourceName(i % 7);
    const path = blobPath(Math.floor(i / 7) % 3, resource) + (i >= 21 ? `.${i}` : '');
    const records = roomsRecords(1 + Math.floor(random() * 30), seed * 100 + i, 12, resource);
    written.push({ path, records });
    await appendToBlob(container, path, asJsonLines(records) + (random() < 0.2 ? 'not json\n' : ''));
  }
  const poisoned = new Set<string>();
  while (poisoned.size < poisonCount) poisoned.add(written[Math.floor(random() * files)]!.path);

  const tables = newTableStore();
  let now = Date.UTC(2024, 4, 25, 1, 30);
  const base = testDeps(tables);
  const source = new PoisonedSource(base.source);
  for (const path of poisoned) source.poisoned.add(path);
  const deps = { ...base, source, now: () => now };
  const containers = [container.containerName];
  const timerOptions = { containers, sweepIntervalMs: 15 * 60_000, fileConcurrency: 3, deadline: Number.POSITIVE_INFINITY };
  const expectedOf = (skip: ReadonlySet<string>) =>
    referenceAggregates(normalizeAll(written.filter((file) => !skip.has(file.path)).flatMap((file) => file.records)));

  let failuresCounted: number;
  if (runner === 'backfill') failuresCounted = (await backfill(deps, { containers, selection: {}, fileConcurrency: 3 })).filesFailed;
  else if (runner === 'timer') failuresCounted = (await tailAndSweep(deps, timerOptions)).failed;
  else failuresCounted = await watchUntil(deps, containers, async () => isDeepStrictEqual(await readAggregates(tables), expectedOf(poisoned)));

  const withPoison = { actual: await readAggregates(tables), expected: expectedOf(poisoned) };
  const stuckHealth = await readHealth(tables, containers, now);

  source.poisoned.clear();
  now += 61_000;
  if (runner === 'backfill') await backfill(deps, { containers, selection: {}, fileConcurrency: 3 });
  else if (runner === 'timer') await tailAndSweep(deps, timerOptions);
  else await watchUntil(deps, containers, async () => (await readHealth(tables, containers, now)).stuck.length === 0);
  const healedHealth = await readHealth(tables, containers, now);
  return {
    runner,
    files,
    poisoned: [...poisoned].sort(),
    records: written.reduce((sum, file) => sum + file.records.length, 0),
    poisonedRecords: written.filter((file) => poisoned.has(file.path)).reduce((sum, file) => sum + file.records.length, 0),
    withPoison,
    stuckPaths: stuckHealth.stuck.map((file) => file.path).sort(),
    statusWhileStuck: stuckHealth.status,
    failuresCounted,
    healed: { actual: await readAggregates(tables), expected: expectedOf(new Set()), stuck: healedHealth.stuck.length, status: healedHealth.status },
  };
}

/** Runs watch until `done` holds (or 30 s pass); returns the failed file runs it counted. */
async function watchUntil(deps: Parameters<typeof watch>[0], containers: string[], done: () => Promise<boolean>): Promise<number> {
  const stop = new AbortController();
  let failed = 0;
  const watching = watch(deps, { containers, intervalMs: 100, fileConcurrency: 3, signal: stop.signal, onCycle: (s) => void (failed += s.failed) });
  const deadline = Date.now() + 30_000;
  while (!(await done()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  stop.abort();
  await watching;
  return failed;
}

export interface OutageReport {
  survived: boolean;
  records: number;
  files: number;
  actual: AggregateSnapshot;
  expected: AggregateSnapshot;
  warnings: string[];
  cycles: number;
}

/**
 * Watch reads storage through proxies that go down for `outageMs` while files keep landing (written
 * straight to storage, as Azure Monitor goes on writing); watch must survive, say so, and afterwards
 * have counted every file exactly once.
 */
export async function outageScenario(seed: number, outageMs: number, filesDuring: number): Promise<OutageReport> {
  const direct = azuriteConnectionString();
  const blobProxy = await startFaultProxy(portOf(direct, 'Blob'));
  const tableProxy = await startFaultProxy(portOf(direct, 'Table'));
  const proxied = withPorts(direct, { blob: blobProxy.port, table: tableProxy.port });
  const container = await newContainer();
  const warnings: string[] = [];
  const logger: Logger = {
    info() {},
    warn: (message, fields) => void warnings.push(`${message} ${JSON.stringify(fields ?? {})}`),
    error: (message) => void warnings.push(message),
  };
  // Retries the SDK rides out are reported as they happen, as the CLI prints them.
  const tables = new AzureTableStore({ kind: 'connectionString', connectionString: proxied }, uniquePrefix(), {
    onTransient: (error) => void warnings.push(classifyError(error).message),
  });
  const reader = newTableStore(direct, tables.prefix);
  // Blob reads give up within milliseconds (tests' back-off), so every pass during the outage fails
  // and watch must say so and keep going; table requests keep production back-off and report each retry.
  const deps = { ...testDeps(tables, proxied), logger };
  const all: Record<string, unknown>[] = [];
  const land = async (i: number): Promise<void> => {
    const records = roomsRecords(5 + ((i * 7) % 20), seed * 1000 + i, 10, resourceName(i % 5));
    all.push(...records);
    await appendToBlob(container, blobPath(i % 3, resourceName(i % 5)) + `.${i}`, asJsonLines(records));
  };
  const stop = new AbortController();
  let cycles = 0;
  let ended = false;
  const watching = watch(deps, {
    containers: [container.containerName],
    intervalMs: 200,
    fileConcurrency: 3,
    signal: stop.signal,
    maxOutageDelayMs: 2_000,
    onCycle: (_summary: TailSweepSummary) => void cycles++,
  }).finally(() => (ended = true));
  try {
    await land(0);
    await land(1);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await blobProxy.down();
    await tableProxy.down();
    for (let i = 0; i < filesDuring; i++) {
      await land(2 + i);
      await new Promise((resolve) => setTimeout(resolve, outageMs / Math.max(1, filesDuring)));
    }
    const survived = !ended;
    await blobProxy.up();
    await tableProxy.up();
    await land(2 + filesDuring);
    const expected = referenceAggregates(normalizeAll(all));
    const deadline = Date.now() + 60_000;
    while (!isDeepStrictEqual(await readAggregates(reader), expected) && Date.now() < deadline && !ended) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    stop.abort();
    await watching;
    return { survived, records: all.length, files: filesDuring + 3, actual: await readAggregates(reader), expected, warnings, cycles };
  } finally {
    stop.abort();
    await watching.catch(() => undefined);
    await blobProxy.close();
    await tableProxy.close();
  }
}
