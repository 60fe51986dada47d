/**
 * Loaded with `node --import` into a measured command: writes its peak RSS (KiB, getrusage) and the
 * CPU time it used (microseconds, user and system) to $BENCH_RSS_FILE on exit.
 */
import { writeFileSync } from 'node:fs';

const target = process.env['BENCH_RSS_FILE'];
if (target) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    writeFileSync(target, `${usage.maxRSS} ${usage.userCPUTime + usage.systemCPUTime}`);
  });
}
