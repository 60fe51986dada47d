import { describe, expect, it } from 'vitest';
import { Framer } from '../../src/lib/reading/Framer.js';
import { MAX_DOCUMENT_DEPTH } from '../../src/lib/reading/documentScanner.js';
import type { FramerPosition } from '../../src/lib/reading/types.js';
import { chunksOf, decodeAll, frame, issues, read, units } from './helpers.js';

const rec = (i: number): Record<string, unknown> => ({
  time: `2024-03-01T10:00:0${i}Z`,
  category: 'CallDiagnostics',
  operationName: 'CallDiagnostics',
  correlationId: `c-${i}`,
  properties: { streamId: `${i}`, mediaType: 'Audio', note: 'braces } ] { [ and "quotes" \\ inside' },
});

const values = (x: { value: Record<string, unknown> }[]): unknown[] => x.map((r) => r.value);

describe('Framer — {"records":[...]} wrappers', () => {
  it('a wrapper on one line is one unit (JSON Lines); decodeUnit splits it', () => {
    const line = JSON.stringify({ records: [rec(1), rec(2), rec(3)] });
    const r = read(`${line}\n`);
    expect(units(r.items)).toHaveLength(1);
    expect(r.position.mode).toBe('lines');
    expect(values(r.records)).toStrictEqual([rec(1), rec(2), rec(3)]);
    expect(r.records.map((x) => [x.position, x.offset, x.line])).toEqual([
      [0, 0, 1],
      [1, 0, 1],
      [2, 0, 1],
    ]);
  });

  it('several wrapper lines in one file', () => {
    const l1 = JSON.stringify({ records: [rec(1), rec(2)] });
    const l2 = JSON.stringify({ Records: [rec(3)] });
    const l3 = JSON.stringify({ records: [] });
    const r = read(`${l1}\n${l2}\n${l3}\n`);
    expect(values(r.records)).toStrictEqual([rec(1), rec(2), rec(3)]);
    const o2 = Buffer.byteLength(l1) + 1;
    expect(r.records.map((x) => [x.position, x.line])).toEqual([
      [0, 1],
      [1, 1],
      [o2, 2],
    ]);
  });

  it('a wrapper with its first element on its opening line and one element a line: every element reads, in any chunking', () => {
    const texts = Array.from({ length: 40 }, (_, i) => JSON.stringify(rec(i % 10)));
    for (const file of [`{"records":[${texts.join(',\n')}]}\n`, `{ "records" : [ ${texts.join(',\r\n')} ] }`]) {
      for (const size of [Infinity, 7, 300]) {
        const r = read(file, size === Infinity ? {} : { chunks: (rest) => chunksOf(rest, size) });
        expect(issues(r.items)).toEqual([]);
        expect(r.records).toHaveLength(40);
      }
    }
    // A first line that is a whole one-line wrapper is still JSON Lines.
    const lines = `{"records":[${texts[0]}]}\n{"records":[${texts[1]}]}\n`;
    expect(read(lines).position.mode).toBe('lines');
  });

  it('a pretty-printed wrapper: each element of "records" is a unit, in records mode', () => {
    const text = JSON.stringify({ records: [rec(1), rec(2), rec(3)] }, null, 2) + '\n';
    const file = Buffer.from(text);
    const f = new Framer({ start: { offset: 0, newlines: 0, mode: 'auto' }, maxUnitBytes: 4096, maxRawBytes: 64 });
    const u = units(f.push(file));
    expect(u).toHaveLength(3);
    for (const x of u) {
      expect(file.subarray(x.offset, x.end).toString()).toBe(x.text);
      expect(x.text.startsWith('{') && x.text.endsWith('}')).toBe(true);
      expect(x.line).toBe(file.subarray(0, x.offset).toString().split('\n').length);
    }
    expect(u.map((x) => JSON.parse(x.text) as unknown)).toStrictEqual([rec(1), rec(2), rec(3)]);
    expect(f.finish(true)).toEqual([]);
    expect(f.position).toEqual({ offset: file.length, newlines: text.split('\n').length - 1, mode: 'values' });
  });

  it('positions inside the wrapper are in records mode and resume there', () => {
    const text = `{ "RECORDS" : [\n ${JSON.stringify(rec(1))},\n ${JSON.stringify(rec(2))}\n ],\n "extra": {"s": "}]"} }\n{"after":true}\n`;
    const file = Buffer.from(text);
    const f = new Framer({ start: { offset: 0, newlines: 0, mode: 'auto' }, maxUnitBytes: 4096, maxRawBytes: 64 });
    const firstEnd = text.indexOf('},') + 1;
    const u1 = f.push(file.subarray(0, firstEnd + 1));
    expect(units(u1)).toHaveLength(1);
    const pos = f.position;
    expect(pos.mode).toBe('records');
    expect(pos.newlines).toBe(1);
    expect(pos.offset).toBeGreaterThanOrEqual(firstEnd);
    const rest = [...f.push(file.subarray(firstEnd + 1)), ...f.finish(true)];
    const resumed = frame(file, { start: pos });
    expect(resumed.items).toEqual(rest);
    expect(values(read(file).records)).toStrictEqual([rec(1), rec(2), { after: true }]);
  });

  it('skips the rest of the wrapper after "records", strings with braces included', () => {
    const text = `{\n"records": [${JSON.stringify(rec(1))}],\n"meta": {"a": ["}", "]", "\\"}"], "b": {}}\n}\n{"records":[${JSON.stringify(rec(2))}]}`;
    const r = read(text);
    expect(r.issues).toEqual([]);
    expect(r.failures).toEqual([]);
    expect(values(r.records)).toStrictEqual([rec(1), rec(2)]);
  });

  it('a wrapper with a second records array (a repeated key, or Records beside records) reads its elements too, in any chunking and resumed anywhere', () => {
    const text = `{\n "records": [\n  ${JSON.stringify(rec(1))}\n ],\n "meta": {"records": [{"x": 0}], "s": "\\", \\"records\\": ["},\n "Records": [\n  ${JSON.stringify(rec(2))},\n  ${JSON.stringify(rec(3))}\n ],\n "records": [${JSON.stringify(rec(4))}]\n}\n{"after": true}\n`;
    const file = Buffer.from(text);
    for (const size of [Infinity, 1, 5, 64]) {
      const r = read(file, size === Infinity ? {} : { chunks: (rest) => chunksOf(rest, size) });
      expect(r.issues).toEqual([]);
      expect(r.failures).toEqual([]);
      expect(values(r.records)).toStrictEqual([rec(1), rec(2), rec(3), rec(4), { after: true }]);
    }
    const whole = frame(file, { chunks: (rest) => chunksOf(rest, 9) });
    for (const step of whole.steps) {
      const resumed = read(file, { start: step.position });
      const before = decodeAll(whole.items).records.filter((x) => x.position < step.position.offset);
      expect(values([...before, ...resumed.records])).toStrictEqual([rec(1), rec(2), rec(3), rec(4), { after: true }]);
    }
  });

  it('an object whose first key is not "records", or whose "records" is not an array, is one unit', () => {
    const a = `{\n "x": 1,\n "records": [{"y": 2}]\n}\n`;
    const ra = read(a);
    expect(units(ra.items)).toHaveLength(1);
    // decodeUnit still reads its records array
    expect(values(ra.records)).toEqual([{ y: 2 }]);
    const b = `{\n "records": 5,\n "z": 1\n}\n`;
    expect(values(read(b).records)).toEqual([{ records: 5, z: 1 }]);
    const c = `{\n "recordsX": [1]\n}\n`;
    expect(values(read(c).records)).toEqual([{ recordsX: [1] }]);
  });

  it('a huge single-line wrapper (first line longer than maxUnitBytes) is read element by element', () => {
    const recs = Array.from({ length: 40 }, (_, i) => rec(i % 10));
    const text = JSON.stringify({ records: recs });
    const file = Buffer.from(text);
    const max = 400;
    expect(file.length).toBeGreaterThan(10 * max);
    for (const size of [13, 256, file.length]) {
      const r = read(file, { maxUnitBytes: max, maxRawBytes: 50, chunks: (rest) => chunksOf(rest, size) });
      expect(r.issues).toEqual([]);
      expect(values(r.records)).toStrictEqual(recs);
      expect(r.maxBuffered).toBeLessThanOrEqual(max + size);
      expect(r.position.mode).toBe('values');
    }
  });
});

