import { describe, expect, it } from 'vitest';
import { Framer } from '../../src/lib/reading/Framer.js';
import type { FramedItem, FramerPosition } from '../../src/lib/reading/types.js';
import { START, chunksOf, frame, issues, read, units } from './helpers.js';

const storageRecord = (i: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  time: `2024-03-01T10:0${i}:00.0000000Z`,
  resourceId: '/SUBSCRIPTIONS/0000/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/ACS',
  category: 'CallSummary',
  operationName: 'CallSummary',
  operationVersion: '1.0',
  correlationId: `corr-${i}`,
  level: 'Informational',
  resultType: 'Succeeded',
  durationMs: '123',
  callerIpAddress: '10.0.0.1',
  location: 'westeurope',
  properties: { participantId: `p-${i}`, endpointType: 'VoIP', sdkVersion: '1.2.3', callDuration: 42 + i, ...extra },
});

function jsonl(records: unknown[], eol = '\n'): string {
  return records.map((r) => JSON.stringify(r) + eol).join('');
}

function newFramer(start: FramerPosition = START, maxUnitBytes = 1 << 16, maxRawBytes = 64): Framer {
  return new Framer({ start, maxUnitBytes, maxRawBytes });
}

describe('Framer — JSON Lines', () => {
  it('reads storage-format records, one per LF-terminated line, with exact offsets and lines', () => {
    const recs = [storageRecord(1), storageRecord(2), storageRecord(3)];
    const text = jsonl(recs);
    const r = read(text);
    expect(r.issues).toEqual([]);
    expect(r.failures).toEqual([]);
    expect(r.records.map((x) => x.value)).toStrictEqual(recs);
    const lineLen = Buffer.byteLength(JSON.stringify(recs[0])) + 1;
    expect(units(r.items).map((u) => [u.offset, u.end, u.line])).toEqual([
      [0, lineLen, 1],
      [lineLen, 2 * lineLen, 2],
      [2 * lineLen, 3 * lineLen, 3],
    ]);
    expect(r.records.map((x) => x.position)).toEqual([0, lineLen, 2 * lineLen]);
    expect(r.records[1]!.value['properties']).toEqual({
      participantId: 'p-2',
      endpointType: 'VoIP',
      sdkVersion: '1.2.3',
      callDuration: 44,
    });
    expect(r.position).toEqual({ offset: 3 * lineLen, newlines: 3, mode: 'lines' });
  });

  it('strips CRLF, skips blank and whitespace-only lines but counts them, skips a BOM', () => {
    const a = JSON.stringify(storageRecord(1));
    const b = JSON.stringify(storageRecord(2));
    const text = `\uFEFF${a}\r\n\r\n  \t \r\n${b}\r\n\n`;
    const file = Buffer.from(text, 'utf8');
    expect(file.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const r = read(file);
    const u = units(r.items);
    expect(u.map((x) => x.text)).toEqual([a, b]);
    expect(u[0]).toMatchObject({ offset: 3, line: 1, end: 3 + a.length + 2 });
    const bStart = 3 + a.length + 2 + 2 + 6;
    expect(u[1]).toMatchObject({ offset: bStart, line: 4, end: bStart + b.length + 2 });
    expect(r.records.map((x) => x.value['correlationId'])).toEqual(['corr-1', 'corr-2']);
    expect(r.position).toEqual({ offset: file.length, newlines: 5, mode: 'lines' });
  });

  it('recognises a BOM split over single-byte chunks, and a file that is only a BOM', () => {
    const file = Buffer.from('\uFEFF{"a":1}\n', 'utf8');
    const r = frame(file, { chunks: (rest) => chunksOf(rest, 1) });
    expect(units(r.items)).toEqual([{ kind: 'unit', offset: 3, end: file.length, line: 1, text: '{"a":1}', mode: 'lines' }]);
    expect(read(Buffer.from([0xef, 0xbb, 0xbf])).items).toEqual([]);
    // Two bytes of a BOM only, then the end: they are content (a bad last line).
    const two = read(Buffer.from([0xef, 0xbb]));
    expect(issues(two.items).map((i) => i.code)).toEqual(['truncated']);
  });

  it('reads a line that starts with a BOM (files with one joined: cat a.json b.json) as its record; a BOM inside a line is still bad', () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const file = Buffer.concat([
      bom,
      Buffer.from('{"a":1}\n'),
      bom,
      Buffer.from('{"b":2}\n'),
      Buffer.from('{"c":'),
      bom,
      Buffer.from('3}\n'),
      bom,
      bom,
      Buffer.from('{"d":4}\n'),
    ]);
    const r = read(file);
    expect(r.records.map((x) => x.value)).toEqual([{ a: 1 }, { b: 2 }]);
    expect(r.failures.map((f) => f.code)).toEqual(['invalid_json', 'invalid_json']);
  });

  it('a line of records one after another (its line breaks left out) gives each record, at positions of its own', () => {
    const r = read('{"a":1}\n{"b":2}{"c":3}\n{"d":4}\n');
    expect(r.records.map((x) => [x.position, x.offset, x.line, x.value])).toEqual([
      [0, 0, 1, { a: 1 }],
      [8, 8, 2, { b: 2 }],
      [9, 8, 2, { c: 3 }],
      [23, 23, 3, { d: 4 }],
    ]);
    expect(r.failures).toEqual([]);
  });

  it('an empty or whitespace-only file yields nothing', () => {
    expect(read('').items).toEqual([]);
    const ws = read('\n \n\t\r\n');
    expect(ws.items).toEqual([]);
    expect(ws.position).toEqual({ offset: 6, newlines: 3, mode: 'lines' });
  });

  it('single-line JSON arrays are units with one record per element', () => {
    const text = '[{"a":1},{"a":2}]\n[{"a":3}]\n';
    const r = read(text);
    expect(units(r.items).map((u) => u.text)).toEqual(['[{"a":1},{"a":2}]', '[{"a":3}]']);
    expect(r.records.map((x) => [x.position, x.offset, x.line, x.value['a']])).toEqual([
      [0, 0, 1, 1],
      [1, 0, 1, 2],
      [18, 18, 2, 3],
    ]);
  });

  it('tolerates a trailing comma at the end of JSON lines', () => {
    const r = read('{"a":1,},\n{"a":2},\n');
    expect(r.records.map((x) => x.value)).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it('garbage lines are units whose decoding fails with invalid_json; good lines around them still count', () => {
    const text = 'hello world\n{"a":1}\n{"b":\n[1,2\n{"c":3}\n';
    const r = read(text);
    expect(r.issues).toEqual([]);
    expect(r.records.map((x) => x.value)).toEqual([{ a: 1 }, { c: 3 }]);
    expect(r.failures.map((f) => [f.unit.line, f.code])).toEqual([
      [1, 'invalid_json'],
      [3, 'invalid_json'],
      [4, 'invalid_json'],
    ]);
    expect(r.failures[0]!.message).toMatch(/invalid JSON: .+/);
  });

  it('line numbers and byte offsets are exact after multi-byte characters', () => {
    const l1 = '{"name":"Zoë – 東京 😀"}';
    const l3 = '{"n":"€"}';
    const text = `${l1}\n\n${l3}\n{"z":0}\n`;
    const r = read(text);
    const u = units(r.items);
    const o3 = Buffer.byteLength(l1) + 2;
    expect(u.map((x) => [x.offset, x.end, x.line])).toEqual([
      [0, Buffer.byteLength(l1) + 1, 1],
      [o3, o3 + Buffer.byteLength(l3) + 1, 3],
      [o3 + Buffer.byteLength(l3) + 1, Buffer.byteLength(text), 4],
    ]);
    expect(r.records[0]!.value['name']).toBe('Zoë – 東京 😀');
    expect(r.records[1]!.value['n']).toBe('€');
    // UTF-8 is longer than UTF-16: ë +1, – +2, 東京 +4, 😀 (4 bytes, 2 UTF-16 units) +2.
    expect(o3).toBe(l1.length + 9 + 2);
  });

  it('resumes from a saved lines position with absolute offsets and line numbers', () => {
    const text = '{"a":1}\n{"a":2}\n\n{"a":3}\n';
    const file = Buffer.from(text);
    const start: FramerPosition = { offset: 8, newlines: 1, mode: 'lines' };
    const r = frame(file, { start });
    expect(units(r.items)).toEqual([
      { kind: 'unit', offset: 8, end: 16, line: 2, text: '{"a":2}', mode: 'lines' },
      { kind: 'unit', offset: 17, end: 25, line: 4, text: '{"a":3}', mode: 'lines' },
    ]);
  });
});

describe('Framer — the last line of a growing file', () => {
  it('holds an incomplete last line at finish(false) and emits it when the rest arrives', () => {
    const f = newFramer();
    expect(f.push(Buffer.from('{"a":1}\n{"b":'))).toEqual([{ kind: 'unit', offset: 0, end: 8, line: 1, text: '{"a":1}', mode: 'lines' }]);
    expect(f.finish(false)).toEqual([]);
    expect(f.position).toEqual({ offset: 8, newlines: 1, mode: 'lines' });
    expect(f.push(Buffer.from('2}\n'))).toEqual([{ kind: 'unit', offset: 8, end: 16, line: 2, text: '{"b":2}', mode: 'lines' }]);
    expect(f.position).toEqual({ offset: 16, newlines: 2, mode: 'lines' });
  });

  it('a new framer from the held position reads the completed line', () => {
    const first = newFramer();
    first.push(Buffer.from('{"a":1}\n{"b":'));
    first.finish(false);
    const pos = first.position;
    const file = Buffer.from('{"a":1}\n{"b":2}\n');
    const resumed = newFramer(pos);
    expect([...resumed.push(file.subarray(pos.offset)), ...resumed.finish(false)]).toEqual([
      { kind: 'unit', offset: 8, end: 16, line: 2, text: '{"b":2}', mode: 'lines' },
    ]);
  });

  it('emits at finish(false) a last line without newline that is already a complete object', () => {
    const f = newFramer();
    expect(f.push(Buffer.from('{"a":1}\n{"b":2}'))).toHaveLength(1);
    expect(f.finish(false)).toEqual([{ kind: 'unit', offset: 8, end: 15, line: 2, text: '{"b":2}', mode: 'lines' }]);
    expect(f.position).toEqual({ offset: 15, newlines: 1, mode: 'lines' });
    // The newline and the next record arrive later.
    expect(f.push(Buffer.from('\n{"c":3}\n'))).toEqual([{ kind: 'unit', offset: 16, end: 24, line: 3, text: '{"c":3}', mode: 'lines' }]);
  });

  it('does not emit a partial number or string at finish(false), only objects and arrays', () => {
    const f = newFramer({ offset: 0, newlines: 0, mode: 'lines' });
    f.push(Buffer.from('{"a":1}\n12'));
    expect(f.finish(false)).toEqual([]);
    expect(f.position.offset).toBe(8);
  });

  it('holds a line cut inside a multi-byte UTF-8 character', () => {
    const line = '{"city":"Zürich","emoji":"🎉"}';
    const file = Buffer.from(`${line}\n`, 'utf8');
    const ue = file.indexOf(Buffer.from('ü'));
    const party = file.indexOf(Buffer.from('🎉'));
    for (const cut of [ue + 1, party + 1, party + 2, party + 3]) {
      const f = newFramer();
      expect(f.push(file.subarray(0, cut))).toEqual([]);
      expect(f.finish(false)).toEqual([]);
      expect(f.position).toEqual(START);
      const got = [...f.push(file.subarray(cut)), ...f.finish(true)];
      expect(got).toEqual([{ kind: 'unit', offset: 0, end: file.length, line: 1, text: line, mode: 'lines' }]);
    }
  });

  it('in auto mode, waits at finish(false) until the first line is complete', () => {
    const f = newFramer();
    expect(f.push(Buffer.from('{"a":'))).toEqual([]);
    expect(f.finish(false)).toEqual([]);
    expect(f.position).toEqual(START);
    expect(f.push(Buffer.from('1}\n'))).toHaveLength(1);
    expect(f.position).toEqual({ offset: 8, newlines: 1, mode: 'lines' });
  });

  it('at finish(true), emits a parseable last line without newline as a unit, else a truncated issue', () => {
    const ok = read('{"a":1}\n{"b":2}');
    expect(units(ok.items).map((u) => [u.text, u.end])).toEqual([
      ['{"a":1}', 8],
      ['{"b":2}', 15],
    ]);
    const cut = read('{"a":1}\n{"b":"abc');
    expect(cut.records.map((x) => x.value)).toEqual([{ a: 1 }]);
    expect(cut.issues).toEqual([
      {
        kind: 'issue',
        code: 'truncated',
        offset: 8,
        end: 17,
        line: 2,
        message: expect.stringMatching(/ends inside a line/),
        raw: '{"b":"abc',
        rawTruncated: false,
        mode: 'lines',
      },
    ]);
    expect(cut.position).toEqual({ offset: 17, newlines: 1, mode: 'lines' });
  });

  it('a truncated issue keeps at most maxRawBytes of the line', () => {
    const r = read(`{"a":1}\n{"b":"${'x'.repeat(100)}`, { maxRawBytes: 10 });
    expect(r.issues[0]).toMatchObject({ code: 'truncated', raw: '{"b":"xxxx', rawTruncated: true });
  });
});

describe('Framer — lines longer than maxUnitBytes', () => {
  const max = 100;

  it('become a line_too_long issue at their newline; memory stays bounded', () => {
    const long = `{"big":"${'é'.repeat(600)}"}`; // 1211 bytes
    const text = `{"a":1}\n${long}\r\n{"b":2}\n`;
    const file = Buffer.from(text);
    for (const size of [1, 7, 64, 500, file.length]) {
      const r = frame(file, { maxUnitBytes: max, maxRawBytes: 20, chunks: (rest) => chunksOf(rest, size) });
      expect(r.maxBuffered).toBeLessThanOrEqual(max + size);
      expect(r.maxBuffered).toBeLessThanOrEqual(max + 1);
      expect(units(r.items).map((u) => u.text)).toEqual(['{"a":1}', '{"b":2}']);
      const [issue] = issues(r.items);
      expect(issue).toMatchObject({
        code: 'line_too_long',
        offset: 8,
        end: 8 + Buffer.byteLength(long) + 2,
        line: 2,
        raw: Buffer.from(long).subarray(0, 20).toString('utf8'),
        rawTruncated: true,
        mode: 'lines',
      });
      expect(issue!.message).toContain(String(max));
    }
  });

  it('the limit is on the line without its CRLF: exactly maxUnitBytes is a unit, one more an issue', () => {
    const exact = `{"s":"${'x'.repeat(max - 8)}"}`;
    expect(Buffer.byteLength(exact)).toBe(max);
    const over = `{"s":"${'x'.repeat(max - 7)}"}`;
    const r = read(`${exact}\r\n${over}\r\n`, { maxUnitBytes: max });
    expect(units(r.items).map((u) => u.text)).toEqual([exact]);
    expect(issues(r.items).map((i) => [i.code, i.line])).toEqual([['line_too_long', 2]]);
  });

  it('a complete-looking last line one byte over the limit is not emitted at finish(false)', () => {
    const f = new Framer({ start: { offset: 0, newlines: 0, mode: 'lines' }, maxUnitBytes: 7, maxRawBytes: 4 });
    expect(f.push(Buffer.from('{"a":12}'))).toEqual([]);
    expect(f.finish(false)).toEqual([]);
    expect(f.finish(true).map((i) => [i.kind, i.kind === 'issue' ? i.code : ''])).toEqual([['issue', 'line_too_long']]);
  });

  it('a too-long line still unterminated at finish(false) stays pending; at finish(true) it is an issue', () => {
    const f = new Framer({ start: { offset: 0, newlines: 0, mode: 'lines' }, maxUnitBytes: max, maxRawBytes: 5 });
    const items: FramedItem[] = [];
    for (let i = 0; i < 50; i++) {
      items.push(...f.push(Buffer.from('x'.repeat(37))));
      expect(f.bufferedBytes).toBeLessThanOrEqual(max + 37);
    }
    expect(f.bufferedBytes).toBe(5);
    items.push(...f.finish(false));
    expect(items).toEqual([]);
    expect(f.position).toEqual({ offset: 0, newlines: 0, mode: 'lines' });
    expect(f.finish(true)).toEqual([
      {
        kind: 'issue',
        code: 'line_too_long',
        offset: 0,
        end: 50 * 37,
        line: 1,
        message: expect.any(String),
        raw: 'xxxxx',
        rawTruncated: true,
        mode: 'lines',
      },
    ]);
  });

  it('a first line longer than maxUnitBytes that is not JSON-like makes the file JSON Lines', () => {
    const text = `${'z'.repeat(300)}\n{"a":1}\n`;
    const r = read(text, { maxUnitBytes: max, maxRawBytes: 20, chunks: (rest) => chunksOf(rest, 9) });
    expect(issues(r.items).map((i) => i.code)).toEqual(['line_too_long']);
    expect(r.records.map((x) => x.value)).toEqual([{ a: 1 }]);
    expect(r.position.mode).toBe('lines');
    expect(r.maxBuffered).toBeLessThanOrEqual(max + 9);
  });
});
