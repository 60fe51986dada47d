import { describe, expect, it } from 'vitest';
import { CheckpointStore } from '../../src/lib/processing/checkpoints.js';
import { processFile } from '../../src/lib/processing/processFile.js';
import { replayQuarantine } from '../../src/lib/processing/replayQuarantine.js';
import { QuarantineStore, type QuarantinedLine } from '../../src/lib/processing/quarantine.js';
import { isFinalBlob } from '../../src/lib/processing/sealing.js';
import { readHealth } from '../../src/lib/querying/health.js';
import type { LogSource } from '../../src/lib/storage/LogSource.js';
import { blobPath, normalizeAll, roomsRecords } from '../support/roomsLogs.js';
import { appendToBlob, newContainer, newTableStore, readAggregates, referenceAggregates, testDeps } from '../support/storage.js';

const PATH = blobPath(2);

describe('framing edge cases in blobs', () => {
  it.each([
    ['an export array', (records: object[]) => JSON.stringify(records)],
    ['a records wrapper', (records: object[]) => JSON.stringify({ records })],
  ])('%s on one line without a final newline is read, and the blob is sealed by the sealing rule', async (_name, shape) => {
    const records = roomsRecords(9, 91);
    const container = await newContainer();
    await appendToBlob(container, PATH, shape(records));
    const tables = newTableStore();
    const file = { container: container.containerName, path: PATH };
    const deps = testDeps(tables);
    const isFinal = (f: typeof file, stat: Parameters<typeof isFinalBlob>[1], now: number) => isFinalBlob(f, stat, now, deps.settings.sealAfterMs);

    const first = await processFile(file, deps, { isFinal });
    expect(first).toMatchObject({ records: 9, badLines: 0, pendingBytes: 0 });
    // Later, past the sealing delay (the path's hour is long over): sealed, nothing read twice.
    const sealed = await processFile(file, { ...deps, now: () => Date.now() + deps.settings.sealAfterMs + 60_000 }, { isFinal });
    expect(sealed.records).toBe(0);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
  });

  it('a first line that is not JSON is quarantined at once, and a UTF-16 blob is unsupported_encoding', async () => {
    const container = await newContainer();
    const tables = newTableStore();
    const deps = testDeps(tables);
    const hello = { container: container.containerName, path: blobPath(3) };
    await appendToBlob(container, hello.path, 'hello world\n');
    expect(await processFile(hello, deps)).toMatchObject({ records: 0, badLines: 1, pendingBytes: 0 });

    const utf16 = { container: container.containerName, path: blobPath(4) };
    await appendToBlob(
      container,
      utf16.path,
      Buffer.from(
        '\uFEFF' +
          roomsRecords(4, 92)
            .map((r) => JSON.stringify(r) + '\n')
            .join(''),
        'utf16le',
      ),
    );
    expect(await processFile(utf16, deps)).toMatchObject({ records: 0, badLines: 4, pendingBytes: 0 });
    const rows: QuarantinedLine[] = [];
    for await (const row of new QuarantineStore(tables).list(utf16)) rows.push(row);
    expect(rows.map((row) => [row.code, row.count])).toEqual([['unsupported_encoding', 4]]);
  });

  it('a line past the limit, sealed inside it and grown after: one line_too_long entry over the whole line, which a replay with a larger limit reads', async () => {
    const records = roomsRecords(6, 97);
    const container = await newContainer();
    const tables = newTableStore();
    const deps = testDeps(tables, undefined, { maxUnitBytes: 1024 });
    const late = { ...deps, now: () => Date.now() + deps.settings.sealAfterMs + 60_000 };
    const isFinal = (f: { container: string; path: string }, stat: Parameters<typeof isFinalBlob>[1], now: number) =>
      isFinalBlob(f, stat, now, deps.settings.sealAfterMs);
    const file = { container: container.containerName, path: blobPath(6) };
    const long = { ...records[0], roomId: 'x'.repeat(4000) };
    const bytes = Buffer.from(JSON.stringify(records[1]) + '\n' + JSON.stringify(long) + '\n' + JSON.stringify(records[2]) + '\n');
    const cut = bytes.indexOf('x'.repeat(10)) + 2000;
    // Sealed with the file ending inside the long line (past the limit), then the rest of that line comes.
    await appendToBlob(container, file.path, bytes.subarray(0, cut));
    await processFile(file, late, { isFinal });
    await appendToBlob(container, file.path, bytes.subarray(cut));
    await processFile(file, deps, { isFinal });

    const rows: QuarantinedLine[] = [];
    for await (const row of new QuarantineStore(tables).list(file)) rows.push(row);
    const start = Buffer.byteLength(JSON.stringify(records[1])) + 1;
    expect(rows.map((row) => [row.code, row.offset, row.end, row.count ?? 1])).toEqual([
      ['line_too_long', start, start + Buffer.byteLength(JSON.stringify(long)) + 1, 1],
    ]);
    expect((await new CheckpointStore(tables).get(file))?.checkpoint).toMatchObject({ records: 2, badLines: 1, bytes: bytes.length, offset: bytes.length });
    const replay = await replayQuarantine({ ...deps, settings: { ...deps.settings, maxUnitBytes: 8192 } });
    expect(replay).toMatchObject({ applied: 1, records: 1, stillBad: 0 });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll([records[1]!, long, records[2]!])));
  });
});

