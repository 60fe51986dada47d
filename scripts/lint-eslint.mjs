// `npm run lint:eslint`: type-aware ESLint in four processes, one TypeScript program each (the app's
// code, the tests, the benchmarks, scripts and configs, the browser dashboard), so that no process
// holds more than one: the tests and the tools in one process peaked at 1.5 GB, enough for a small
// machine to kill it, against 0.9 GB and 0.5 GB apart. Each says on stdout how it ended, also one
// that ends without a verdict (a signal: out of memory, a time limit), instead of ending silently.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const eslint = path.join(root, 'node_modules', 'eslint', 'bin', 'eslint.js');
const PARTS = [
  { name: 'src (without the dashboard)', args: ['src', '--ignore-pattern', 'src/dashboard/**'] },
  { name: 'tests', args: ['test'] },
  { name: 'benchmarks, scripts and configs', args: ['.', '--ignore-pattern', 'src/**', '--ignore-pattern', 'test/**'] },
  { name: 'the dashboard', args: ['src/dashboard'] },
];

for (const part of PARTS) {
  const started = Date.now();
  const run = spawnSync(process.execPath, ['--max-old-space-size=2048', '--heap-growing-percent=50', eslint, ...part.args], { cwd: root, stdio: 'inherit' });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (run.error) {
    console.log(`eslint: ${part.name}: could not start: ${run.error.message}`);
    process.exit(1);
  }
  if (run.signal) {
    console.log(`eslint: ${part.name}: ended by ${run.signal} after ${seconds} s without a verdict (killed from outside: out of memory or a time limit?)`);
    process.exit(1);
  }
  if (run.status !== 0) {
    console.log(`eslint: ${part.name}: exit ${run.status} after ${seconds} s`);
    process.exit(run.status ?? 1);
  }
  console.log(`eslint: ${part.name}: no problems (${seconds} s)`);
}
