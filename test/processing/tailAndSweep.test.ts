import { describe, expect, it } from 'vitest';
import { backfill } from '../../src/lib/processing/backfill.js';
import { CheckpointStore } from '../../src/lib/processing/checkpoints.js';
import { FileFailureStore } from '../../src/lib/processing/fileFailures.js';
import { processFile } from '../../src/lib/processing/processFile.js';
import { savedFirstBy } from '../support/savedFirst.js';
import { handleAnnouncedBlob, storedBlobName, withoutDotSegments } from '../../src/lib/processing/blobAnnounced.js';
import { sweepCutoff, tailAndSweep } from '../../src/lib/processing/tailAndSweep.js';
import { buildCallTimeIndex, callTimeIndexComplete } from '../../src/lib/processing/callTimeIndexBuild.js';
import { CALL_TIMES_TABLE } from '../../src/lib/aggregating/calls/callTimeIndex.js';
import { CALL_ROW_KEY, CALLS_TABLE } from '../../src/lib/aggregating/calls/index.js';
import type { StoredRow, TableStore } from '../../src/lib/storage/TableStore.js';
import { WrappedTableStore } from '../support/wrappedTableStore.js';
import { appendToBlob, newContainer, newTableStore, readAggregates, referenceAggregates, testDeps } from '../support/storage.js';
import { asJsonLines, blobPath, normalizeAll, roomsRecords } from '../support/roomsLogs.js';

const HOUR = 3_600_000;

/** Deps whose clock passes `deadline` (a minute ahead) as a segment is read: not at the look at a file's first bytes before it. */
function clockPastDeadlineOnSegmentRead(tables: TableStore) {
  let clock = Date.now();
  const deadline = clock + 60_000;
  const base = testDeps(tables, undefined, { segmentBytes: 4096 });
  const source = Object.assign(Object.create(base.source) as typeof base.source, {
    read: (...args: Parameters<typeof base.source.read>) => {
      const [, start, end] = args;
      if (end - start > 1024) clock = deadline + 1;
      return base.source.read(...args);
    },
  });
  return { base, source, deadline, now: () => clock };
}