describe('Framer — arrays and sequences of values', () => {
  it('a pretty-printed array: every element is a unit; non-objects fail decoding with not_an_object, the objects of an array element are records', () => {
    const text = `[\n  {"a": 1},\n  42,\n  "s,]",\n  null,\n  [1, {"x": "]"}],\n  true,\n  {"b": "]"},\n]\n`;
    const r = read(text);
    expect(units(r.items).map((u) => u.text)).toEqual(['{"a": 1}', '42', '"s,]"', 'null', '[1, {"x": "]"}]', 'true', '{"b": "]"}']);
    expect(values(r.records)).toEqual([{ a: 1 }, { x: ']' }, { b: ']' }]);
    // 42, "s,]", null, the 1 of [1, {...}], true
    expect(r.failures.map((f) => f.code)).toEqual(Array(5).fill('not_an_object'));
    expect(r.position.mode).toBe('values');
  });

  it('several top-level arrays and objects in a row', () => {
    const text = `[{"a":1}]\n[{"a":2},{"a":3}]{"a":4} , {"a":5}\n[]\n`;
    // the first line parses as an array: JSON Lines; the second line is garbage as a line
    const asLines = read(text);
    expect(asLines.position.mode).toBe('lines');
    // read as a document
    const doc = read(text, { start: { offset: 0, newlines: 0, mode: 'values' } });
    expect(doc.issues).toEqual([]);
    expect(values(doc.records)).toEqual([1, 2, 3, 4, 5].map((a) => ({ a })));
    expect(units(doc.items).map((u) => u.line)).toEqual([1, 2, 2, 2, 2]);
  });

  it('JSON Lines read in values mode give the same records', () => {
    const text = [rec(1), rec(2), rec(3)].map((x) => JSON.stringify(x)).join('\r\n') + '\r\n';
    const asLines = read(text);
    const asValues = read(text, { start: { offset: 0, newlines: 0, mode: 'values' } });
    expect(values(asValues.records)).toStrictEqual(values(asLines.records));
    expect(asValues.records.map((x) => [x.offset, x.line])).toEqual(asLines.records.map((x) => [x.offset, x.line]));
  });

  it('escapes inside strings do not end strings or values', () => {
    const text = `[\n{"a": "quote \\" brace } bracket ] backslash \\\\"},\n{"b": "\\\\"}\n]`;
    const r = read(text);
    expect(values(r.records)).toEqual([{ a: 'quote " brace } bracket ] backslash \\' }, { b: '\\' }]);
  });

  it('counts a newline escaped inside a string (invalid JSON) so later line numbers stay right', () => {
    const text = `[\n"a\\\n b",\n{"c":1}\n]`;
    const r = read(text);
    expect(units(r.items).map((u) => [u.line, u.text])).toEqual([
      [2, '"a\\\n b"'],
      [4, '{"c":1}'],
    ]);
  });

  it('unexpected content at depth 0 becomes unexpected_content up to the next {, [ or newline', () => {
    const text = `{"a":1} oops {"b":2}\n"properties": {"c":3}\n]]\n{"d":4}`;
    const r = read(text, { start: { offset: 0, newlines: 0, mode: 'values' } });
    expect(values(r.records)).toEqual([{ a: 1 }, { b: 2 }, { c: 3 }, { d: 4 }]);
    expect(r.issues.map((i) => [i.code, i.raw, i.line, i.offset, i.end])).toEqual([
      ['unexpected_content', 'oops ', 1, 8, 13],
      ['unexpected_content', '"properties": ', 2, text.indexOf('"p'), text.indexOf('{"c"')],
      ['unexpected_content', ']]', 3, text.indexOf(']]'), text.indexOf(']]') + 2],
    ]);
  });

  it('a first line that is not JSON followed by a line opening a document makes a document', () => {
    const text = `"properties"\n{\n  "a": 1\n}\n`;
    const r = read(text);
    // The stray line is judged on its own at once (it is bad whatever the shape), then the document is sniffed.
    expect(r.failures.map((f) => [f.code, f.unit.line, f.unit.end])).toEqual([['not_an_object', 1, 13]]);
    expect(values(r.records)).toEqual([{ a: 1 }]);
    // ...but followed by a complete JSON line, the file is JSON Lines with a bad first line
    const jl = read(`"properties"\n{"a":1}\n`);
    expect(jl.position.mode).toBe('lines');
    expect(jl.failures.map((f) => f.code)).toEqual(['not_an_object']);
    expect(values(jl.records)).toEqual([{ a: 1 }]);
  });

  it('a stray first line then an unterminated second line at the end of the file: judged at finish(true)', () => {
    // The second line is sniffed as a first line: not JSON, opening with `{`, and the last: a truncated line.
    const r = read(`"properties"\n{"a":1} {"b":2}`);
    expect(r.failures.map((f) => [f.code, f.unit.text])).toEqual([['not_an_object', '"properties"']]);
    expect(r.issues.map((i) => [i.code, i.raw])).toEqual([['truncated', '{"a":1} {"b":2}']]);
    expect(values(r.records)).toEqual([]);
  });

  it('unexpected content at the end of the file is reported at finish(true)', () => {
    const r = read(`{"a":1}\ntrailing`, { start: { offset: 0, newlines: 0, mode: 'values' } });
    expect(r.issues.map((i) => [i.code, i.raw, i.offset, i.end])).toEqual([['unexpected_content', 'trailing', 8, 16]]);
  });

  it('an unclosed array at the end of the file: every element is returned, no issue', () => {
    const r = read(`[\n{"a":1},\n{"a":2},\n`);
    expect(values(r.records)).toEqual([{ a: 1 }, { a: 2 }]);
    expect(r.issues).toEqual([]);
    expect(r.position.mode).toBe('array');
  });
});

