import { describe, expect, it } from 'vitest';
import { backfill, type BackfillProgress } from '../../src/lib/processing/backfill.js';
import { watch } from '../../src/lib/processing/watch.js';
import { readHealth } from '../../src/lib/querying/health.js';
import { appendToBlob, newContainer, newTableStore, readAggregates, referenceAggregates, testDeps } from '../support/storage.js';
import { asJsonLines, blobPath, normalizeAll, roomsRecords } from '../support/roomsLogs.js';
import { PoisonedSource } from '../support/poison.js';

describe('backfill', () => {
  it('processes what is already in storage, with progress, within the time range; a re-run reads nothing again', async () => {
    const container = await newContainer();
    const byHour = [0, 1, 2, 3].map((hour) => roomsRecords(30, 70 + hour));
    for (const [hour, records] of byHour.entries()) await appendToBlob(container, blobPath(hour), asJsonLines(records));
    const tables = newTableStore();
    const deps = testDeps(tables);
    const seen: BackfillProgress[] = [];
    const options = {
      containers: [container.containerName],
      selection: { since: Date.UTC(2024, 4, 25, 1), until: Date.UTC(2024, 4, 25, 3) },
      fileConcurrency: 2,
      onProgress: (progress: BackfillProgress) => seen.push({ ...progress }),
    };

    const done = await backfill(deps, options);

    expect(done).toMatchObject({ filesTotal: 2, filesDone: 2, records: 60 });
    expect(done.bytesDone).toBe(done.bytesTotal);
    // Told as files finish (and as their bytes are read): done counts only go up.
    expect([...new Set(seen.map((p) => p.filesDone))]).toEqual([0, 1, 2]);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll([...(byHour[1] ?? []), ...(byHour[2] ?? [])])));

    const again = await backfill(deps, { ...options, onProgress: undefined });
    expect(again).toMatchObject({ filesDone: 2, records: 0, bytesRead: 0 });

    const everything = await backfill(deps, { ...options, selection: {} });
    expect(everything).toMatchObject({ filesTotal: 4, records: 60 });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(byHour.flat())));
  });
});

describe('backfill and stuck files', () => {
  it('no longer lists as stuck a blob deleted after it failed, which no listing finds; one still there stays stuck', async () => {
    const container = await newContainer();
    for (const hour of [0, 1, 2]) await appendToBlob(container, blobPath(hour), asJsonLines(roomsRecords(5, 95 + hour)));
    const tables = newTableStore();
    const base = testDeps(tables);
    const source = new PoisonedSource(base.source);
    source.poisoned.add(blobPath(1));
    source.poisoned.add(blobPath(2));
    const deps = { ...base, source };
    const options = { containers: [container.containerName], selection: {}, fileConcurrency: 2 };
    expect(await backfill(deps, options)).toMatchObject({ filesDone: 3, filesFailed: 2, records: 5 });
    expect((await readHealth(tables, [container.containerName])).stuck).toHaveLength(2);

    // Deleted after it failed (a lifecycle policy): the timer's retry finds it gone, and so must backfill.
    await container.getBlobClient(blobPath(1)).delete();
    const again = await backfill(deps, options);

    const health = await readHealth(tables, [container.containerName]);
    expect(health.stuck.map((failure) => failure.path)).toEqual([blobPath(2)]);
    expect(again).toMatchObject({ filesDone: 2, filesFailed: 1, goneStuck: [{ container: container.containerName, path: blobPath(1) }] });
    expect(await backfill(deps, options)).toMatchObject({ goneStuck: [] });
  });
});

describe('backfill progress', () => {
  it('never passes its totals when blobs land or grow between the count and the reading', async () => {
    const container = await newContainer();
    await appendToBlob(container, blobPath(0), asJsonLines(roomsRecords(10, 90)));
    const tables = newTableStore();
    const deps = testDeps(tables);
    const real = deps.source;
    let listings = 0;
    // The second listing (the reading pass) finds a blob grown and one new since the first (the count).
    const source = Object.assign(Object.create(real) as typeof real, {
      async *list(name: string, prefix?: string) {
        if (++listings === 2) {
          await appendToBlob(container, blobPath(0), asJsonLines(roomsRecords(5, 91)));
          await appendToBlob(container, blobPath(1), asJsonLines(roomsRecords(10, 92)));
        }
        yield* real.list(name, prefix);
      },
    });
    const seen: BackfillProgress[] = [];
    const done = await backfill(
      { ...deps, source },
      { containers: [container.containerName], selection: {}, fileConcurrency: 1, onProgress: (p) => seen.push({ ...p }) },
    );
    expect(done).toMatchObject({ filesDone: 2, filesTotal: 2, records: 25 });
    expect(done.bytesDone).toBe(done.bytesTotal);
    for (const p of seen) {
      expect(p.filesDone).toBeLessThanOrEqual(p.filesTotal);
      expect(p.bytesDone).toBeLessThanOrEqual(p.bytesTotal);
    }
  });
});

describe('backfill progress within a file', () => {
  it('moves as a large blob is read, before the file is done, and ends at its size', async () => {
    const container = await newContainer();
    const records = roomsRecords(6000, 95);
    await appendToBlob(container, blobPath(0), asJsonLines(records));
    const tables = newTableStore();
    const seen: BackfillProgress[] = [];
    const done = await backfill(testDeps(tables), {
      containers: [container.containerName],
      selection: {},
      fileConcurrency: 1,
      onProgress: (p) => seen.push({ ...p }),
    });
    expect(done.bytesTotal).toBeGreaterThan(3_000_000);
    // Reads of about 1 MiB: steps while the one file is still being processed.
    const during = seen.filter((p) => p.filesDone === 0 && p.bytesDone > 0 && p.bytesDone < p.bytesTotal).map((p) => p.bytesDone);
    expect(during.length).toBeGreaterThanOrEqual(2);
    expect(during).toEqual([...during].sort((a, b) => a - b));
    expect(done).toMatchObject({ filesDone: 1, records: 6000 });
    expect(done.bytesDone).toBe(done.bytesTotal);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
  });
});

describe('watch', () => {
  it('processes logs as they land until stopped, and health reports the progress', async () => {
    const container = await newContainer();
    const tables = newTableStore();
    const deps = testDeps(tables);
    const records = roomsRecords(50, 80);
    const stop = new AbortController();
    let cycles = 0;
    const watching = watch(deps, {
      containers: [container.containerName],
      intervalMs: 50,
      fileConcurrency: 2,
      signal: stop.signal,
      onCycle: () => void cycles++,
    });
    await appendToBlob(container, blobPath(1), asJsonLines(records.slice(0, 20)));
    await appendToBlob(container, blobPath(2), asJsonLines(records.slice(20)) + 'not json\n');
    const expected = referenceAggregates(normalizeAll(records));
    const deadline = Date.now() + 20_000;
    while (JSON.stringify(await readAggregates(tables)) !== JSON.stringify(expected) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    stop.abort();
    await watching;

    expect(cycles).toBeGreaterThan(0);
    expect(await readAggregates(tables)).toEqual(expected);
    const health = await readHealth(tables, [container.containerName]);
    expect(health.status).toBe('degraded');
    expect(health.containers[0]).toMatchObject({ container: container.containerName, files: 2, records: 50, badLines: 1, quarantined: 1, openFiles: 2 });
    expect(health.containers[0]?.newestRecordAt).toMatch(/^2024-05-25T0[0-2]:/);
    expect(health.containers[0]?.lastSweepAt).not.toBeNull();
  });
});