describe('tail and sweep', () => {
  it('a first run on a new store over empty containers records its sweeps, without a problem (its reads create no table)', async () => {
    const container = await newContainer();
    const tables = newTableStore();
    const deps = { ...testDeps(tables), now: () => Date.UTC(2024, 4, 25, 1, 30) };
    const options = { containers: [container.containerName], sweepIntervalMs: 15 * 60_000, fileConcurrency: 2, deadline: Number.POSITIVE_INFINITY };
    const first = await tailAndSweep(deps, options);
    expect(first).toMatchObject({ sweepRan: true, failed: 0, problems: [] });
    // Recorded: the next run within the interval does not sweep again.
    expect(await tailAndSweep(deps, options)).toMatchObject({ sweepRan: false, problems: [] });
  });

  it('tails a blob that Event Grid announced once, empty, as it grows', async () => {
    const records = roomsRecords(90, 31);
    const container = await newContainer();
    const tables = newTableStore();
    const deps = { ...testDeps(tables), now: () => Date.UTC(2024, 4, 25, 1, 30) };
    const path = blobPath(1);
    await appendToBlob(container, path, '');
    await handleAnnouncedBlob(`${container.containerName}/${path}`, deps);
    const options = { containers: [container.containerName], sweepIntervalMs: 15 * 60_000, fileConcurrency: 2, deadline: Number.POSITIVE_INFINITY };

    await appendToBlob(container, path, asJsonLines(records.slice(0, 40)));
    const first = await tailAndSweep(deps, options);
    await appendToBlob(container, path, asJsonLines(records.slice(40)));
    const second = await tailAndSweep(deps, options);

    expect(first).toMatchObject({ tailed: 1, records: 40, sweepRan: true });
    expect(second).toMatchObject({ tailed: 1, records: 50, sweepRan: false });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
  });

  it('an announced blob that does not exist is said so in the log, and leaves nothing to retry', async () => {
    const container = await newContainer();
    const tables = newTableStore();
    const lines: { message: string; fields?: Record<string, unknown> }[] = [];
    const logger = {
      info: (message: string, fields?: Record<string, unknown>) => void lines.push({ message, ...(fields ? { fields } : {}) }),
      warn() {},
      error() {},
    };
    const outcome = await handleAnnouncedBlob(`${container.containerName}/${blobPath(1)}`, { ...testDeps(tables), logger });
    expect(outcome).toMatchObject({ kind: 'done', result: { status: 'missing', records: 0 } });
    expect(lines).toEqual([
      {
        message: 'announced blob does not exist (deleted since, or never written): nothing read',
        fields: { container: container.containerName, path: blobPath(1) },
      },
    ]);
  });

  it('a blob announced under a spelling with ./ or ../ segments is the blob of the name they resolve to: read once with the sweep', async () => {
    const records = roomsRecords(12, 36);
    const container = await newContainer();
    const tables = newTableStore();
    const deps = { ...testDeps(tables), now: () => Date.UTC(2024, 4, 25, 1, 30) };
    const path = blobPath(1);
    await appendToBlob(container, path, asJsonLines(records));
    const [first, ...rest] = path.split('/');
    await handleAnnouncedBlob(`${container.containerName}/${first}/./${rest.join('/')}`, deps);
    await handleAnnouncedBlob(`${container.containerName}/${first}/x/../${rest.join('/')}`, deps);
    const swept = await tailAndSweep(deps, {
      containers: [container.containerName],
      sweepIntervalMs: 0,
      fileConcurrency: 2,
      deadline: Number.POSITIVE_INFINITY,
    });
    expect(swept.records).toBe(0);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
    const names: string[] = [];
    for await (const checkpoint of new CheckpointStore(tables).listAll(container.containerName)) names.push(checkpoint.path);
    expect(names).toEqual([path]);
    // Spelled as the URL storage reads resolves it.
    for (const spelled of ['a/./b', 'a/../b', './a', 'a/b/.', 'a/b/..', 'a/.b/c', 'a/b..', 'x/./y/../z/PT1H.json']) {
      expect(withoutDotSegments(spelled), spelled).toBe(new URL(`http://host/container/${spelled}`).pathname.slice('/container/'.length));
    }
  });

  it('a name that resolves to the container itself names no blob: the invocation fails, as for "container/", and records no stuck file', async () => {
    const container = await newContainer();
    const tables = newTableStore();
    const deps = { ...testDeps(tables), now: () => Date.UTC(2024, 4, 25, 1, 30) };
    for (const name of ['..', '.', './', 'a/..', 'x/../../..', '.\\']) {
      await expect(handleAnnouncedBlob(`${container.containerName}/${name}`, deps), name).rejects.toThrow(/^blob trigger path must be "container\/blob"/);
    }
    const failures: unknown[] = [];
    for await (const failure of new FileFailureStore(tables).list(container.containerName)) failures.push(failure);
    expect(failures).toEqual([]);
  });

  it('a blob announced with \\ for / is the blob storage keeps under / (as it lists it): read once with the sweep', async () => {
    const records = roomsRecords(12, 37);
    const container = await newContainer();
    const tables = newTableStore();
    const deps = { ...testDeps(tables), now: () => Date.UTC(2024, 4, 25, 1, 30) };
    const path = blobPath(1);
    await appendToBlob(container, path, asJsonLines(records));
    await handleAnnouncedBlob(`${container.containerName}/${path.replaceAll('/', '\\')}`, deps);
    const swept = await tailAndSweep(deps, {
      containers: [container.containerName],
      sweepIntervalMs: 0,
      fileConcurrency: 2,
      deadline: Number.POSITIVE_INFINITY,
    });
    expect(swept.records).toBe(0);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
    const names: string[] = [];
    for await (const checkpoint of new CheckpointStore(tables).listAll(container.containerName)) names.push(checkpoint.path);
    expect(names).toEqual([path]);
    // A `\\` is no URL separator: dot segments between two of them stay, as storage lists such a blob.
    expect(storedBlobName('q\\..\\r.json')).toBe('q/../r.json');
  });

  it('sweeps up blobs no event announced, and seals files whose hour is long over', async () => {
    const early = roomsRecords(25, 32);
    const late = roomsRecords(35, 33);
    const container = await newContainer();
    const tables = newTableStore();
    await appendToBlob(container, blobPath(0), asJsonLines(early));
    await appendToBlob(container, blobPath(1), asJsonLines(late) + '{"partial": ');
    let now = Date.UTC(2024, 4, 25, 1, 30);
    const deps = { ...testDeps(tables), now: () => now };
    const options = { containers: [container.containerName], sweepIntervalMs: 15 * 60_000, fileConcurrency: 2, deadline: Number.POSITIVE_INFINITY };

    const swept = await tailAndSweep(deps, options);
    expect(swept).toMatchObject({ sweepRan: true, swept: 2, records: 60 });

    // Days later both files are final: the partial last line is quarantined and both are sealed.
    now = Date.now() + 3 * HOUR;
    const sealing = await tailAndSweep(deps, options);
    expect(sealing.badLines).toBe(1);
    const open = [];
    for await (const checkpoint of new CheckpointStore(tables).listOpen()) open.push(checkpoint.path);
    expect(open).toEqual([]);
    const afterSeal = await tailAndSweep(deps, options);
    expect(afterSeal.tailed).toBe(0);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll([...early, ...late])));
  });

  it('passes over a file that did not change neither write its checkpoint nor read its head, whether the tail measured it or a listing did', async () => {
    const records = roomsRecords(30, 39);
    const container = await newContainer();
    const tables = newTableStore();
    const path = blobPath(1);
    await appendToBlob(container, path, asJsonLines(records));
    // Within the file's hour: it is tailed every pass, and each forced sweep lists it too.
    const deps = { ...testDeps(tables), now: () => Date.UTC(2024, 4, 25, 1, 30) };
    const options = {
      containers: [container.containerName],
      sweepIntervalMs: 15 * 60_000,
      fileConcurrency: 2,
      deadline: Number.POSITIVE_INFINITY,
      forceSweep: true,
    };
    expect(await tailAndSweep(deps, options)).toMatchObject({ swept: 1, records: 30 });
    const file = { container: container.containerName, path };
    const saved = await new CheckpointStore(tables).get(file);
    const blobReads = deps.source.usage.reads;

    for (let pass = 0; pass < 3; pass++) expect(await tailAndSweep(deps, options)).toMatchObject({ tailed: 1, swept: 1, records: 0 });
    // Listing and measuring give the same ETag in different spellings ("0x..." and 0x...): neither is a change.
    expect((await new CheckpointStore(tables).get(file))?.etag).toBe(saved?.etag);
    expect(deps.source.usage.reads).toBe(blobReads);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
  });

  it("a clock ahead of storage's by more than the sweep's overlap skips no blob written between two sweeps", async () => {
    const first = roomsRecords(20, 37);
    const between = roomsRecords(30, 38);
    const container = await newContainer();
    const tables = newTableStore();
    await appendToBlob(container, blobPath(0), asJsonLines(first));
    // This machine's clock runs 40 minutes ahead of storage's.
    let ahead = 40 * 60_000;
    const deps = { ...testDeps(tables), now: () => Date.now() + ahead };
    const options = { containers: [container.containerName], sweepIntervalMs: 15 * 60_000, fileConcurrency: 2, deadline: Number.POSITIVE_INFINITY };
    expect(await tailAndSweep(deps, options)).toMatchObject({ sweepRan: true, records: 20 });

    // Written once, never announced: only the next sweep can find it.
    await appendToBlob(container, blobPath(1), asJsonLines(between));
    ahead += 16 * 60_000;
    expect(await tailAndSweep(deps, options)).toMatchObject({ sweepRan: true, records: 30 });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll([...first, ...between])));
  });

  it("a clock ahead of storage's skips no blob written into a container that was empty at the sweep before", async () => {
    const records = roomsRecords(25, 39);
    const container = await newContainer();
    const tables = newTableStore();
    // This machine's clock runs 40 minutes ahead of storage's; the container holds nothing yet.
    let ahead = 40 * 60_000;
    const deps = { ...testDeps(tables), now: () => Date.now() + ahead };
    const options = { containers: [container.containerName], sweepIntervalMs: 15 * 60_000, fileConcurrency: 2, deadline: Number.POSITIVE_INFINITY };
    expect(await tailAndSweep(deps, options)).toMatchObject({ sweepRan: true, records: 0 });

    // Azure Monitor writes the container's first blob; its event is lost.
    await appendToBlob(container, blobPath(0), asJsonLines(records));
    ahead += 16 * 60_000;
    expect(await tailAndSweep(deps, options)).toMatchObject({ sweepRan: true, records: 25 });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
  });

  it('sweepCutoff: the earlier of the local start and the newest change storage gave, less the overlap; rows of older versions by the local start', () => {
    const start = Date.UTC(2026, 0, 1, 12);
    const minutes = (n: number): number => n * 60_000;
    expect(sweepCutoff(null)).toBeUndefined();
    expect(sweepCutoff({ sweepStartedAt: start, sweptAt: '' })).toBe(start - minutes(15));
    expect(sweepCutoff({ sweepStartedAt: start, sweptAt: '', newestModified: start - minutes(40) })).toBe(start - minutes(55));
    expect(sweepCutoff({ sweepStartedAt: start - minutes(60), sweptAt: '', newestModified: start })).toBe(start - minutes(75));
    // No sweep listed a blob yet: the next looks at every blob.
    expect(sweepCutoff({ sweepStartedAt: start, sweptAt: '', newestModified: 0 })).toBeUndefined();
  });

  it('a timer run and a backfill say how many segments another run saved first; every record counts once', async () => {
    for (const kind of ['timer', 'backfill'] as const) {
      const records = roomsRecords(30, 35);
      const container = await newContainer();
      const tables = newTableStore();
      const path = blobPath(0);
      await appendToBlob(container, path, asJsonLines(records));
      const file = { container: container.containerName, path };
      const racing = savedFirstBy(tables, (inner) => processFile(file, testDeps(inner)));
      const deps = testDeps(racing);
      const summary =
        kind === 'timer'
          ? await tailAndSweep(deps, {
              containers: [container.containerName],
              sweepIntervalMs: 15 * 60_000,
              fileConcurrency: 2,
              deadline: Number.POSITIVE_INFINITY,
            })
          : await backfill(deps, { containers: [container.containerName], selection: {}, fileConcurrency: 2 });
      expect(summary, kind).toMatchObject({ records: 0, overtaken: 1 });
      expect(await readAggregates(tables), kind).toEqual(referenceAggregates(normalizeAll(records)));
    }
  });

  it('starts nothing past the deadline and leaves the work for the next run', async () => {
    const container = await newContainer();
    const tables = newTableStore();
    await appendToBlob(container, blobPath(0), asJsonLines(roomsRecords(5, 34)));
    const deps = testDeps(tables);
    const options = { containers: [container.containerName], sweepIntervalMs: 60_000, fileConcurrency: 1 };

    const late = await tailAndSweep(deps, { ...options, deadline: 0 });
    const next = await tailAndSweep(deps, { ...options, deadline: Number.POSITIVE_INFINITY });

    expect(late).toMatchObject({ processed: 0, sweepRan: false });
    expect(next).toMatchObject({ processed: 1, records: 5, sweepRan: true });
  });

  it('a file started before the deadline reads no segment after it: the rest, and the sweep, are left for the next run', async () => {
    const container = await newContainer();
    const tables = newTableStore();
    const big = roomsRecords(400, 35);
    const other = roomsRecords(20, 36);
    await appendToBlob(container, blobPath(0), asJsonLines(big));
    await appendToBlob(container, blobPath(1), asJsonLines(other));
    // The clock passes the deadline as the first file's first segment is read (segments of about 4 KiB here).
    const { base, source, deadline, now } = clockPastDeadlineOnSegmentRead(tables);
    const deps = { ...base, source, now };
    const options = { containers: [container.containerName], sweepIntervalMs: 60_000, fileConcurrency: 1, deadline };

    const cut = await tailAndSweep(deps, options);
    expect(cut).toMatchObject({ processed: 1, deferred: 2, failed: 0, problems: [] });
    expect(cut.records).toBeLessThan(big.length);
    const next = await tailAndSweep({ ...base, now }, { ...options, deadline: Number.POSITIVE_INFINITY });
    // The first file from its checkpoint (tail) and the sweep again, which had not been recorded.
    expect(next).toMatchObject({ sweepRan: true, deferred: 0, records: big.length + other.length - cut.records });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll([...big, ...other])));
  });

  it('an announced blob read past the deadline reads no segment after it: the timer reads the rest, every record once', async () => {
    const container = await newContainer();
    const tables = newTableStore();
    const records = roomsRecords(400, 37);
    const path = blobPath(2);
    await appendToBlob(container, path, asJsonLines(records));
    // The clock passes the deadline as the first segment is read (segments of about 4 KiB here).
    const { base, source, deadline, now } = clockPastDeadlineOnSegmentRead(tables);
    const lines: string[] = [];
    const logger = { info: (message: string) => void lines.push(message), warn() {}, error() {} };

    const cut = await handleAnnouncedBlob(`${container.containerName}/${path}`, { ...base, source, logger, now }, undefined, deadline);
    expect(cut).toMatchObject({ kind: 'done', result: { cut: true } });
    const read = cut.kind === 'done' ? cut.result.records : 0;
    expect(read).toBeGreaterThan(0);
    expect(read).toBeLessThan(records.length);
    expect(lines).toContain('announced blob read up to the invocation budget: the timer reads the rest');
    const next = await tailAndSweep(
      { ...base, now },
      { containers: [container.containerName], sweepIntervalMs: 60_000, fileConcurrency: 1, deadline: Number.POSITIVE_INFINITY },
    );
    expect(next).toMatchObject({ tailed: 1, deferred: 0, records: records.length - read });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
  });

  it('a stop asked for mid-sweep starts no more files, stops listing, keeps the sweep due; the next pass reads the rest once', async () => {
    const container = await newContainer();
    const tables = newTableStore();
    const files = [0, 1, 2, 3, 4].map((hour) => ({ path: blobPath(hour), records: roomsRecords(4, 40 + hour) }));
    for (const file of files) await appendToBlob(container, file.path, asJsonLines(file.records));
    const stop = new AbortController();
    // The first write of a file's records asks for the stop, as a Ctrl-C would while it is read.
    const stopping = new (class extends WrappedTableStore {
      override commit(...args: Parameters<TableStore['commit']>): ReturnType<TableStore['commit']> {
        stop.abort();
        return super.commit(...args);
      }
    })(tables);
    const options = { containers: [container.containerName], sweepIntervalMs: 60_000, fileConcurrency: 1, deadline: Number.POSITIVE_INFINITY };

    const stopped = await tailAndSweep(testDeps(stopping), { ...options, stop: stop.signal });
    expect(stopped.processed).toBe(1);
    expect(stopped.swept).toBeLessThan(files.length);
    const next = await tailAndSweep(testDeps(tables), options);

    expect(next).toMatchObject({ sweepRan: true, processed: files.length - 1 });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(files.flatMap((file) => file.records))));
  });
});