describe('lines ended by a lone \\r (old Mac files), alone or mixed with \\n and \\r\\n', () => {
  it('a UTF-16 blob sealed inside a line and grown after: the cut line is one entry with its whole line, not one per piece', async () => {
    const container = await newContainer();
    const tables = newTableStore();
    const deps = testDeps(tables);
    const late = { ...deps, now: () => Date.now() + deps.settings.sealAfterMs + 60_000 };
    const isFinal = (f: { container: string; path: string }, stat: Parameters<typeof isFinalBlob>[1], now: number) =>
      isFinalBlob(f, stat, now, deps.settings.sealAfterMs);
    const file = { container: container.containerName, path: blobPath(5) };
    const bytes = Buffer.from('\ufeff' + '{"time":"2024-05-25T00:00:00Z","category":"RoomsOperational"}\r\n'.repeat(2), 'utf16le');
    // Sealed after each piece: inside the BOM's line, inside the first line, then whole.
    for (const [from, to] of [
      [0, 3],
      [3, 101],
      [101, bytes.length],
    ] as const) {
      await appendToBlob(container, file.path, bytes.subarray(from, to));
      await processFile(file, late, { isFinal });
    }
    const rows: QuarantinedLine[] = [];
    for await (const row of new QuarantineStore(tables).list(file)) rows.push(row);
    expect(rows.map((row) => [row.offset, row.end, row.count ?? 1, row.code])).toEqual([[0, bytes.length, 2, 'unsupported_encoding']]);
    expect((await new CheckpointStore(tables).get(file))?.checkpoint).toMatchObject({ badLines: 2, bytes: bytes.length, offset: bytes.length });
  });

  it('a file of \\r-ended lines is read at once, not held as one unfinished line', async () => {
    const records = roomsRecords(5, 95);
    const container = await newContainer();
    await appendToBlob(container, PATH, records.map((r) => `${JSON.stringify(r)}\r`).join(''));
    const tables = newTableStore();
    const result = await processFile({ container: container.containerName, path: PATH }, testDeps(tables));
    expect(result).toMatchObject({ records: 5, badLines: 0, pendingBytes: 0 });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
  });

  it('mixed endings: each record read on its own, a bad record between lone \\r quarantined alone, lines numbered by \\n', async () => {
    const records = roomsRecords(4, 96);
    const [a, b, c, d] = records.map((r) => JSON.stringify(r));
    const bad = '{"category":"RoomsOperational","not":"a record"}';
    const container = await newContainer();
    await appendToBlob(container, PATH, `${a}\r\n${b}\r${bad}\r${c}\n${d}\r\n`);
    const tables = newTableStore();
    const file = { container: container.containerName, path: PATH };
    const result = await processFile(file, testDeps(tables));
    expect(result).toMatchObject({ records: 4, badLines: 1, pendingBytes: 0 });
    const rows: QuarantinedLine[] = [];
    for await (const row of new QuarantineStore(tables).list(file)) rows.push(row);
    expect(rows.map((row) => [row.code, row.raw, row.line, row.offset])).toEqual([['schema_invalid', bad, 2, a!.length + 2 + b!.length + 1]]);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
  });

  it('a \\r anywhere but between two JSON texts is whitespace inside its line, as JSON Lines has it', async () => {
    const records = roomsRecords(3, 98);
    const [a, b, c] = records.map((r) => JSON.stringify(r));
    const container = await newContainer();
    // `{\r"time"`: a record with a `\r` for whitespace is one record; junk after a `\r` stays on its line.
    await appendToBlob(container, PATH, `${a}\n{\r${b!.slice(1)}\n${c}\r junk\n`);
    const tables = newTableStore();
    const file = { container: container.containerName, path: PATH };
    expect(await processFile(file, testDeps(tables))).toMatchObject({ records: 2, badLines: 1, pendingBytes: 0 });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records.slice(0, 2))));
  });

  it('a pretty-printed document with \\r line ends is read element by element, as with \\n: one bad element costs only itself', async () => {
    const records = roomsRecords(5, 100);
    const pretty = JSON.stringify({ records }, null, 2).replace(/\n/g, '\r');
    const broken = pretty.replace('"roomId": "', '"roomId": 1x0, "was": "');
    expect(broken).not.toBe(pretty);
    const container = await newContainer();
    await appendToBlob(container, PATH, broken);
    const tables = newTableStore();
    const file = { container: container.containerName, path: PATH };
    expect(await processFile(file, testDeps(tables))).toMatchObject({ records: 4, badLines: 1 });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records.slice(1))));
  });

  it.each([
    ['}\\r\\r{ (old Mac blank lines)', '\r\r'],
    ['} \\r{', ' \r'],
    ['}\\r \\t{', '\r \t'],
    ['}\\r \\r{', '\r \r'],
  ])('%s separates two records, in one read or with the file cut anywhere between reads', async (_name, between) => {
    const records = roomsRecords(3, 99);
    const text = records.map((r) => JSON.stringify(r)).join(between) + '\n';
    for (const cut of [0, text.indexOf(between) + 1, text.indexOf(between) + between.length - 1]) {
      const container = await newContainer();
      const tables = newTableStore();
      const file = { container: container.containerName, path: PATH };
      if (cut > 0) {
        await appendToBlob(container, PATH, text.slice(0, cut));
        await processFile(file, testDeps(tables));
      }
      await appendToBlob(container, PATH, text.slice(cut));
      await processFile(file, testDeps(tables));
      expect(await readAggregates(tables), `cut at ${cut}`).toEqual(referenceAggregates(normalizeAll(records)));
    }
  });
});

