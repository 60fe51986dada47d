import { defineFuzzTests } from './support/fuzzSuite.js';

// The quick part of the reliability suite (runs in `npm test`); fuzz.reliability.ts is the long one.
defineFuzzTests({ bytesRuns: 300, linesRuns: 200, normalizeRuns: 300, fileRuns: 8 });
