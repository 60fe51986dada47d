import { describe, it } from 'vitest';
import { assertScenario } from './support/assertScenario.js';
import { concurrentScenario, faultScenario, killScenario } from './support/scenarios.js';

// The quick part of the reliability suite (runs in `npm test`); storage.reliability.ts is the long one.
describe('reliability against Azurite (quick)', () => {
  it('storage behind a chaos proxy (503/429, delays, resets mid-request and mid-response, lost answers): one clean pass', async () => {
    // Runs the SDK gave up on are allowed: they are crashes the next pass repairs.
    assertScenario(await faultScenario(101, 3, 1, 15, 6), true);
  });

  it('the processor SIGKILLed at random points 10 times, files growing: one clean pass', async () => {
    assertScenario(await killScenario(202, 10, 1, 20, 8, 1500));
  });

  it('8 processors at once on growing files: one clean pass', async () => {
    assertScenario(await concurrentScenario(303, 1, 8, 1, 15, 6));
  });
});