describe('tail and sweep while storage goes away mid-run', () => {
  const gone = (): Error => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:10002'), { code: 'ECONNREFUSED' });
  const refused = (): Error => Object.assign(new Error('InvalidInput: one of the request inputs is not valid'), { statusCode: 400, code: 'InvalidInput' });

  /** A store whose aggregate writes fail with `write` and whose failure records fail with `record`; reads answer. */
  async function failingWrites(write: () => Error, record: () => Error): Promise<TableStore> {
    const inner = newTableStore();
    // Storage went away after the store's time index was complete (a new store's first run completes it).
    await buildCallTimeIndex(inner);
    return new (class extends WrappedTableStore {
      override commit(): never {
        throw write();
      }
      override writeConditional(): never {
        throw write();
      }
      override upsert(): never {
        throw record();
      }
    })(inner);
  }

  async function runOver(tables: TableStore): Promise<{ container: string; summary: Awaited<ReturnType<typeof tailAndSweep>> }> {
    const container = await newContainer();
    for (let hour = 0; hour < 3; hour++) await appendToBlob(container, blobPath(hour), asJsonLines(roomsRecords(5, 40 + hour)));
    const deps = { ...testDeps(tables), now: () => Date.UTC(2024, 4, 25, 4) };
    const summary = await tailAndSweep(deps, {
      containers: [container.containerName],
      sweepIntervalMs: 0,
      fileConcurrency: 2,
      deadline: Number.POSITIVE_INFINITY,
    });
    return { container: container.containerName, summary };
  }

  it('files that fail without their failure written down (storage gone) are a problem of the run, named by why the record failed', async () => {
    // The files fail on a write storage refuses; their records then find storage gone.
    const { container, summary } = await runOver(await failingWrites(refused, gone));
    expect(summary).toMatchObject({ processed: 0, failed: 3 });
    expect(summary.problems).toEqual([expect.objectContaining({ phase: 'files', container, kind: 'transient', code: 'ECONNREFUSED' })]);
    expect(summary.problems[0]?.message).toMatch(
      /^3 file\(s\) failed and their failure could not be recorded either \(.*ECONNREFUSED.*\); they are read again by the next run$/,
    );
  });

  it('a failure record storage refuses for itself (not an outage) stays a warning: it does not hold every other file back', async () => {
    const { summary } = await runOver(await failingWrites(refused, refused));
    expect(summary).toMatchObject({ processed: 0, failed: 3 });
    expect(summary.problems).toEqual([]);
  });
});