describe('Framer — incomplete and oversized document values', () => {
  it('an unterminated value stays pending at finish(false), then completes', () => {
    const text = `[\n{"a":1},\n{"b":\n2}\n]\n`;
    const file = Buffer.from(text);
    const cut = text.indexOf('{"b"') + 4;
    const f = new Framer({ start: { offset: 0, newlines: 0, mode: 'auto' }, maxUnitBytes: 100, maxRawBytes: 10 });
    expect(units(f.push(file.subarray(0, cut))).map((u) => u.text)).toEqual(['{"a":1}']);
    expect(f.finish(false)).toEqual([]);
    const pos: FramerPosition = f.position;
    expect(pos).toEqual({ offset: text.indexOf('{"b"'), newlines: 2, mode: 'array' });
    const rest = [...f.push(file.subarray(cut)), ...f.finish(true)];
    expect(rest).toEqual([{ kind: 'unit', offset: pos.offset, end: pos.offset + 8, line: 3, text: '{"b":\n2}', mode: 'array' }]);
    expect(frame(file, { start: pos }).items).toEqual(rest);
  });

  it('an unterminated value at finish(true) is a truncated issue', () => {
    const text = `[\n{"a":1},\n{"b": "abc`;
    const r = read(text, { maxRawBytes: 5 });
    expect(values(r.records)).toEqual([{ a: 1 }]);
    expect(r.issues).toEqual([
      {
        kind: 'issue',
        code: 'truncated',
        offset: 11,
        end: text.length,
        line: 3,
        message: expect.stringMatching(/ends inside a JSON value/),
        raw: '{"b":',
        rawTruncated: true,
        mode: 'array',
      },
    ]);
  });

  it('an oversized element is a line_too_long issue; depth is still tracked; memory stays bounded', () => {
    const big = { s: 'x'.repeat(500), nested: [{ a: '}' }, [']']] };
    const text = JSON.stringify([rec(1), big, rec(2)], null, 1);
    const file = Buffer.from(text);
    const max = 300;
    for (const size of [1, 7, 100, file.length]) {
      const r = read(file, { maxUnitBytes: max, maxRawBytes: 16, chunks: (rest) => chunksOf(rest, size) });
      expect(values(r.records)).toStrictEqual([rec(1), rec(2)]);
      expect(r.issues).toHaveLength(1);
      const bigStart = text.indexOf('{\n  "s"');
      expect(r.issues[0]).toMatchObject({
        code: 'line_too_long',
        offset: bigStart,
        line: text.slice(0, bigStart).split('\n').length,
        raw: text.slice(bigStart, bigStart + 16),
        rawTruncated: true,
        mode: 'array',
      });
      expect(r.issues[0]!.end).toBe(bigStart + JSON.stringify(big, null, 1).replace(/\n/g, '\n ').length);
      expect(r.maxBuffered).toBeLessThanOrEqual(max + size);
    }
  });

  it('an oversized pretty-printed object in values mode is an issue; the next one is read', () => {
    const text = `{\n "a": "${'y'.repeat(200)}"\n}\n{\n "b": 1\n}\n`;
    const r = read(text, { maxUnitBytes: 100, maxRawBytes: 8, chunks: (rest) => chunksOf(rest, 5) });
    expect(issues(r.items).map((i) => [i.code, i.line, i.raw])).toEqual([['line_too_long', 1, '{\n "a": ']]);
    expect(values(r.records)).toEqual([{ b: 1 }]);
    expect(r.maxBuffered).toBeLessThanOrEqual(105);
  });
});

