import fc from 'fast-check';

// The property tests' seed, chosen once in vitest.config.ts (propertySeed): every test file's
// properties start from it, so a run can be repeated case for case.
const seed = process.env['FC_SEED'];
if (seed !== undefined && seed !== '') fc.configureGlobal({ seed: Number(seed) });
