import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { COMPRESSED_MESSAGE } from '../../src/lib/reading/compressedBytes.js';
import { chunksOf, frame, issues, randomChunks, units } from './helpers.js';

const TEXT = Array.from({ length: 200 }, (_, i) => JSON.stringify({ time: '2024-05-25T10:00:00Z', category: 'Usage', n: i }) + '\n').join('');

/** A gzip of JSON Lines, and archives' first bytes followed by the text itself (what matters is the head). */
const FILES: Record<string, Buffer> = {
  gzip: gzipSync(TEXT),
  zip: Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from(TEXT)]),
  zstd: Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.from(TEXT)]),
  xz: Buffer.concat([Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), Buffer.from(TEXT)]),
  bzip2: Buffer.concat([Buffer.from('BZh9'), Buffer.from(TEXT)]),
};

function newlinesIn(buf: Buffer): number {
  let n = 0;
  for (const b of buf) if (b === 0x0a) n++;
  return n;
}

describe('a compressed file', () => {
  for (const [format, file] of Object.entries(FILES)) {
    it(`${format}: every byte is consumed as unsupported_encoding at once, whatever the chunks, without waiting for a newline`, () => {
      for (const chunks of [undefined, (rest: Buffer) => chunksOf(rest, 1), (rest: Buffer) => randomChunks(rest, 7)]) {
        const run = frame(file, { final: false, ...(chunks ? { chunks } : {}) });
        expect(units(run.items)).toEqual([]);
        const bad = issues(run.items);
        expect(bad.length).toBeGreaterThan(0);
        expect(bad.every((issue) => issue.code === 'unsupported_encoding' && issue.message === COMPRESSED_MESSAGE && issue.raw === '')).toBe(true);
        // Contiguous from the first byte to the last, line numbers as the file's newlines say.
        expect(bad[0]?.offset).toBe(0);
        for (let i = 1; i < bad.length; i++) expect(bad[i]?.offset).toBe(bad[i - 1]?.end);
        expect(bad.at(-1)?.end).toBe(file.length);
        for (const issue of bad) expect(issue.line).toBe(newlinesIn(file.subarray(0, issue.offset)) + 1);
        expect(run.position).toEqual({ offset: file.length, newlines: newlinesIn(file), mode: 'compressed' });
        expect(run.maxBuffered).toBeLessThanOrEqual(4);
      }
    });
  }

  it('read on from a saved position, and from the start again, the same bytes are the same issues', () => {
    const file = FILES['gzip'] as Buffer;
    const first = frame(file.subarray(0, 100), { final: false });
    const rest = frame(file, { start: first.position, final: true });
    expect(issues(rest.items).map((issue) => [issue.offset, issue.end, issue.code, issue.message])).toEqual([
      [100, file.length, 'unsupported_encoding', COMPRESSED_MESSAGE],
    ]);
    const again = frame(file, { start: { offset: 0, newlines: 0, mode: 'compressed' } });
    expect(issues(again.items).map((issue) => [issue.offset, issue.end])).toEqual([[0, file.length]]);
  });
});