describe('Framer — a broken element does not take the elements after it', () => {
  const five = [0, 1, 2, 3, 4].map(rec);
  const prettyArray = (texts: string[]): string => `[\n${texts.join(',\n')}\n]\n`;

  it('an element missing its closing brace: the next element is read; the broken one is one invalid unit, the array’s end stray bytes', () => {
    const texts = five.map((r) => JSON.stringify(r, null, 2));
    texts[1] = texts[1]!.slice(0, -1); // no closing brace
    const d = read(prettyArray(texts));
    expect(values(d.records)).toEqual([five[0], five[2], five[3], five[4]]);
    expect(d.failures.map((f) => [f.code, f.unit.line])).toEqual([['invalid_json', 13]]);
    // Up to the next element: its text and the comma after it, every byte quarantined.
    expect(d.failures[0]!.unit.text).toBe(`${texts[1]},\n`);
    expect(d.issues.map((i) => [i.code, i.raw])).toEqual([['unexpected_content', ']']]);
  });

  it('pretty values whose first element was cut to a first line of whole JSON: JSON Lines, every later line quarantined, none dropped (documented)', () => {
    const texts = five.slice(0, 3).map((r) => JSON.stringify(r, null, 2));
    // The first element's opening brace, then its last lines: its first line is `{    }`.
    texts[0] = `{${texts[0]!.slice(texts[0]!.lastIndexOf('    }'))}`;
    const body = `${texts.join('\n')}\n`;
    const d = read(body);
    expect(d.position.mode).toBe('lines');
    expect(values(d.records)).toEqual([{}]);
    // Every other non-blank line is a bad line of its own: counted and quarantined, none lost silently.
    const lines = body.split('\n').filter((line) => line.trim() !== '');
    expect(d.failures.length + d.issues.length).toBe(lines.length - 1);
  });

  it('a minified array whose element is cut inside a string: the elements from the one after next are read', () => {
    const texts = five.map((r) => JSON.stringify(r));
    texts[1] = texts[1]!.slice(0, texts[1]!.indexOf('CallDiagnostics') + 4);
    const d = read(`[${texts.join(',')}]\n`);
    // The cut string takes the next element's opening with it: that element is part of the broken one.
    expect(values(d.records)).toEqual([five[0], five[3], five[4]]);
    expect(d.failures.map((f) => f.code)).toEqual(['invalid_json']);
  });

  it('a pretty-printed wrapper whose element ends inside an object of a nested array: the next element is read', () => {
    const withList = (i: number): Record<string, unknown> => ({ ...rec(i), participants: [{ id: `p${i}` }, { id: `q${i}` }] });
    const records = [0, 1, 2, 3].map(withList);
    const texts = records.map((r) => JSON.stringify(r, null, '\t').replace(/^/gm, '\t\t'));
    const cut = texts[1]!.lastIndexOf(`"q1"`);
    texts[1] = texts[1]!.slice(0, cut + 4); // ends inside the second participant: `}`, `]` and `}` missing
    const file = `{\n\t"records": [\n${texts.join(',\n')}\n\t]\n}\n`;
    const d = read(file);
    expect(values(d.records)).toEqual([records[0], records[2], records[3]]);
    expect(d.failures.map((f) => f.code)).toEqual(['invalid_json']);
    // Cut anywhere, and resumed from any step, the same.
    expect(frame(Buffer.from(file), { chunks: (rest) => chunksOf(rest, [7, 3, 31]) }).items).toEqual(d.items);
  });

  it('values (pretty-printed objects one after another) with one missing its closing brace: the next object is read', () => {
    const texts = five.map((r) => JSON.stringify(r, null, 1));
    texts[2] = texts[2]!.slice(0, -1);
    const d = read(texts.join('\n') + '\n');
    expect(values(d.records)).toEqual([five[0], five[1], five[3], five[4]]);
    expect(d.failures.map((f) => f.code)).toEqual(['invalid_json']);
    expect(d.issues).toEqual([]);
  });

  it('a growing file that ends inside a broken element waits, then reads on once the next element has come', () => {
    const texts = five.map((r) => JSON.stringify(r, null, 2));
    texts[1] = texts[1]!.slice(0, -1);
    const file = Buffer.from(prettyArray(texts));
    const before = file.indexOf('"c-2"');
    const first = frame(file.subarray(0, before), { final: false });
    expect(values(read(file.subarray(0, before), { final: false }).records)).toEqual([five[0]]);
    const rest = frame(file, { start: first.position });
    expect(units(rest.items).map((u) => u.offset)[0]).toBe(first.position.offset);
    expect(issues(rest.items).map((i) => i.code)).toEqual(['unexpected_content']);
  });
});

