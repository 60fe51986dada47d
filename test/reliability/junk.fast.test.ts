import { defineJunkTests } from './support/junkSuite.js';

// The quick part of the reliability suite (runs in `npm test`); junk.reliability.ts is the long one.
defineJunkTests({ seeds: [401], records: 30, blockLines: 40, appends: 3 });
