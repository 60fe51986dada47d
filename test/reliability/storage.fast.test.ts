import { describe, it } from 'vitest';
import { assertBlobScenario, assertScenario } from './support/assertScenario.js';
import { blobFaultScenario, concurrentScenario, faultScenario, killScenario } from './support/scenarios.js';

// The quick part of the reliability suite (runs in `npm test`); storage.reliability.ts is the long one.
describe('reliability against Azurite (quick)', () => {
  it('storage behind a chaos proxy (503/429, delays, resets mid-request and mid-response, lost answers): one clean pass', async () => {
    // Runs the SDK gave up on are allowed: they are crashes the next pass repairs.
    assertScenario(await faultScenario(101, 3, 1, 15, 6), true);
  });

  it('blob reads and tables behind chaos proxies (ranged reads cut mid-body, properties, listings), append blobs growing between passes, lines cut across appends: one clean pass', async () => {
    // Three seeds at once (each with its own proxies, blobs and tables), to stay quick.
    const reports = await Promise.all([104, 105, 106].map((seed) => blobFaultScenario(seed, 3, { hours: 1, rooms: 15, calls: 6 })));
    for (const report of reports) assertBlobScenario(report);
  });

  it('the processor SIGKILLed at random points 10 times, files growing: one clean pass', async () => {
    assertScenario(await killScenario(202, 10, 1, 20, 8, 1500));
  });

  it('8 processors at once on growing files: one clean pass', async () => {
    assertScenario(await concurrentScenario(303, 1, 8, 1, 15, 6));
  });
});
