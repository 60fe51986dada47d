/** Loaded with `node --import` into a measured command: writes its peak RSS (KiB, getrusage) to $BENCH_RSS_FILE on exit. */
import { writeFileSync } from 'node:fs';

const target = process.env['BENCH_RSS_FILE'];
if (target) process.on('exit', () => writeFileSync(target, String(process.resourceUsage().maxRSS)));