describe('lines that are not UTF-8', () => {
  it('are quarantined as unsupported_encoding, not read with U+FFFD in place of their bytes (two ids would become one)', async () => {
    const records = roomsRecords(3, 97);
    const [a, b, c] = records.map((r) => JSON.stringify(r));
    const latin1 = (text: string, byte: number): Buffer => Buffer.concat([Buffer.from(text.slice(0, -2)), Buffer.from([byte]), Buffer.from(text.slice(-2))]);
    const container = await newContainer();
    await appendToBlob(container, PATH, Buffer.concat([Buffer.from(`${a}\n`), latin1(b!, 0xff), Buffer.from('\n'), latin1(c!, 0xfe), Buffer.from('\n')]));
    const tables = newTableStore();
    const file = { container: container.containerName, path: PATH };
    expect(await processFile(file, testDeps(tables))).toMatchObject({ records: 1, badLines: 2, pendingBytes: 0 });
    const rows: QuarantinedLine[] = [];
    for await (const row of new QuarantineStore(tables).list(file)) rows.push(row);
    expect(rows.map((row) => [row.code, row.count, row.line])).toEqual([['unsupported_encoding', 2, 2]]);
    expect(rows[0]!.message).toMatch(/^not UTF-8: byte 0xFF at byte \d+ of the line/);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records.slice(0, 1))));
  });
});

