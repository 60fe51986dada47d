import { defineFuzzTests } from './support/fuzzSuite.js';

// The quick part of the reliability suite (runs in `npm test`); fuzz.reliability.ts is the long one.
// A fixed seed keeps `npm test` deterministic; the long suite draws new cases on every run.
defineFuzzTests({ bytesRuns: 300, linesRuns: 200, normalizeRuns: 300, fileRuns: 8, extremeRuns: 300, seed: 20_261_122 });
