import { describe, expect, it } from 'vitest';
import { Framer } from '../../src/lib/reading/Framer.js';
import { decodeUnit } from '../../src/lib/reading/decodeUnit.js';
import type { FramedItem } from '../../src/lib/reading/types.js';

function frame(text: string, final = false): { items: FramedItem[]; mode: string } {
  const framer = new Framer({ start: { offset: 0, newlines: 0, mode: 'auto' }, maxUnitBytes: 64 * 1024, maxRawBytes: 200 });
  const items = [...framer.push(Buffer.from(text)), ...framer.finish(final)];
  return { items, mode: framer.position.mode };
}

const good = (i: number): string => JSON.stringify({ time: '2024-05-25T01:00:00Z', category: 'RoomsOperational', operationName: 'GetRoom', n: i });

describe('telling JSON Lines from documents at the start of a file', () => {
  it('a cut or corrupt first record does not swallow the good lines after it', () => {
    const text = `${good(0).slice(0, 40)}\n${good(1)}\n${good(2)}\n${good(3)}\n${good(4)}\n`;
    const { items, mode } = frame(text);
    expect(mode).toBe('lines');
    const decoded = items.map((item) => (item.kind === 'unit' ? decodeUnit(item).success : item.code));
    expect(decoded).toEqual([false, true, true, true, true]);
    expect(items[0]).toMatchObject({ kind: 'unit', line: 1 });
  });

  it('several cut or corrupt records at the start do not swallow the good lines after them', () => {
    const text = `{broken\n{broken2\n${good(0).slice(0, 30)}\n${good(1)}\n${good(2)}\n`;
    for (const final of [false, true]) {
      const { items, mode } = frame(text, final);
      expect(mode).toBe('lines');
      const decoded = items.map((item) => (item.kind === 'unit' ? decodeUnit(item).success : item.code));
      expect(decoded).toEqual([false, false, false, true, true]);
    }
  });

  it.each([
    ['a JSON array export', '[\n  {"a": 1},\n  {"b": 2}\n]\n', 2],
    ['a pretty-printed object after a lone brace', '{\n  "a": 1,\n  "b": 2\n}\n{\n  "c": 3\n}\n', 2],
    ['a pretty-printed object whose first key is on the first line', '{ "a": 1,\n  "b": 2 }\n', 1],
    ['a pretty-printed records wrapper', '{"records": [\n  {"a": 1},\n  {"b": 2}\n]}\n', 2],
    ['a document whose first two lines start with a brace', '{"a": [\n{"b": 1,\n"c": 2}]}\n', 1],
  ])('%s is still read as a document', (_name, text, records) => {
    const { items } = frame(text, true);
    const units = items.filter((item) => item.kind === 'unit');
    expect(units.flatMap((unit) => (unit.kind === 'unit' ? (decodeUnit(unit) as { records: unknown[] }).records : []))).toHaveLength(records);
    expect(items.filter((item) => item.kind === 'issue')).toEqual([]);
  });

  it('a first record longer than a unit may be is a line too long, and a broken line after it is quarantined at once', () => {
    const huge = JSON.stringify({ time: '2024-05-25T01:00:00Z', category: 'RoomsOperational', blob: 'x'.repeat(70 * 1024) });
    const text = `${huge}\n${good(1)}\n{"time": "2024-05-25T01:00:00Z", "cut\n${good(2)}\n`;
    const { items, mode } = frame(text);
    expect(mode).toBe('lines');
    const decoded = items.map((item) => (item.kind === 'unit' ? decodeUnit(item).success : item.code));
    expect(decoded).toEqual(['line_too_long', true, false, true]);
  });

  it.each([
    ['a records wrapper on one line', (body: string) => `{"records": [${body}]}\n`, 3],
    ['objects one after another on one line', (body: string) => body.replaceAll(',{', '{') + '\n', 3],
    ['an array on one line', (body: string) => `[${body}]\n`, 3],
  ])('%s longer than a unit may be is still read as a document', (_name, shape, records) => {
    const element = (i: number): string => JSON.stringify({ time: '2024-05-25T01:00:00Z', n: i, pad: 'y'.repeat(30 * 1024) });
    const { items, mode } = frame(shape([element(0), element(1), element(2)].join(',')), true);
    expect(mode).toBe('values');
    const units = items.filter((item) => item.kind === 'unit');
    expect(units.flatMap((unit) => (unit.kind === 'unit' ? (decodeUnit(unit) as { records: unknown[] }).records : []))).toHaveLength(records);
  });
});