describe('Framer — nesting', () => {
  it('an element nested deeper than MAX_DOCUMENT_DEPTH is followed no deeper, and read as one unit up to the next element; the element after it is read', () => {
    const deep = `${'{"a":'.repeat(MAX_DOCUMENT_DEPTH + 5)}1${'}'.repeat(MAX_DOCUMENT_DEPTH + 5)}`;
    const d = read(`[\n${JSON.stringify(rec(0), null, 2)},\n${deep},\n${JSON.stringify(rec(1), null, 2)}\n]\n`, { maxUnitBytes: 1 << 20 });
    // Whole up to the next element, it parses: a record for normalizing to judge.
    expect(values(d.records)).toEqual([rec(0), JSON.parse(deep), rec(1)]);
    expect(d.failures).toEqual([]);
    expect(d.issues.map((i) => [i.code, i.raw])).toEqual([['unexpected_content', ']']]);
    const nested = `${'{"a":'.repeat(MAX_DOCUMENT_DEPTH - 1)}1${'}'.repeat(MAX_DOCUMENT_DEPTH - 1)}`;
    expect(read(`[\n${nested}\n]\n`).failures).toEqual([]);
  });

  it('a run of a million opening brackets is one oversized issue, its bytes kept only up to the limit', () => {
    const run = frame(Buffer.from(`[\n{"a":${'['.repeat(1_000_000)}`), { maxUnitBytes: 4096, chunks: (rest) => chunksOf(rest, 65_536) });
    expect(run.maxBuffered).toBeLessThanOrEqual(4096 + 65_536);
    expect(issues(run.items).map((i) => i.code)).toEqual(['line_too_long']);
  });
});

