// `npm run lint`: Prettier's check, the ESLint rules that need no types over every file and the layer
// rules; `npm run lint:types` (also run by `npm test`): the type-aware ESLint rules. Jobs run two at a
// time, the longest first, each with its output held until it ends and then written with a verdict line
// on stdout (also for a job ended by a signal: out of memory, a time limit). Type-aware ESLint builds one
// TypeScript program per process: the app's code, the tests and the benchmarks share tsconfig.json's
// (about 1.5 GB of RSS, 30-40 s alone), the browser dashboard has its own. Arguments name the groups to
// run (`format`, `eslint`, `layers`, `types`); none runs all but `types`.
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const node = process.execPath;
// A larger young generation: the TypeScript program's objects live for the whole run, and copying them
// out of 16 MiB semi-spaces cost the src job about a tenth of its time (32.7 s instead of 36, alone).
const eslint = [
  node,
  '--max-old-space-size=2048',
  '--heap-growing-percent=50',
  '--max-semi-space-size=32',
  path.join(root, 'node_modules', 'eslint', 'bin', 'eslint.js'),
];

/**
 * Longest first. `npm run lint` (no argument) runs every group but `types`: Prettier, the rules that
 * need no types over every file, and the layers, in about 20 s on 2 cores. The type-aware rules need
 * the whole TypeScript program, about 40 s of one core and 1.5 GB (more on a busy machine): a lint
 * that held them was ended by callers' time limits before its verdict, so they are a group of their
 * own (`npm run lint:types`), which `npm test` runs after the compiler's check.
 */
const JOBS = [
  {
    group: 'types',
    name: 'eslint (type-aware): src, tests and benchmarks',
    command: [...eslint, 'src', 'test', 'bench', 'vitest.config.ts', '--ignore-pattern', 'src/dashboard/**'],
  },
  { group: 'format', name: 'format', command: [node, path.join(root, 'node_modules', 'prettier', 'bin', 'prettier.cjs'), '--check', '.'] },
  { group: 'eslint', name: 'eslint: every file, the rules that need no types', command: [...eslint, '.'], env: { ACSLOGS_LINT_TYPES: '0' } },
  { group: 'types', name: 'eslint (type-aware): the dashboard', command: [...eslint, 'src/dashboard'] },
  // Says its own `layers:` verdict.
  { group: 'layers', name: 'layers', command: [node, path.join(root, 'scripts', 'lint-layers.mjs')], ownVerdict: true },
];

const groups = process.argv.slice(2);
const unknown = groups.filter((group) => !JOBS.some((job) => job.group === group));
if (unknown.length > 0) {
  console.log(`lint: unknown group ${unknown.join(', ')} (groups: format, eslint, layers, types)`);
  process.exit(2);
}
const queue = JOBS.filter((job) => (groups.length === 0 ? job.group !== 'types' : groups.includes(job.group)));
let failed = false;

/** Runs a job to its end, its output held, then writes the output and how the job ended. */
function run(job) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(job.command[0], job.command.slice(1), { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...job.env } });
    const out = [];
    const err = [];
    child.stdout.on('data', (chunk) => out.push(chunk));
    child.stderr.on('data', (chunk) => err.push(chunk));
    const end = (verdict, ok) => {
      process.stdout.write(Buffer.concat(out));
      process.stderr.write(Buffer.concat(err));
      if (verdict !== null) console.log(verdict);
      if (!ok) failed = true;
      resolve();
    };
    child.once('error', (error) => end(`${job.name}: could not start: ${error.message}`, false));
    child.once('close', (code, signal) => {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      if (signal) end(`${job.name}: ended by ${signal} after ${seconds} s without a verdict (killed from outside: out of memory or a time limit?)`, false);
      else if (code !== 0) end(job.ownVerdict ? null : `${job.name}: exit ${code} after ${seconds} s`, false);
      else end(job.ownVerdict ? null : `${job.name}: no problems (${seconds} s)`, true);
    });
  });
}

async function lane() {
  for (let job = queue.shift(); job !== undefined; job = queue.shift()) await run(job);
}

// Said first, so that a run cut short from outside still names the jobs it was running.
console.log(`lint: ${queue.map((job) => job.name).join(', ')}, two at a time`);
// Two at a time: each job is one thread of work, and more at once would only add their memory.
await Promise.all(Array.from({ length: Math.min(2, availableParallelism()) }, lane));
process.exitCode = failed ? 1 : 0;
