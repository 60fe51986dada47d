import { describe, expect, it } from 'vitest';
import { Framer } from '../../src/lib/reading/Framer.js';
import type { FramedItem } from '../../src/lib/reading/types.js';

const MAX = 20;

/** Frames `text` as JSON Lines (mode known, as when resuming), in chunks of `size` bytes. */
function frameLines(text: string, size: number): FramedItem[] {
  const framer = new Framer({ start: { offset: 0, newlines: 0, mode: 'lines' }, maxUnitBytes: MAX, maxRawBytes: 8 });
  const bytes = Buffer.from(text);
  const items: FramedItem[] = [];
  for (let at = 0; at < bytes.length; at += size) items.push(...framer.push(bytes.subarray(at, at + size)));
  items.push(...framer.finish(true));
  return items;
}

/** A JSON object line of exactly `bytes` bytes. */
const objectOf = (bytes: number): string => `{"s":"${'x'.repeat(bytes - 8)}"}`;

describe('line framer limits', () => {
  it.each([1, 3, 7, 64, 1024])('a line of exactly maxUnitBytes is a unit, one byte more an issue, CRLF or LF, in chunks of %i', (size) => {
    const lines = [objectOf(MAX), objectOf(MAX + 1), objectOf(MAX), objectOf(MAX + 1), ' ', objectOf(MAX - 1), objectOf(9)];
    const text = `${lines[0]}\n${lines[1]}\n${lines[2]}\r\n${lines[3]}\r\n${lines[4]}\n${lines[5]}\n${lines[6]}\r\n`;
    const items = frameLines(text, size);
    expect(items.map((item) => (item.kind === 'unit' ? item.text : item.code))).toEqual([
      lines[0],
      'line_too_long',
      lines[2],
      'line_too_long',
      lines[5],
      lines[6],
    ]);
    expect(items.map((item) => item.line)).toEqual([1, 2, 3, 4, 6, 7]);
    let offset = 0;
    const starts = text.split('\n').map((line) => ((offset += Buffer.byteLength(line) + 1), offset - Buffer.byteLength(line) - 1));
    expect(items.map((item) => [item.offset, item.end])).toEqual([0, 1, 2, 3, 5, 6].map((i) => [starts[i], starts[i + 1]]));
  });

  it('a line that does not start with { is a unit too, when it fits and is not blank', () => {
    const items = frameLines(`  {"a":1}\n[1]\n \t\r\nhello\n`, 4);
    expect(items.map((item) => (item.kind === 'unit' ? item.text : item.code))).toEqual(['  {"a":1}', '[1]', 'hello']);
  });
});
