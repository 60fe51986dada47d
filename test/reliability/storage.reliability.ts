import { describe, it } from 'vitest';
import { assertScenario } from './support/assertScenario.js';
import { concurrentScenario, faultScenario, killScenario } from './support/scenarios.js';

const SCALE = Number(process.env['RELIABILITY_SCALE'] ?? 1);

describe('reliability against Azurite (long)', () => {
  for (const seed of [11, 12, 13, 14, 15]) {
    it(`chaos proxy in front of the tables, seed ${seed}: one clean pass`, async () => {
      assertScenario(await faultScenario(seed, 6, 2, 25, 10), true);
    });
  }

  for (const seed of [21, 22, 23]) {
    it(`the processor SIGKILLed at random points ${Math.round(100 * SCALE)} times, seed ${seed}: one clean pass`, async () => {
      assertScenario(await killScenario(seed, Math.round(100 * SCALE), 4, 25, 10, 2500));
    });
  }

  for (const seed of [31, 32]) {
    it(`8 processors at once on growing files, 5 rounds, seed ${seed}: one clean pass`, async () => {
      assertScenario(await concurrentScenario(seed, 5, 8, 3, 25, 10));
    });
  }
  it('12 processors at once, 3 rounds: one clean pass', async () => {
    assertScenario(await concurrentScenario(41, 3, 12, 2, 25, 10));
  });
});
