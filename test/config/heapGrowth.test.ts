import { execFile } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { heapGrowthGiven } from '../../src/lib/config/heapGrowth.js';

const run = promisify(execFile);
const BUILT = pathToFileURL(path.resolve(import.meta.dirname, '../../dist/src/lib/config/heapGrowth.js')).href;

/**
 * A process shaped like the per-file loop: a live set that stays (the run's cache) and batches that
 * live long enough to be promoted, then die (segments). Prints the most heap ever in use, MiB.
 */
const CHURN = `
import { getHeapStatistics } from 'node:v8';
if (process.argv[1] === 'limit') (await import(${JSON.stringify(BUILT)})).limitHeapGrowth([]);
const live = [];
for (let i = 0; i < 300000; i++) live.push({ i, s: 'x' + i });
const held = [];
let peak = 0;
for (let round = 0; round < 150; round++) {
  const batch = [];
  for (let i = 0; i < 20000; i++) batch.push({ round, i, s: 'y' + i });
  held.push(batch);
  if (held.length > 3) held.shift();
  peak = Math.max(peak, getHeapStatistics().used_heap_size);
}
console.log(String(Math.round(peak / 2 ** 20)) + ' ' + live.length);
`;

async function peakHeapMib(mode: 'default' | 'limit'): Promise<number> {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', CHURN, mode], { timeout: 30_000 });
  return Number(stdout.trim().split(' ')[0]);
}

describe('limitHeapGrowth', () => {
  it('keeps the heap of a churning process within twice its live set (V8 alone lets it grow to several times it)', async () => {
    const [unlimited, limited] = await Promise.all([peakHeapMib('default'), peakHeapMib('limit')]);
    // The live set is about 30 MiB: V8's own growth reaches 150 MiB and more.
    expect(unlimited).toBeGreaterThan(100);
    expect(limited).toBeLessThan(unlimited * 0.7);
  });

  it.each([
    [['--heap-growing-percent=80'], true],
    [['--heap-growing-percent', '80'], true],
    [['--heap_growing_percent=80'], true],
    [['--max-old-space-size=512', '--inspect'], false],
    [[], false],
  ])('leaves a growth Node was started with alone: %j → %s', (execArgv, given) => {
    expect(heapGrowthGiven(execArgv)).toBe(given);
  });
});
