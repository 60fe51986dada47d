import { PassThrough, Writable } from 'node:stream';
import fc from 'fast-check';
import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import { csvCell } from '../../src/lib/http/render.js';
import { isTerminal, render, renderChunks, StreamedRows, terminalSafeJson, writeChunks } from '../../src/cli/format.js';

/** Text a log line may carry: a title-setting OSC, a screen clear, C1 CSI, DEL, a bidi override, a zero-width space. */
const HOSTILE = 'Op\u001b]0;PWNED\u0007\u001b[2J \u009b31m \u007f A\u202eevil \u200b end';
// Its line breaks are the layout of pretty JSON.
// eslint-disable-next-line no-control-regex -- the characters a terminal acts on are what is tested
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e\u200b]/;

describe('JSON and CSV output', () => {
  it('JSON holds none of the characters a terminal acts on, and parses back to every character', () => {
    const rows = [{ operationName: HOSTILE, count: 1 }];
    const text = render(rows, 'json', ['operationName', 'count']);
    expect(text).not.toMatch(RAW);
    expect(text).toContain('\\u202e');
    expect(text).toContain('\\u009b');
    expect(JSON.parse(text)).toEqual(rows);
    expect(JSON.parse(terminalSafeJson({ nested: [HOSTILE] }))).toEqual({ nested: [HOSTILE] });
  });

  it('CSV to a terminal shows them escaped; CSV into a pipe or a file keeps every character', () => {
    const rows = [{ sdkType: HOSTILE }];
    const shown = render(rows, 'csv', ['sdkType'], { terminal: true });
    // eslint-disable-next-line no-control-regex -- as above
    expect(shown).not.toMatch(/[\u001b\u0007\u009b\u007f\u202e\u200b]/);
    expect(shown).toContain('Op\\u001b]0;PWNED\\u0007\\u001b[2J');
    expect(render(rows, 'csv', ['sdkType'])).toContain(HOSTILE);
  });

  it('a stream is a terminal only when it says so', () => {
    const pipe = new PassThrough();
    expect(isTerminal(pipe)).toBe(false);
    expect(isTerminal(Object.assign(new PassThrough(), { isTTY: true }))).toBe(true);
  });

  it('JSON and CSV written in pieces are the text of the whole view at once, for any rows', () => {
    const value = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.double(),
      fc.integer(),
      fc.constant(null),
      fc.dictionary(fc.string(), fc.string()),
      fc.array(fc.integer()),
    );
    const rows = fc.array(fc.record({ a: value, b: value, c: value }), { maxLength: 1_200 });
    fc.assert(
      fc.property(rows, fc.boolean(), (given, terminal) => {
        const columns = ['a', 'b', 'c'];
        const json = [...renderChunks(given, 'json', columns)];
        expect(json.join('')).toBe(terminalSafeJson(given.map((row) => ({ a: row.a, b: row.b, c: row.c }))) + '\n');
        if (given.length > 0) expect(json.length).toBe(given.length + 2);
        const csv = [...renderChunks(given, 'csv', columns, { terminal })].join('');
        expect(csv).toBe(render(given, 'csv', columns, { terminal }));
        if (!terminal) expect(csv).toBe(stringify([columns, ...given.map((row) => columns.map((column) => csvCell(row[column as 'a'])))]));
      }),
      { numRuns: 60 },
    );
  });

  it('rows written one at a time (StreamedRows) are the text of the whole view at once, for any rows', async () => {
    const value = fc.oneof(fc.string({ unit: 'binary' }), fc.double(), fc.constant(null), fc.dictionary(fc.string(), fc.string()));
    const rows = fc.array(fc.record({ a: value, b: value }), { maxLength: 50 });
    await fc.assert(
      fc.asyncProperty(rows, fc.constantFrom('json' as const, 'csv' as const), fc.boolean(), async (given, format, terminal) => {
        const columns = ['a', 'b'];
        const out = new PassThrough();
        const pieces: string[] = [];
        out.on('data', (chunk: Buffer) => pieces.push(chunk.toString()));
        const streamed = new StreamedRows(out, format, columns, { terminal });
        for (const row of given) await streamed.add(row);
        await streamed.end();
        await new Promise((resolve) => setImmediate(resolve));
        expect(pieces.join('')).toBe(render(given, format, columns, { terminal }));
      }),
      { numRuns: 60 },
    );
  });

  it('writes its pieces only as fast as a slow reader takes them', async () => {
    let mostQueued = 0;
    const slow: Writable = new Writable({
      highWaterMark: 1024,
      write(_chunk: Buffer, _encoding, done) {
        mostQueued = Math.max(mostQueued, slow.writableLength);
        setImmediate(done);
      },
    });
    const rows = Array.from({ length: 2_000 }, (_, i) => ({ id: `row-${i}`, text: 'x'.repeat(200) }));
    await writeChunks(slow, renderChunks(rows, 'json', ['id', 'text']));
    await new Promise((resolve) => slow.end(resolve));
    // Unthrottled, all 2,000 rows (about 500 KB) would be queued at once.
    expect(mostQueued).toBeLessThan(2_000);
  });
});
