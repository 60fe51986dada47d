import { describe, expect, it } from 'vitest';
import { rng } from '../support/random.js';
import { CATEGORY_CASES, hugeCall, oversizedFile, runOversized } from './support/oversized.js';
import { recordFigures } from './support/scenario.js';

/** Characters that grow in an escaped key, a URL or JSON: quotes, backslashes, controls, key separators, CJK, astral. */
const ALPHABET = ['a', 'Z', '"', '\\', '\u0001', '\u001f', '/', '#', '?', '%', '+', "'", '|', '~', '!', '中', 'é', '😀', ' '];

function randomValue(random: () => number): string {
  const length = [600, 1100, 5000, 33_000, 40_000, 70_000][Math.floor(random() * 6)] as number;
  const classes = ALPHABET.filter(() => random() < 0.4);
  const pool = classes.length > 0 ? classes : ['x'];
  const parts: string[] = [];
  let size = 0;
  while (size < length) {
    const piece = (pool[Math.floor(random() * pool.length)] as string).repeat(1 + Math.floor(random() * 50));
    parts.push(piece);
    size += piece.length;
  }
  // Cut whole characters only: a lone surrogate is another class of input (keys escape it; see keys.test.ts).
  const value = parts.join('').slice(0, length);
  return /[\ud800-\udbff]$/.test(value) ? value.slice(0, -1) : value;
}

// The long part: random values, lengths, character mixes, positions and segment sizes, many seeds.
describe('oversized values in every field that reaches a key or property (long, randomized)', () => {
  const seeds = Number(process.env['OVERSIZED_SEEDS'] ?? 6);
  for (let seed = 1; seed <= seeds; seed++) {
    it(`seed ${seed}: every field of every category with random oversized values, and a huge call`, async () => {
      const random = rng(7000 + seed);
      const values = Array.from({ length: 3 }, () => randomValue(random));
      const files = CATEGORY_CASES.map((category, i) => {
        const file = oversizedFile(category, 1000 * seed + i, values, 20 + Math.floor(random() * 60));
        return { container: category.container, records: file.records, unfit: file.unfit };
      });
      files.push({ container: 'callrecordingoperational', records: hugeCall(2000 + Math.floor(random() * 4000), seed), unfit: new Set() });
      const segmentRecords = 100 + Math.floor(random() * 2400);
      const report = await runOversized(files, segmentRecords);
      recordFigures({ scenario: 'oversized', seed, ...report, segmentRecords, valueLengths: values.map((value) => value.length) });
      expect(report.refused).toBeGreaterThanOrEqual(CATEGORY_CASES.length);
    });
  }
});