describe('values nested deeper than JSON.stringify can go (it recurses; JSON.parse does not)', () => {
  const deep = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

  it.each([
    ['a line of its own', (good: string[]) => `${good[0]}\n${deep(5000)}\n${good[1]}\n`, 1],
    ['an element of a records wrapper', (good: string[]) => `{"records":[${good[0]},${deep(100_000)},${good[1]}]}\n`, 1],
    [
      'a field of a record that does not read, in an array',
      (good: string[]) => `[${good[0]},{"category":"RoomsOperational","x":${deep(200_000)}},${good[1]}]\n`,
      1,
    ],
    ['a field of a record that reads, in an array', (good: string[]) => `[${good[0]},${good[2]!.slice(0, -1)},"extra":${deep(200_000)}},${good[1]}]\n`, 0],
  ])('in %s: quarantined or read, the records beside it read, the file never failed', async (_name, content, badLines) => {
    const records = roomsRecords(3, 94);
    const good = records.map((record) => JSON.stringify(record));
    const container = await newContainer();
    await appendToBlob(container, PATH, content(good));
    const tables = newTableStore();
    const file = { container: container.containerName, path: PATH };
    const result = await processFile(file, testDeps(tables));
    expect(result).toMatchObject({ records: 3 - badLines, badLines, pendingBytes: 0 });
    const rows: QuarantinedLine[] = [];
    for await (const row of new QuarantineStore(tables).list(file)) rows.push(row);
    expect(rows.length).toBe(badLines);
    for (const row of rows) expect(row.raw).toContain('"…"');
    const read = badLines === 0 ? records : records.slice(0, 2);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(read)));
  });
});