describe("the timer's run and the time index of calls", () => {
  async function runOver(tables: TableStore): Promise<Awaited<ReturnType<typeof tailAndSweep>>> {
    const container = await newContainer();
    await appendToBlob(container, blobPath(0), asJsonLines(roomsRecords(5, 40)));
    return tailAndSweep(
      { ...testDeps(tables), now: () => Date.UTC(2024, 4, 25, 4) },
      { containers: [container.containerName], sweepIntervalMs: 0, fileConcurrency: 2, deadline: Number.POSITIVE_INFINITY },
    );
  }

  it('completes the index of a store that has none, then reads the files', async () => {
    const tables = newTableStore();
    const summary = await runOver(tables);
    expect(summary).toMatchObject({ processed: 1, problems: [] });
    expect(await callTimeIndexComplete(tables)).toBe(true);
  });

  it("stops listing stored calls when asked to stop (watch's Ctrl-C) at the next call row, its place saved: the next run resumes", async () => {
    const tables = newTableStore();
    const calls = 1001;
    for (let i = 0; i < calls; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, calls - i) }, (_, j) =>
          tables.upsert(CALLS_TABLE, `call-${String(i + j).padStart(4, '0')}`, CALL_ROW_KEY, {
            firstAt: new Date(Date.UTC(2024, 4, 25, 4) + (i + j) * 1000).toISOString(),
          }),
        ),
      );
    }
    const stop = new AbortController();
    const stoppedReading = new (class extends WrappedTableStore {
      override query(logicalName: string, filter: string | undefined, select?: string[]): AsyncGenerator<StoredRow> {
        // Asked to stop while the pass reads the call rows.
        if (logicalName === CALLS_TABLE) stop.abort();
        return super.query(logicalName, filter, select);
      }
    })(tables);
    const container = await newContainer();
    const summary = await tailAndSweep(
      { ...testDeps(stoppedReading), now: () => Date.UTC(2024, 4, 25, 4) },
      { containers: [container.containerName], sweepIntervalMs: 0, fileConcurrency: 2, deadline: Number.POSITIVE_INFINITY, stop: stop.signal },
    );
    expect(summary.problems).toEqual([]);
    expect(await callTimeIndexComplete(tables)).toBe(false);
    // The first call row read was listed and saved; the next pass lists the others.
    expect(await buildCallTimeIndex(tables)).toEqual({ state: 'complete', listed: calls - 1 });
  });

  it('reports an index that cannot be written as a problem of the run, and still reads the files', async () => {
    const refusing = new (class extends WrappedTableStore {
      override upsert(logicalName: string, partitionKey: string, rowKey: string, data: Record<string, unknown>): Promise<void> {
        if (logicalName === CALL_TIMES_TABLE) return Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:10002'), { code: 'ECONNREFUSED' }));
        return super.upsert(logicalName, partitionKey, rowKey, data);
      }
    })(newTableStore());
    const summary = await runOver(refusing);
    expect(summary.processed).toBe(1);
    expect(summary.problems).toEqual([expect.objectContaining({ phase: 'index', kind: 'transient', code: 'ECONNREFUSED' })]);
    expect(await callTimeIndexComplete(refusing)).toBe(false);
    // Once storage answers again, the next run completes it.
    expect(await buildCallTimeIndex(refusing.inner)).toEqual({ state: 'complete', listed: 0 });
  });
});
