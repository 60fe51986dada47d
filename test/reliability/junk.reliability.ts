import { defineJunkTests } from './support/junkSuite.js';

const SCALE = Number(process.env['RELIABILITY_SCALE'] ?? 1);

defineJunkTests({ seeds: [411, 412, 413, 414, 415, 416], records: Math.round(300 * SCALE), blockLines: 3_000, appends: 8 });