describe('Framer — any legal layout stays whole; damage that only newlines can show', () => {
  const withList = (i: number): Record<string, unknown> => ({
    ...rec(i),
    properties: { ...(rec(i)['properties'] as object), participants: [{ id: `a${i}` }, { id: `b${i}` }] },
  });
  const timesOf = (d: { records: { value: Record<string, unknown> }[] }): unknown[] => d.records.map((r) => r.value['time']);
  const allCodes = (d: ReturnType<typeof read>): string[] => [...d.failures.map((f) => f.code), ...d.issues.map((i) => i.code)];

  it.each([
    [
      'tabs for eight columns (as unexpand and editors write them)',
      (s: string) => s.replace(/^( +)/gm, (m) => '\t'.repeat(Math.floor(m.length / 8)) + ' '.repeat(m.length % 8)),
    ],
    ['the first key line indented deeper than the rest', (s: string) => s.replace('\n    "time"', '\n          "time"')],
    ['every line at column 0', (s: string) => s.replace(/^ +/gm, '')],
    ['empty containers with a comma the decoder drops', (s: string) => s.replace(/"participants": \[/g, '"tags": [,], "none": {,}, "participants": [')],
  ])('%s: every element is read, nothing quarantined', (_name, layout) => {
    const records = [0, 1, 2].map(withList);
    const d = read(layout(JSON.stringify(records, null, 2)));
    expect(timesOf(d)).toEqual(records.map((r) => r['time']));
    expect(allCodes(d)).toEqual([]);
  });

  it('a nested value pasted in without its indentation: every element is read', () => {
    const props = JSON.stringify({ roomId: 'r0', participants: [{ id: 'a' }, { id: 'b' }] }, null, 2);
    const d = read(
      `{\n  "records": [\n    {\n      "time": "t0",\n      "properties": ${props}\n    },\n    {\n      "time": "t1",\n      "properties": ${props}\n    }\n  ]\n}\n`,
    );
    expect(timesOf(d)).toEqual(['t0', 't1']);
    expect(allCodes(d)).toEqual([]);
  });

  it('an element that lost its start into a string (an odd number of quotes left): a raw newline inside a string breaks it, the elements after the next are read', () => {
    const records = [0, 1, 2, 3, 4].map(withList);
    const texts = records.map((r) => JSON.stringify(r, null, 2));
    texts[1] = texts[1]!.slice('{\n  "time": "2024'.length);
    const d = read(`[\n${texts.join(',\n')}\n]\n`);
    expect(timesOf(d)).toEqual(expect.arrayContaining([records[0]!['time'], records[2]!['time'], records[3]!['time'], records[4]!['time']]));
  });

  it('a wrapper that lost its closing brace, then more wrappers: they are read, not skipped as its tail', () => {
    const wrapper = (t: string): string => JSON.stringify({ records: [{ time: t }] }, null, 2);
    const d = read(`${wrapper('A').slice(0, -1)}\n${wrapper('B')}\n${wrapper('C')}\n`);
    expect(timesOf(d)).toEqual(['A', 'B', 'C']);
  });

  it('a run of opening braces is one bad unit, not one per byte', () => {
    const run = frame(Buffer.from(`[\n${'{'.repeat(10_000)}\n]\n`), { chunks: (rest) => chunksOf(rest, 4096) });
    expect(run.items.length).toBeLessThan(5);
  });
});
