import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { backfill } from '../../src/lib/processing/backfill.js';
import { handleAnnouncedBlob } from '../../src/lib/processing/blobAnnounced.js';
import { processFile, type ProcessDeps } from '../../src/lib/processing/processFile.js';
import { tailAndSweep, type TailSweepSummary } from '../../src/lib/processing/tailAndSweep.js';
import { watch } from '../../src/lib/processing/watch.js';
import { readHealth } from '../../src/lib/querying/health.js';
import type { StoredRow, TableStore } from '../../src/lib/storage/TableStore.js';
import { WrappedTableStore } from '../support/wrappedTableStore.js';
import { PoisonedSource } from '../support/poison.js';
import { ROOMS_OPERATIONS_TABLE } from '../../src/lib/aggregating/rooms/roomsOperationsView.js';
import { asJsonLines, blobPath, normalizeAll, roomsRecords } from '../support/roomsLogs.js';
import { appendToBlob, newContainer, newTableStore, readAggregates, referenceAggregates, testDeps } from '../support/storage.js';

const RESOURCES = [1, 2, 3, 4, 5, 6].map((n) => `/SUBSCRIPTIONS/0/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/ACS${n}`);

/** Six files of one hour, one per resource; returns their records by path. */
async function sixFiles(seed: number) {
  const container = await newContainer();
  const files = RESOURCES.map((resource, i) => ({ path: blobPath(1, resource), records: roomsRecords(20, seed + i, 10, resource) }));
  for (const file of files) await appendToBlob(container, file.path, asJsonLines(file.records));
  return { container, files };
}

function poisonedDeps(tables: TableStore, now?: () => number): ProcessDeps & { source: PoisonedSource } {
  const base = testDeps(tables);
  return { ...base, source: new PoisonedSource(base.source), ...(now ? { now } : {}) };
}

const recordsOf = (files: ReadonlyArray<{ path: string; records: Record<string, unknown>[] }>, except?: string) =>
  normalizeAll(files.filter((file) => file.path !== except).flatMap((file) => file.records));