describe('a blob sealed while it ended inside a line', () => {
  /** A new container and store, with deps whose clock is past the sealing delay: a blob counts as final as soon as it is read. */
  async function pastSealing() {
    const container = await newContainer();
    const tables = newTableStore();
    const file = { container: container.containerName, path: PATH };
    const deps = testDeps(tables);
    const isFinal = (f: typeof file, stat: Parameters<typeof isFinalBlob>[1], now: number) => isFinalBlob(f, stat, now, deps.settings.sealAfterMs);
    const late = { ...deps, now: () => Date.now() + deps.settings.sealAfterMs + 60_000 };
    return { container, tables, file, deps, isFinal, late };
  }

  /** Four lines and the start of a fifth; read once, sealed (past the sealing delay) unless `seal` is false. */
  async function sealedWithCutLine(cutAt: number, seal = true) {
    const records = roomsRecords(6, 93);
    const lines = records.map((r) => JSON.stringify(r) + '\n');
    const { container, tables, file, deps, isFinal, late } = await pastSealing();
    const head = lines.slice(0, 4).join('');
    await appendToBlob(container, PATH, head + lines[4]!.slice(0, cutAt));
    const first = await processFile(file, seal ? late : deps, { isFinal });
    expect(first).toMatchObject({ records: 4, badLines: seal ? 1 : 0 });
    return { records, lines, container, tables, file, late, isFinal, head };
  }

  async function entries(tables: ReturnType<typeof newTableStore>, file: { container: string; path: string }): Promise<QuarantinedLine[]> {
    const rows: QuarantinedLine[] = [];
    for await (const row of new QuarantineStore(tables).list(file)) rows.push(row);
    return rows;
  }

  it('reads the line whole when the blob grows after all: nothing lost, nothing twice', async () => {
    const { records, lines, container, tables, file, late, isFinal, head } = await sealedWithCutLine(40);
    expect((await new CheckpointStore(tables).get(file))?.checkpoint).toMatchObject({ sealed: true, badLines: 1 });
    expect((await entries(tables, file)).map((e) => [e.code, e.replayedAt === undefined])).toEqual([['truncated', true]]);

    await appendToBlob(container, PATH, lines[4]!.slice(40) + lines[5]!);
    const grown = await processFile(file, late, { isFinal });
    expect(grown).toMatchObject({ records: 2, badLines: 0 });
    const total = Buffer.byteLength(head + lines[4]! + lines[5]!);
    expect((await new CheckpointStore(tables).get(file))?.checkpoint).toMatchObject({
      sealed: true,
      truncatedTail: null,
      records: 6,
      badLines: 0,
      bytes: total,
      offset: total,
    });
    const [entry] = await entries(tables, file);
    expect(entry).toMatchObject({ code: 'truncated', replayedRecords: 0 });
    expect(entry?.message).toMatch(/read whole \(1 record, counted with the file's\)$/);
    expect(entry?.replayedAt).toBeDefined();
    // Health counts each record once: read by the file, not replayed as well.
    const [counted] = (await readHealth(tables, [file.container])).containers;
    expect((counted?.records ?? 0) + (counted?.replayedRecords ?? 0)).toBe(records.length);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));

    // Again, and a replay of the quarantine: nothing more.
    expect(await processFile(file, late, { isFinal })).toMatchObject({ records: 0, status: 'sealed' });
    expect(await replayQuarantine(late)).toMatchObject({ lines: 0, records: 0 });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
  });

  it('a dismissed cut line is judged again when the blob grows: applied if it reads, waiting again if still bad', async () => {
    const { records, lines, container, tables, file, late, isFinal } = await sealedWithCutLine(40);
    const store = new QuarantineStore(tables);
    const [cut] = await entries(tables, file);
    expect(await store.setDismissed(cut as QuarantinedLine, { at: new Date().toISOString(), because: 'cut by an outage' })).toBe(true);
    // The rest of the line arrives, and it reads: applied once, the entry marked so (its dismissal kept).
    await appendToBlob(container, PATH, lines[4]!.slice(40));
    expect(await processFile(file, late, { isFinal })).toMatchObject({ records: 1, badLines: 0 });
    const [read] = await entries(tables, file);
    expect(read).toMatchObject({ code: 'truncated', replayedRecords: 0, dismissedBecause: 'cut by an outage' });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records.slice(0, 5))));

    // Another dismissed cut line whose end, when it comes, does not read: it is not the text dismissed, so it waits again.
    const second = await sealedWithCutLine(30);
    const [secondCut] = await entries(second.tables, second.file);
    expect(await new QuarantineStore(second.tables).setDismissed(secondCut as QuarantinedLine, { at: new Date().toISOString(), because: 'x' })).toBe(true);
    await appendToBlob(second.container, PATH, 'not the end of a record\n');
    expect(await processFile(second.file, second.late, { isFinal: second.isFinal })).toMatchObject({ records: 0, badLines: 0 });
    const [still] = await entries(second.tables, second.file);
    expect(still).toMatchObject({ code: 'invalid_json' });
    expect(still?.dismissedAt).toBeUndefined();
    expect(still?.replayedAt).toBeUndefined();
  });

  it('a line still cut when the blob grows waits for its end, then reads whole', async () => {
    const { records, lines, container, tables, file, isFinal } = await sealedWithCutLine(30);
    const now = testDeps(tables);
    await appendToBlob(container, PATH, lines[4]!.slice(30, 60));
    // Not final now (it just changed): the cut line is not read yet, and nothing is counted twice.
    expect(await processFile(file, now, { isFinal })).toMatchObject({ records: 0, badLines: 0 });
    await appendToBlob(container, PATH, lines[4]!.slice(60) + lines[5]!);
    expect(await processFile(file, now, { isFinal })).toMatchObject({ records: 2, badLines: 0 });
    expect((await new CheckpointStore(tables).get(file))?.checkpoint).toMatchObject({ records: 6, badLines: 0, truncatedTail: null });
    expect((await entries(tables, file)).map((e) => e.replayedRecords)).toEqual([0]);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
  });

  it('a cut line the writer gave up on (the blob goes on with a new line) stays quarantined, counted once', async () => {
    const { records, lines, container, tables, file, late, isFinal } = await sealedWithCutLine(40);
    await appendToBlob(container, PATH, '\n' + lines[5]!);
    // The cut line was counted by the run that quarantined it: this run adds none.
    expect(await processFile(file, late, { isFinal })).toMatchObject({ records: 1, badLines: 0 });
    expect((await new CheckpointStore(tables).get(file))?.checkpoint).toMatchObject({ records: 5, badLines: 1, truncatedTail: null });
    const rows = await entries(tables, file);
    expect(rows.map((e) => [e.code, e.count, e.replayedAt === undefined])).toEqual([['invalid_json', 1, true]]);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll([...records.slice(0, 4), records[5]!])));
  });

  /** A source whose first read waits for `gate`; `measured` resolves once it has measured the file. */
  function held(source: LogSource, gate: Promise<void>, measured: () => void): LogSource {
    let first = true;
    return {
      stat: async (f) => {
        const stat = await source.stat(f);
        measured();
        return stat;
      },
      read: async (f, start, end) => {
        if (first) {
          first = false;
          await gate;
        }
        return source.read(f, start, end);
      },
      list: (c) => source.list(c),
    };
  }

  it.each([
    ['sealed cut before', true],
    ['new to both runs', false],
  ])('a run that saw the line still cut, overtaken by one that read it whole, leaves no open entry (%s)', async (_name, sealedBefore) => {
    const { records, lines, container, tables, file, late, isFinal } = await sealedWithCutLine(40, sealedBefore);
    await appendToBlob(container, PATH, lines[4]!.slice(40, 80));

    // Run A measures the file still cut, then its reads stall; run B reads it whole and saves first.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let measured!: () => void;
    const wasMeasured = new Promise<void>((resolve) => (measured = resolve));
    const runA = processFile(file, { ...late, source: held(late.source, gate, measured) }, { isFinal });
    await wasMeasured;
    await appendToBlob(container, PATH, lines[4]!.slice(80) + lines[5]!);
    await processFile(file, late, { isFinal });
    release();
    expect((await runA).overtaken).toBeGreaterThan(0);

    expect((await new CheckpointStore(tables).get(file))?.checkpoint).toMatchObject({ records: 6, badLines: 0 });
    expect((await entries(tables, file)).filter((entry) => entry.replayedAt === undefined)).toEqual([]);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
  });

  it('a document sealed one byte short of its last value, grown by that byte: a replay before the next read leaves the value to it', async () => {
    const records = roomsRecords(3, 94);
    const values = records.map((record) => JSON.stringify(record, null, 2));
    const whole = values.join('\n') + '\n';
    const cut = whole.lastIndexOf('}');
    const { container, tables, file, isFinal, late } = await pastSealing();
    await appendToBlob(container, PATH, whole.slice(0, cut));
    expect(await processFile(file, late, { isFinal })).toMatchObject({ records: 2, badLines: 1 });
    expect((await entries(tables, file)).map((entry) => entry.code)).toEqual(['truncated']);

    await appendToBlob(container, PATH, whole.slice(cut));
    await replayQuarantine(late);
    await processFile(file, late, { isFinal });

    expect((await new CheckpointStore(tables).get(file))?.checkpoint).toMatchObject({ records: 3, badLines: 0 });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
  });

  it('a replay that listed the truncated entry before the file grew does not reopen it', async () => {
    const { records, lines, container, tables, file, late, isFinal } = await sealedWithCutLine(40);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let reading!: () => void;
    const started = new Promise<void>((resolve) => (reading = resolve));
    const stalled: LogSource = {
      stat: (f) => late.source.stat(f),
      read: async (f, start, end) => {
        reading();
        await gate;
        return late.source.read(f, start, end);
      },
      list: (c) => late.source.list(c),
    };
    const replay = replayQuarantine({ ...late, source: stalled });
    await started;
    await appendToBlob(container, PATH, lines[4]!.slice(40) + lines[5]!);
    await processFile(file, late, { isFinal });
    release();
    await replay;
    expect((await entries(tables, file)).map((entry) => [entry.code, entry.replayedRecords])).toEqual([['truncated', 0]]);
    expect((await new CheckpointStore(tables).get(file))?.checkpoint).toMatchObject({ records: 6, badLines: 0 });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
  });
});
