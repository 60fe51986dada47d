// `npm run lint:eslint`: type-aware ESLint in three processes, one TypeScript program each (the app's
// code, the tests and tools with it, the browser dashboard), so that no process holds more than one;
// each says when it is done, and one that ends without a verdict (a signal: out of memory, a time
// limit) is named with how it ended instead of ending the output silently.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const eslint = path.join(root, 'node_modules', 'eslint', 'bin', 'eslint.js');
const PARTS = [
  { name: 'src (without the dashboard)', args: ['src', '--ignore-pattern', 'src/dashboard/**'] },
  { name: 'tests, benchmarks, scripts and configs', args: ['.', '--ignore-pattern', 'src/**'] },
  { name: 'the dashboard', args: ['src/dashboard'] },
];

for (const part of PARTS) {
  const started = Date.now();
  const run = spawnSync(process.execPath, ['--max-old-space-size=2048', '--heap-growing-percent=50', eslint, ...part.args], { cwd: root, stdio: 'inherit' });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (run.error) {
    console.error(`eslint: ${part.name}: could not start: ${run.error.message}`);
    process.exit(1);
  }
  if (run.signal) {
    console.error(`eslint: ${part.name}: ended by ${run.signal} after ${seconds} s without a verdict (killed from outside: out of memory or a time limit?)`);
    process.exit(1);
  }
  if (run.status !== 0) {
    console.error(`eslint: ${part.name}: exit ${run.status} after ${seconds} s`);
    process.exit(run.status ?? 1);
  }
  console.log(`eslint: ${part.name}: no problems (${seconds} s)`);
}
