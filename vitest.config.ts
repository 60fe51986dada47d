import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { defineConfig } from 'vitest/config';
import SlowFirstSequencer from './test/support/slowFirstSequencer.js';

/** Files that set the environment or start the Functions host, mock a module, or whose checks see other files' module state. */
const NEEDS_ISOLATION = [
  'test/cli/unreadableFolder.test.ts',
  'test/http/functions.test.ts',
  'test/http/unavailable.test.ts',
  'test/storage/tableStoreContract.test.ts',
  'test/cli/outage.test.ts',
  'test/cli/tables.test.ts',
];

function filesOf(...folders: string[]): string[] {
  return folders.flatMap((folder) =>
    readdirSync(new URL(`./${folder}/`, import.meta.url))
      .filter((name) => name.endsWith('.test.ts'))
      .map((name) => `${folder}/${name}`),
  );
}

/**
 * Tests of logic, queries, templates, processing, storage, HTTP handlers, the CLI in process and the
 * reliability scenarios: they change no environment variable, working directory or global, and keep
 * to their own tables, containers and data dirs,
 * so one worker runs many of them without loading the modules again for each file (isolate: false),
 * which is most of their cost.
 */
const SHARED_MODULE_TESTS = [
  'test/aggregating/**/*.test.ts',
  'test/bench/**/*.test.ts',
  'test/config/**/*.test.ts',
  'test/dashboard/api.test.ts',
  'test/processing/**/*.test.ts',
  ...filesOf('test/http', 'test/storage', 'test/cli', 'test/reliability').filter((file) => !NEEDS_ISOLATION.includes(file)),
  'test/dashboard/series.test.ts',
  'test/generating/**/*.test.ts',
  'test/infra/**/*.test.ts',
  'test/normalizing/**/*.test.ts',
  'test/querying/**/*.test.ts',
  'test/reading/**/*.test.ts',
];

/**
 * The seed of the property tests (fast-check): FC_SEED when given, to repeat a run; under CI, one
 * taken from the commit, so that a clean clone of a commit explores the same cases wherever it runs
 * (a failure found there is found again by anyone who runs that commit) while each commit explores
 * others; else none, and fast-check picks one per property (it prints it with any failure).
 */
function propertySeed(): string | undefined {
  const given = process.env['FC_SEED'];
  if (given !== undefined && given !== '') {
    if (!/^-?\d+$/.test(given)) throw new Error(`FC_SEED must be a whole number, got ${JSON.stringify(given)}`);
    return given;
  }
  if (process.env['CI'] === undefined || process.env['CI'] === '' || process.env['CI'] === 'false') return undefined;
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: new URL('.', import.meta.url), encoding: 'utf8' }).trim();
    return String(Number.parseInt(commit.slice(0, 8), 16) | 0);
  } catch {
    // Not a git checkout: fast-check's own seeds.
    return undefined;
  }
}

const seed = propertySeed();

export default defineConfig({
  test: {
    globalSetup: ['test/support/tempRootGlobalSetup.ts', 'test/support/azuriteGlobalSetup.ts'],
    setupFiles: ['test/support/functionsHost.ts', 'test/support/propertySeed.ts'],
    ...(seed === undefined ? {} : { env: { FC_SEED: seed } }),
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Processes, not threads: tests change the working directory and send signals.
    pool: 'forks',
    // The slowest files first, also where vitest has no durations of an earlier run.
    sequence: { sequencer: SlowFirstSequencer },
    // Most test time is spent waiting on Azurite, child processes and timers, not on a core: on a
    // 2-core machine three workers finish first (measured: 2 workers 138 s, 3 workers 127 s, 4 workers
    // 141 s, when the embedded-store and signal tests start processes of their own).
    maxWorkers: 3,
    projects: [
      { extends: true, test: { name: 'logic', include: SHARED_MODULE_TESTS, isolate: false } },
      // Each file in a fresh module graph: CLI, functions, processing and storage tests set the
      // environment, start servers and processes, or count what the Functions host registered.
      { extends: true, test: { name: 'io', include: ['test/**/*.test.ts'], exclude: SHARED_MODULE_TESTS } },
    ],
  },
});
