import { defineFuzzTests } from './support/fuzzSuite.js';

defineFuzzTests({ bytesRuns: 20_000, linesRuns: 5_000, normalizeRuns: 20_000, fileRuns: 150, extremeRuns: 20_000 });
