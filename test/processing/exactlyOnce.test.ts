import { describe, expect, it } from 'vitest';
import { portOf, withPorts } from '../support/faultProxy.js';
import { processFile } from '../../src/lib/processing/processFile.js';
import { CheckpointStore } from '../../src/lib/processing/checkpoints.js';
import { QuarantineStore } from '../../src/lib/processing/quarantine.js';
import { crashBeforeEachWrite } from '../support/crashLoop.js';
import {
  appendToBlob,
  azuriteConnectionString,
  newBlobSource,
  newContainer,
  newTableStore,
  readAggregates,
  referenceAggregates,
  testDeps,
  uniquePrefix,
} from '../support/storage.js';
import type { TableStore } from '../../src/lib/storage/TableStore.js';
import { savedFirstBy } from '../support/savedFirst.js';
import { snapshotSource } from '../support/snapshotSource.js';
import { asJsonLines, blobPath, normalizeAll, roomsRecords } from '../support/roomsLogs.js';

const PATH = blobPath(1);

describe('exactly once, against Azurite', () => {
  it('one pass equals the in-memory reference, and checkpoint counts match', async () => {
    const records = roomsRecords(300, 11);
    const container = await newContainer();
    await appendToBlob(container, PATH, asJsonLines(records));
    const tables = newTableStore();
    const file = { container: container.containerName, path: PATH };

    const result = await processFile(file, testDeps(tables));

    expect(result).toMatchObject({ status: 'processed', records: 300, badLines: 0 });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
    const checkpoint = (await new CheckpointStore(tables).get(file))?.checkpoint;
    expect(checkpoint).toMatchObject({ records: 300, badLines: 0, offset: Buffer.byteLength(asJsonLines(records)), sealed: false });
  });

  it('a file announced twice changes nothing the second time', async () => {
    const records = roomsRecords(120, 12);
    const container = await newContainer();
    await appendToBlob(container, PATH, asJsonLines(records));
    const tables = newTableStore();
    const deps = testDeps(tables);
    const file = { container: container.containerName, path: PATH };

    await processFile(file, deps);
    const before = await readAggregates(tables);
    const again = await processFile(file, deps);

    expect(again.status).toBe('unchanged');
    expect(again.records).toBe(0);
    expect(await readAggregates(tables)).toEqual(before);
    expect(before).toEqual(referenceAggregates(normalizeAll(records)));
  });

  it('concurrent invocations on the same file count every record once', async () => {
    const records = roomsRecords(400, 13, 15);
    const container = await newContainer();
    await appendToBlob(container, PATH, asJsonLines(records));
    const tables = newTableStore();
    const file = { container: container.containerName, path: PATH };
    // Small segments make the runs interleave across many commits.
    const runs = Array.from({ length: 4 }, () =>
      processFile(file, testDeps(newTableStore(azuriteConnectionString(), tables.prefix), undefined, { segmentBytes: 8 * 1024, readChunkBytes: 4 * 1024 })),
    );
    const results = await Promise.all(runs);

    expect(results.reduce((sum, result) => sum + result.records, 0)).toBe(400);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
    expect((await new CheckpointStore(tables).get(file))?.checkpoint.records).toBe(400);
  });

  it('a run whose checkpoint another run saved first says so, and its records count in that run alone', async () => {
    const records = roomsRecords(50, 13, 15);
    const container = await newContainer();
    await appendToBlob(container, PATH, asJsonLines(records));
    const tables = newTableStore();
    const file = { container: container.containerName, path: PATH };
    let other: Awaited<ReturnType<typeof processFile>> | undefined;
    // Run A's first checkpoint save waits for a whole run B: B saves first, A's save is refused.
    const racing = savedFirstBy(tables, async (inner) => (other = await processFile(file, testDeps(inner))));
    // Run A's first segment is not the whole file: after it, A finds the whole file read.
    const overtaken = await processFile(file, testDeps(racing, undefined, { segmentRecords: 20 }));

    expect(other).toMatchObject({ records: 50, overtaken: 0, pendingBytes: 0 });
    // Nothing waits for the end of a line: the other run read to the end.
    expect(overtaken).toMatchObject({ records: 0, overtaken: 1, pendingBytes: 0 });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
  });

  it('a file growing between reads, split inside a line, reads only the new bytes', async () => {
    const records = roomsRecords(200, 14);
    const text = asJsonLines(records);
    const container = await newContainer();
    const tables = newTableStore();
    const deps = testDeps(tables);
    const file = { container: container.containerName, path: PATH };
    await appendToBlob(container, PATH, '');
    const cuts = [0, 1000, 1001, 5333, 9000, 17_777, text.length];
    let readBefore = 0;
    for (let i = 1; i < cuts.length; i++) {
      await appendToBlob(container, PATH, text.slice(cuts[i - 1], cuts[i]));
      readBefore = deps.source.usage.bytesRead;
      await processFile(file, deps);
    }
    const lastAppend = (cuts[cuts.length - 1] as number) - (cuts[cuts.length - 2] as number);

    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
    // The last run read the new bytes, the partial line held back from before, and a small fingerprint.
    const lastRead = deps.source.usage.bytesRead - readBefore;
    expect(lastRead).toBeGreaterThanOrEqual(lastAppend);
    expect(lastRead).toBeLessThan(lastAppend + 2048);
    expect(deps.source.usage.bytesRead).toBeLessThan(text.length * 1.2);
  });

  it('ends a segment on its record budget and on its quarantined-text budget, and loses nothing between segments', async () => {
    const records = roomsRecords(200, 21, 30);
    const lines = records.map((record, i) => (i % 10 === 5 ? `{"bad line ${i}": ${'x'.repeat(300)}` : JSON.stringify(record)));
    const container = await newContainer();
    await appendToBlob(container, PATH, lines.join('\n') + '\n');
    const file = { container: container.containerName, path: PATH };
    const good = records.filter((_, i) => i % 10 !== 5);
    const expected = referenceAggregates(normalizeAll(good));

    const byRecords = newTableStore();
    const counted = await processFile(file, testDeps(byRecords, undefined, { readChunkBytes: 2 * 1024, segmentRecords: 25 }));
    expect(counted).toMatchObject({ records: 180, badLines: 20 });
    // Each segment stops at the first 2 KiB read past 25 held lines, so there are several, and each read only once.
    expect(counted.segments).toBeGreaterThan(4);
    expect(await readAggregates(byRecords)).toEqual(expected);

    const byQuarantine = newTableStore();
    const quarantined = await processFile(file, testDeps(byQuarantine, undefined, { readChunkBytes: 2 * 1024, segmentQuarantinedChars: 600 }));
    expect(quarantined).toMatchObject({ records: 180, badLines: 20 });
    expect(quarantined.segments).toBeGreaterThan(4);
    expect(await readAggregates(byQuarantine)).toEqual(expected);

    const oneSegment = await processFile(file, testDeps(newTableStore(), undefined, { readChunkBytes: 2 * 1024 }));
    expect(oneSegment.segments).toBe(1);
  });

  it('a sweep whose listing is older than the checkpoint (another run read further meanwhile) counts nothing twice', async () => {
    const container = await newContainer();
    const records = roomsRecords(40, 5);
    const file = { container: container.containerName, path: PATH };
    const tables = newTableStore();
    const deps = testDeps(tables);
    await appendToBlob(container, PATH, asJsonLines(records.slice(0, 20)));
    const listed = await deps.source.stat(file); // what the sweep's listing page says
    await appendToBlob(container, PATH, asJsonLines(records.slice(20)));
    await processFile(file, deps); // the tail, another invocation or a backfill reads all 40
    const late = await processFile(file, deps, { listedStat: listed ?? undefined }); // the sweep goes on with its listing
    await processFile(file, deps); // the next tail

    expect(late).toMatchObject({ status: 'unchanged', replaced: false, records: 0 });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
    expect((await new CheckpointStore(tables).get(file))?.checkpoint).toMatchObject({ records: 40, generation: 0, replacements: 0 });
  });

  it('a listing that makes a file final is checked again, so a line completed since is read whole, not quarantined', async () => {
    const container = await newContainer();
    const records = roomsRecords(10, 6);
    const file = { container: container.containerName, path: PATH };
    const tables = newTableStore();
    const deps = testDeps(tables);
    const text = asJsonLines(records);
    const cut = text.indexOf('\n', text.length / 2) + 20; // inside a line
    await appendToBlob(container, PATH, text.slice(0, cut));
    const listed = await deps.source.stat(file);
    await appendToBlob(container, PATH, text.slice(cut));
    // Final by the listing (as if its hour were long over and it had not changed since); not by a fresh look.
    const isFinal = (_: unknown, stat: { length: number }) => stat.length === listed?.length;
    const result = await processFile(file, deps, { listedStat: listed ?? undefined, isFinal });

    expect(result).toMatchObject({ records: 10, badLines: 0 });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
  });

  it('a record with a lone surrogate in its keys is applied like any other, not a file stuck for good', async () => {
    const records = roomsRecords(6, 7).map((record, i) => {
      if (i === 1) return { ...record, operationName: `${String(record['operationName'])}\ud800` };
      if (i === 2) return { ...record, properties: { ...(record['properties'] as object), roomId: 'room\udfff' } };
      return record;
    });
    const container = await newContainer();
    await appendToBlob(container, PATH, asJsonLines(records));
    const tables = newTableStore();
    const file = { container: container.containerName, path: PATH };

    await expect(processFile(file, testDeps(tables))).resolves.toMatchObject({ records: 6, badLines: 0 });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
  });

  it('a sealed file that its listing shows unchanged costs no request to the logs', async () => {
    const container = await newContainer();
    const records = roomsRecords(8, 8);
    const file = { container: container.containerName, path: PATH };
    const tables = newTableStore();
    const deps = testDeps(tables);
    await appendToBlob(container, PATH, asJsonLines(records));
    const isFinal = () => true;
    await processFile(file, deps, { isFinal });
    const listed = await deps.source.stat(file);
    const before = { ...deps.source.usage };

    const again = await processFile(file, deps, { isFinal, listedStat: listed ?? undefined });

    expect(again.status).toBe('sealed');
    expect(deps.source.usage).toEqual(before);
  });

  it('a crash before any write leaves storage repairable: the next run equals one clean pass', async () => {
    const records = roomsRecords(150, 15, 120);
    const container = await newContainer();
    await appendToBlob(container, PATH, asJsonLines(records));
    const file = { container: container.containerName, path: PATH };
    const expected = referenceAggregates(normalizeAll(records));
    const settings = { segmentBytes: 12 * 1024, readChunkBytes: 4 * 1024 };

    // The logic under test is the pipeline's: tables in memory, the blob read once from Azurite.
    const source = await snapshotSource(newBlobSource(), [file]);
    const deps = (tables: TableStore) => ({ ...testDeps(tables, undefined, settings), source });
    await crashBeforeEachWrite({
      run: async (tables) => void (await processFile(file, deps(tables))),
      minWrites: 5,
      check: async (tables, when) => {
        expect(await readAggregates(tables), when).toEqual(expected);
        expect((await new CheckpointStore(tables).get(file))?.checkpoint.records, when).toBe(150);
      },
    });
  });

  it('bad lines are quarantined with file, offset, line and code, and counted; the rest goes on', async () => {
    const good = roomsRecords(5, 16);
    const lines = [
      JSON.stringify(good[0]),
      '{"this is": not json',
      JSON.stringify(good[1]),
      JSON.stringify({ ...good[2], time: 'yesterday' }),
      JSON.stringify({ ...good[3], category: 'ChatOperational' }),
      JSON.stringify(good[4]),
    ];
    const text = lines.join('\n') + '\n';
    const container = await newContainer();
    await appendToBlob(container, PATH, text);
    const tables = newTableStore();
    const file = { container: container.containerName, path: PATH };

    const result = await processFile(file, testDeps(tables));

    expect(result).toMatchObject({ records: 3, badLines: 2, unsupported: 1 });
    const quarantined = [];
    for await (const line of new QuarantineStore(tables).list(file)) quarantined.push(line);
    expect(quarantined.map((q) => [q.line, q.code, q.offset])).toEqual([
      [2, 'invalid_json', Buffer.byteLength(lines[0] + '\n')],
      [4, 'time_invalid', Buffer.byteLength(lines.slice(0, 3).join('\n') + '\n')],
    ]);
    expect(quarantined[0]).toMatchObject({ container: file.container, path: PATH, raw: lines[1] });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll([good[0], good[1], good[4]] as Record<string, unknown>[])));
  });

  it('a replaced file is detected and read again as a new generation, not mis-read', async () => {
    const first = roomsRecords(30, 17);
    const second = roomsRecords(45, 18);
    const container = await newContainer();
    const tables = newTableStore();
    const deps = testDeps(tables);
    const file = { container: container.containerName, path: PATH };
    await appendToBlob(container, PATH, asJsonLines(first));
    await processFile(file, deps);
    await container.getBlobClient(PATH).delete();
    await appendToBlob(container, PATH, asJsonLines(second));

    const result = await processFile(file, deps);

    expect(result.replaced).toBe(true);
    expect(result.records).toBe(45);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll([...first, ...second])));
    expect((await new CheckpointStore(tables).get(file))?.checkpoint).toMatchObject({ generation: 1, replacements: 1, records: 75 });
  });

  it('a file replaced between two reads of one run: the old bytes read count once, the new file once, none of it twice', async () => {
    const first = roomsRecords(40, 21);
    const second = roomsRecords(60, 22);
    const container = await newContainer();
    const tables = newTableStore();
    const deps = testDeps(tables, undefined, { readChunkBytes: 2048 });
    const file = { container: container.containerName, path: PATH };
    await appendToBlob(container, PATH, asJsonLines(first));
    const read = deps.source.read.bind(deps.source);
    let reads = 0;
    deps.source.read = async (ref, start, end) => {
      // Overwritten (longer) after its first bytes were read twice (looked up by them, then read), as a sync tool re-uploading it would.
      if (++reads === 3) {
        await container.getBlobClient(PATH).delete();
        await appendToBlob(container, PATH, asJsonLines(second));
      }
      return read(ref, start, end);
    };

    const result = await processFile(file, deps);

    // The old file's lines wholly inside its first 2,048 bytes were read before it changed.
    let end = 0;
    const readBefore = first.filter((record) => (end += Buffer.byteLength(JSON.stringify(record)) + 1) <= 2048);
    expect(readBefore.length).toBeGreaterThan(0);
    expect(result).toMatchObject({ replaced: true, records: readBefore.length + second.length });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll([...readBefore, ...second])));
    expect(await processFile(file, deps)).toMatchObject({ status: 'unchanged', records: 0 });
  });

  it('an empty blob (as Event Grid announces it) is registered, then read when it grows', async () => {
    const records = roomsRecords(10, 19);
    const container = await newContainer();
    const tables = newTableStore();
    const deps = testDeps(tables);
    const file = { container: container.containerName, path: PATH };
    await appendToBlob(container, PATH, '');

    expect((await processFile(file, deps)).status).toBe('unchanged');
    const registered = [];
    for await (const checkpoint of new CheckpointStore(tables).listOpen()) registered.push(checkpoint.path);
    expect(registered).toEqual([PATH]);

    await appendToBlob(container, PATH, asJsonLines(records));
    expect((await processFile(file, deps)).records).toBe(10);
  });
});

