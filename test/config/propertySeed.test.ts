import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

describe('the property tests’ seed', () => {
  it('is the run’s when it has one (FC_SEED, or the commit’s under CI), fast-check’s own otherwise', () => {
    const seed = process.env['FC_SEED'];
    // CI runs a git checkout: its commit gives the seed.
    if (process.env['CI'] === 'true') expect(seed).toMatch(/^-?\d+$/);
    if (seed === undefined || seed === '') expect(fc.readConfigureGlobal().seed).toBeUndefined();
    else expect(fc.readConfigureGlobal().seed).toBe(Number(seed));
  });
});
