import { describe, expect, it } from 'vitest';
import { Framer } from '../../src/lib/reading/Framer.js';
import { decodeUnit } from '../../src/lib/reading/decodeUnit.js';
import type { FramedItem, FramerPosition } from '../../src/lib/reading/types.js';
import { chunksOf, frame } from './helpers.js';

const START: FramerPosition = { offset: 0, newlines: 0, mode: 'auto' };
const rec = (i: number): Record<string, unknown> => ({ time: '2024-05-25T01:00:00Z', category: 'RoomsOperational', operationName: 'GetRoom', n: i });

function records(items: readonly FramedItem[]): unknown[] {
  return items.flatMap((item) => {
    if (item.kind !== 'unit') return [];
    const decoded = decodeUnit(item);
    return decoded.success ? decoded.records.map((r) => r.value) : [];
  });
}

describe('framing edge cases', () => {
  it.each([
    ['a Log Analytics export array', JSON.stringify([rec(1), rec(2), rec(3)])],
    ['a records wrapper', JSON.stringify({ records: [rec(1), rec(2), rec(3)] })],
  ])('%s on one line without a final newline is read before the file is final', (_name, text) => {
    const run = frame(Buffer.from(text), { final: false });
    expect(records(run.items)).toEqual([rec(1), rec(2), rec(3)]);
    expect(run.position.offset).toBe(Buffer.byteLength(text));
  });

  it('a first line that is not JSON and ends is judged at once, not left waiting for a second line', () => {
    const run = frame(Buffer.from('hello world\n'), { final: false });
    expect(run.items).toHaveLength(1);
    expect(run.items[0]).toMatchObject({ kind: 'unit', offset: 0, end: 12, line: 1, text: 'hello world' });
    const item = run.items[0]!;
    expect(item.kind === 'unit' ? decodeUnit(item) : item).toMatchObject({ code: 'invalid_json' });
    expect(run.position).toMatchObject({ offset: 12, newlines: 1 });
  });

  it('junk first lines before JSON Lines and before a pretty-printed document are judged one by one', () => {
    const lines = frame(Buffer.from(`hello\n\nworld\n${JSON.stringify(rec(1))}\n${JSON.stringify(rec(2))}\n`), { final: false });
    expect(lines.items.map((item) => item.line)).toEqual([1, 3, 4, 5]);
    expect(records(lines.items)).toEqual([rec(1), rec(2)]);
    const doc = frame(Buffer.from(`"properties"\n{\n  "a": 1\n}\n`), { final: true });
    expect(records(doc.items)).toEqual([{ a: 1 }]);
    expect(doc.items).toHaveLength(2);
  });

  const utf16 = (text: string, encoding: 'le' | 'be', bom: boolean): Buffer => {
    const le = Buffer.from((bom ? '\uFEFF' : '') + text, 'utf16le');
    if (encoding === 'le') return le;
    const be = Buffer.from(le);
    be.swap16();
    return be;
  };

  for (const encoding of ['le', 'be'] as const) {
    for (const bom of [true, false]) {
      it(`UTF-16${encoding.toUpperCase()} ${bom ? 'with' : 'without'} a BOM is reported as unsupported_encoding, one item per line, in any chunking`, () => {
        const text = `${JSON.stringify(rec(1))}\n${JSON.stringify({ ...rec(2), name: 'Zoë 東京 😀' })}\n${JSON.stringify(rec(3))}\n`;
        const file = utf16(text, encoding, bom);
        const whole = frame(file, { final: true, maxRawBytes: 1000 });
        expect(whole.items.map((item) => (item.kind === 'issue' ? item.code : 'unit'))).toEqual([
          'unsupported_encoding',
          'unsupported_encoding',
          'unsupported_encoding',
        ]);
        expect(whole.items.map((item) => item.line)).toEqual([1, 2, 3]);
        expect(whole.items[1]).toMatchObject({ raw: JSON.stringify({ ...rec(2), name: 'Zoë 東京 😀' }) + '\n' });
        expect(whole.items[2]!.end).toBe(file.length);
        for (const size of [1, 2, 3, 7])
          expect(frame(file, { final: true, maxRawBytes: 1000, chunks: (rest) => chunksOf(rest, size) }).items).toEqual(whole.items);
        // Resumable: the position after the first line frames the rest the same way.
        const framer = new Framer({ start: START, maxUnitBytes: 1 << 16, maxRawBytes: 1000 });
        const firstLineEnd = whole.items[0]!.end;
        framer.push(file.subarray(0, firstLineEnd + 1));
        expect(frame(file, { start: framer.position, final: true, maxRawBytes: 1000 }).items).toEqual(whole.items.slice(1));
      });
    }
  }

  it('two stray bytes FF FE at the head of a UTF-8 file are garbage in its first line: the other lines are read, in any chunking', () => {
    const file = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${JSON.stringify(rec(1))}\n${JSON.stringify(rec(2))}\n${JSON.stringify(rec(3))}\n`)]);
    const whole = frame(file, { final: true });
    expect(records(whole.items)).toEqual([rec(2), rec(3)]);
    expect(whole.items.map((item) => item.line)).toEqual([1, 2, 3]);
    expect(whole.position).toMatchObject({ offset: file.length, newlines: 3, mode: 'lines' });
    for (const size of [1, 2, 3, 5]) expect(frame(file, { final: true, chunks: (rest) => chunksOf(rest, size) }).items).toEqual(whole.items);
  });

  it('a UTF-16 file that is still growing keeps its last partial line waiting', () => {
    const file = Buffer.from('{"a":1}\n{"b"', 'utf16le');
    const run = frame(file, { final: false });
    expect(run.items).toHaveLength(1);
    expect(run.position).toMatchObject({ offset: 16, newlines: 1, mode: 'utf16le' });
  });

  it('stops after any item when asked, at a position that resumes exactly there', () => {
    const text = `${JSON.stringify(rec(1))}\nbad\n\n${JSON.stringify(rec(2))}\n[${JSON.stringify(rec(3))},\n${JSON.stringify(rec(4))}]\n`;
    const file = Buffer.from(`x\n${text}`);
    const all = frame(file, { final: true }).items;
    for (let stopAfter = 1; stopAfter <= all.length; stopAfter++) {
      const framer = new Framer({ start: START, maxUnitBytes: 1 << 16, maxRawBytes: 100 });
      const seen: FramedItem[] = [];
      const stopped = framer.pushTo(file, (item) => {
        seen.push(item);
        return seen.length < stopAfter;
      });
      expect(stopped).toBe(stopAfter < all.length || seen.length === stopAfter);
      expect(seen).toEqual(all.slice(0, stopAfter));
      expect(framer.position.offset).toBe(seen[seen.length - 1]!.end);
      if (stopAfter < all.length) expect(frame(file, { start: framer.position, final: true }).items).toEqual(all.slice(stopAfter));
    }
  });
});