describe('exactly once through throttling and lost answers', () => {
  it('every transaction that commits and then answers 500 OperationTimedOut, as Azure may, is sent again and counted once', async () => {
    const { createServer, request } = await import('node:http');
    const { createHash } = await import('node:crypto');
    const base = azuriteConnectionString();
    const target = portOf(base, 'Table');
    const seen = new Set<string>();
    let lost = 0;
    // The first time each transaction body comes, storage takes it whole and the answer is replaced by Azure's timeout.
    const proxy = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const digest = createHash('sha256').update(body).digest('hex');
        const lose = (req.url ?? '').includes('$batch') && !seen.has(digest);
        if (lose) seen.add(digest);
        const upstream = request({ host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: req.headers }, (answer) => {
          if (!lose) {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
            return;
          }
          answer.resume();
          answer.on('end', () => {
            lost++;
            res.writeHead(500, { 'Content-Type': 'application/json;odata=minimalmetadata;streaming=true;charset=utf-8' });
            res.end(
              JSON.stringify({
                'odata.error': { code: 'OperationTimedOut', message: { lang: 'en-US', value: 'Operation could not be completed within the specified time.' } },
              }),
            );
          });
        });
        upstream.on('error', () => {
          res.writeHead(502);
          res.end();
        });
        upstream.end(body);
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const records = roomsRecords(400, 13, 120);
      const container = await newContainer();
      await appendToBlob(container, PATH, asJsonLines(records));
      const { port } = proxy.address() as { port: number };
      const prefix = uniquePrefix();
      const file = { container: container.containerName, path: PATH };
      await processFile(file, testDeps(newTableStore(withPorts(base, { table: port }), prefix), base, { segmentBytes: 16 * 1024, readChunkBytes: 8 * 1024 }));

      expect(lost).toBeGreaterThan(5);
      const clean = newTableStore(base, prefix);
      expect(await readAggregates(clean)).toEqual(referenceAggregates(normalizeAll(records)));
      expect((await new CheckpointStore(clean).get(file))?.checkpoint.records).toBe(400);
    } finally {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it('429s, 503s and writes whose answer was lost leave the aggregates equal to one clean pass', async () => {
    const { startFaultProxy, withPorts, portOf } = await import('../support/faultProxy.js');
    const base = azuriteConnectionString();
    const tableProxy = await startFaultProxy(portOf(base, 'Table'), { rejectBefore: 0.15, loseAnswer: 0.1, seed: 42 });
    const blobProxy = await startFaultProxy(portOf(base, 'Blob'), { rejectBefore: 0.15, loseAnswer: 0.05, seed: 43 });
    try {
      const records = roomsRecords(500, 21, 150);
      const container = await newContainer();
      await appendToBlob(container, PATH, asJsonLines(records));
      const faulty = withPorts(base, { table: tableProxy.port, blob: blobProxy.port });
      const prefix = uniquePrefix();
      const file = { container: container.containerName, path: PATH };
      const settings = { segmentBytes: 16 * 1024, readChunkBytes: 8 * 1024 };

      // A run may still fail when retries run out: like the Functions host, run again until done.
      for (let attempt = 0; attempt < 20; attempt++) {
        try {
          await processFile(file, testDeps(newTableStore(faulty, prefix), faulty, settings));
          break;
        } catch (error) {
          if (attempt === 19) throw error;
        }
      }

      expect(tableProxy.injected.before + tableProxy.injected.after).toBeGreaterThan(10);
      expect(tableProxy.injected.after).toBeGreaterThan(0);
      const clean = newTableStore(base, prefix);
      expect(await readAggregates(clean)).toEqual(referenceAggregates(normalizeAll(records)));
      expect((await new CheckpointStore(clean).get(file))?.checkpoint.records).toBe(500);
    } finally {
      await tableProxy.close();
      await blobProxy.close();
    }
  });
});