describe('one failing file never stops the others', () => {
  it('backfill: a poison file among many is recorded as stuck, the rest are counted; health is degraded, then recovers', async () => {
    const { container, files } = await sixFiles(400);
    const tables = newTableStore();
    const deps = poisonedDeps(tables);
    const poison = files[2]!.path;
    deps.source.poisoned.add(poison);
    const options = { containers: [container.containerName], selection: {}, fileConcurrency: 2 };

    const first = await backfill(deps, options);

    expect(first).toMatchObject({ filesTotal: 6, filesDone: 6, filesFailed: 1, records: 100 });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(recordsOf(files, poison)));
    const stuck = await readHealth(tables, [container.containerName]);
    expect(stuck.status).toBe('degraded');
    expect(stuck.stuck).toHaveLength(1);
    expect(stuck.stuck[0]).toMatchObject({ container: container.containerName, path: poison, failures: 1 });
    expect(stuck.stuck[0]?.lastError).toMatch(/injected failure reading/);
    expect(stuck.containers[0]).toMatchObject({ stuckFiles: 1 });

    // Still failing: the count grows.
    await backfill(deps, options);
    expect((await readHealth(tables, [container.containerName])).stuck[0]).toMatchObject({ failures: 2 });

    deps.source.poisoned.clear();
    const healed = await backfill(deps, options);
    expect(healed).toMatchObject({ filesFailed: 0, records: 20 });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(recordsOf(files)));
    const recovered = await readHealth(tables, [container.containerName]);
    expect(recovered).toMatchObject({ status: 'ok', stuck: [] });
    expect(recovered.containers[0]).toMatchObject({ stuckFiles: 0 });
  });

  it('the timer: a poison file does not stop the tail or the sweep; it is retried with backoff, and cleared when it reads', async () => {
    const { container, files } = await sixFiles(410);
    const tables = newTableStore();
    let now = Date.UTC(2024, 4, 25, 1, 30);
    const deps = poisonedDeps(tables, () => now);
    const poison = files[0]!.path;
    deps.source.poisoned.add(poison);
    const options = { containers: [container.containerName], sweepIntervalMs: 15 * 60_000, fileConcurrency: 2, deadline: Number.POSITIVE_INFINITY };

    const first = await tailAndSweep(deps, options);
    expect(first).toMatchObject({ sweepRan: true, swept: 6, failed: 1, records: 100 });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(recordsOf(files, poison)));

    // Within its backoff the file is left alone.
    now += 10_000;
    const waiting = await tailAndSweep(deps, { ...options, forceSweep: true });
    expect(waiting).toMatchObject({ failed: 0, backingOff: 1 });
    expect(deps.source.failures).toBe(1);

    // Due again: the tail retries it (no sweep needed), and it fails a second time with a longer backoff.
    now += 60_000;
    const retried = await tailAndSweep(deps, options);
    expect(retried).toMatchObject({ sweepRan: false, failed: 1 });
    const health = await readHealth(tables, [container.containerName], now);
    expect(health.stuck[0]).toMatchObject({ failures: 2 });
    expect(Date.parse(health.stuck[0]!.nextRetryAt) - now).toBe(120_000);

    deps.source.poisoned.clear();
    now += 120_000;
    const healed = await tailAndSweep(deps, options);
    expect(healed).toMatchObject({ failed: 0, records: 20 });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(recordsOf(files)));
    expect((await readHealth(tables, [container.containerName], now)).stuck).toEqual([]);
  });

  it('the timer: a failing file deleted since is cleared as gone, not logged as reading again', async () => {
    const { container, files } = await sixFiles(420);
    const tables = newTableStore();
    let now = Date.UTC(2024, 4, 25, 1, 30);
    const logged: string[] = [];
    const deps = { ...poisonedDeps(tables, () => now), logger: { info: (message: string) => logged.push(message), warn() {}, error() {} } };
    const poison = files[1]!.path;
    deps.source.poisoned.add(poison);
    const options = { containers: [container.containerName], sweepIntervalMs: 15 * 60_000, fileConcurrency: 2, deadline: Number.POSITIVE_INFINITY };
    expect(await tailAndSweep(deps, options)).toMatchObject({ failed: 1 });

    await container.getBlobClient(poison).delete();
    deps.source.poisoned.clear();
    now += 60_000;
    expect(await tailAndSweep(deps, options)).toMatchObject({ failed: 0, records: 0 });
    expect((await readHealth(tables, [container.containerName], now)).stuck).toEqual([]);
    expect(logged).toContain('failing file is gone; no longer listed as stuck');
    expect(logged).not.toContain('file reads again');
  });

  it('watch stopped while storage is retried for a file: the file is left for the next run, not recorded as stuck', async () => {
    const { container, files } = await sixFiles(470);
    const tables = newTableStore();
    const deps = poisonedDeps(tables);
    const stop = new AbortController();
    const cut = files[2]!.path;
    const inner = deps.source;
    // The stop comes while storage fails the read (a Ctrl-C during an outage): its retries are given up.
    const source = Object.assign(Object.create(inner) as PoisonedSource, {
      read: async (file: { container: string; path: string }, start: number, end: number): Promise<Buffer> => {
        if (file.path !== cut) return inner.read(file, start, end);
        stop.abort();
        throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
      },
    });
    const options = { containers: [container.containerName], sweepIntervalMs: 0, fileConcurrency: 1, deadline: Number.POSITIVE_INFINITY, stop: stop.signal };
    const stopped = await tailAndSweep({ ...deps, source }, { ...options, forceSweep: true });
    expect(stopped.failed).toBe(0);
    expect(stopped.deferred).toBeGreaterThanOrEqual(1);
    expect((await readHealth(tables, [container.containerName])).stuck).toEqual([]);
    // The next run reads it, and every record counts once.
    const next = await tailAndSweep(deps, { ...options, stop: new AbortController().signal, forceSweep: true });
    expect(next.failed).toBe(0);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(recordsOf(files)));
  });

  it('the timer: a tail that fails does not skip the sweep', async () => {
    const { container, files } = await sixFiles(420);
    const tables = newTableStore();
    const deps = testDeps(tables);
    const options = { containers: [container.containerName], sweepIntervalMs: 15 * 60_000, fileConcurrency: 2, deadline: Number.POSITIVE_INFINITY };
    // The query that lists the files to tail fails, as when storage refuses it.
    const failingTail = new (class extends WrappedTableStore {
      override async *query(table: string, filter: string | undefined, select?: string[]): AsyncGenerator<StoredRow> {
        if (filter === 'sealed eq false') throw new Error('injected: listing the open files failed');
        yield* super.query(table, filter, select);
      }
    })(tables);

    const summary: TailSweepSummary = await tailAndSweep({ ...deps, tables: failingTail }, options);

    expect(summary).toMatchObject({ sweepRan: true, swept: 6, records: 120 });
    expect(summary.problems).toEqual([expect.objectContaining({ phase: 'tail', message: expect.stringMatching(/listing the open files failed/) })]);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(recordsOf(files)));
  });

  it('the timer: when the recorded failures cannot be listed, a failing file counts on from its row, not from 1', async () => {
    const { container, files } = await sixFiles(440);
    const tables = newTableStore();
    let now = Date.UTC(2024, 4, 25, 1, 30);
    const deps = poisonedDeps(tables, () => now);
    const poison = files[3]!.path;
    deps.source.poisoned.add(poison);
    const options = { containers: [container.containerName], sweepIntervalMs: 0, fileConcurrency: 2, deadline: Number.POSITIVE_INFINITY, forceSweep: true };
    await tailAndSweep(deps, options);
    now += 60_000;
    await tailAndSweep(deps, options);
    const before = (await readHealth(tables, [container.containerName], now)).stuck[0];
    expect(before).toMatchObject({ failures: 2 });

    // Listing FileFailures fails (storage refuses that query); the file's own row is still read.
    const unlisted = new (class extends WrappedTableStore {
      override async *query(table: string, filter: string | undefined, select?: string[]): AsyncGenerator<StoredRow> {
        if (table === 'FileFailures') throw new Error('injected: listing the failures failed');
        yield* super.query(table, filter, select);
      }
    })(tables);
    now += 10 * 60_000;
    const run = await tailAndSweep({ ...deps, tables: unlisted }, options);
    expect(run.failed).toBe(1);
    const after = (await readHealth(tables, [container.containerName], now)).stuck[0];
    expect(after).toMatchObject({ failures: 3, firstFailedAt: before!.firstFailedAt });
  });

  it('watch: carries on past a poison file, processes what lands later, and health lists it as stuck', async () => {
    const { container, files } = await sixFiles(430);
    const tables = newTableStore();
    const deps = poisonedDeps(tables);
    const poison = files[4]!.path;
    deps.source.poisoned.add(poison);
    const stop = new AbortController();
    const cycles: TailSweepSummary[] = [];
    const watching = watch(deps, {
      containers: [container.containerName],
      intervalMs: 50,
      fileConcurrency: 2,
      signal: stop.signal,
      onCycle: (s) => void cycles.push(s),
    });
    const later = roomsRecords(30, 439, 10, RESOURCES[0]);
    await appendToBlob(container, blobPath(2, RESOURCES[0]), asJsonLines(later));
    const expected = referenceAggregates([...recordsOf(files, poison), ...normalizeAll(later)]);
    const deadline = Date.now() + 20_000;
    while (!isDeepStrictEqual(await readAggregates(tables), expected) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    stop.abort();
    await watching;

    expect(await readAggregates(tables)).toEqual(expected);
    expect(cycles.some((cycle) => cycle.failed > 0)).toBe(true);
    const health = await readHealth(tables, [container.containerName]);
    expect(health.status).toBe('degraded');
    expect(health.stuck.map((file) => file.path)).toEqual([poison]);
  });

  it('a run that lives on (watch) reads rows again after a write failed on one: once a user mends the row, the file reads', async () => {
    const container = await newContainer();
    const path = blobPath(1);
    const first = roomsRecords(20, 450);
    await appendToBlob(container, path, asJsonLines(first));
    const tables = newTableStore();
    // One set of dependencies for every pass, as `watch` keeps them: one writer, one partition cache.
    const deps = testDeps(tables);
    const file = { container: container.containerName, path };
    expect((await processFile(file, deps)).records).toBe(20);

    const stored: StoredRow[] = [];
    for await (const row of tables.query(ROOMS_OPERATIONS_TABLE, undefined)) stored.push(row);
    const rewrite = async (count: (row: StoredRow) => unknown): Promise<void> => {
      for (const row of stored) await tables.upsert(ROOMS_OPERATIONS_TABLE, row.partitionKey, row.rowKey, { ...row.data, count: count(row) });
    };
    // A user (or a tool) breaks the rows; the next records of the file fail to write.
    await rewrite(() => 'abc');
    const later = roomsRecords(10, 451);
    await appendToBlob(container, path, asJsonLines(later));
    // The error names the rows to mend, in the table as storage names it.
    const table = tables.tableName(ROOMS_OPERATIONS_TABLE);
    await expect(processFile(file, deps)).rejects.toThrow(
      new RegExp(`^row of table ${table} \\(partition '[^']+', rows '[^']+', '[^']+'\\) cannot be added to: stored sum count is not a number: abc$`),
    );
    // Mended as OPERATIONS.md says (the property put back to its type): the same run now reads the file.
    await rewrite((row) => row.data['count']);
    expect((await processFile(file, deps)).records).toBe(10);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll([...first, ...later])));
  });

  it('the blob trigger: a file that fails is recorded for the tail to retry instead of failing the invocation', async () => {
    const { container, files } = await sixFiles(440);
    const tables = newTableStore();
    let now = Date.UTC(2024, 4, 25, 1, 30);
    const deps = poisonedDeps(tables, () => now);
    const poison = files[1]!.path;
    deps.source.poisoned.add(poison);

    const announced = await handleAnnouncedBlob(`${container.containerName}/${poison}`, deps);

    expect(announced).toMatchObject({ kind: 'failed', recorded: true });
    expect((await readHealth(tables, [container.containerName], now)).stuck).toEqual([expect.objectContaining({ path: poison, failures: 1 })]);
    deps.source.poisoned.clear();
    now += 60_000;
    const tail = await tailAndSweep(deps, {
      containers: [container.containerName],
      sweepIntervalMs: 15 * 60_000,
      fileConcurrency: 2,
      deadline: Number.POSITIVE_INFINITY,
    });
    expect(tail).toMatchObject({ failed: 0, records: 120 });
    expect((await readHealth(tables, [container.containerName], now)).stuck).toEqual([]);
  });
});
