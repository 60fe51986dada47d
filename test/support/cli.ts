import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { Writable } from 'node:stream';
import { runCli } from '../../src/cli/program.js';
import { TEST_BLOB_RETRY, TEST_TABLE_RETRY } from './storage.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');
const MAIN = path.join(ROOT, 'dist/src/cli/main.js');

export interface CliRun {
  code: number | null;
  signal?: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunningCli {
  child: ChildProcessWithoutNullStreams;
  /** Everything written so far. */
  output(): { stdout: string; stderr: string };
  done: Promise<CliRun>;
}

/** What a user's shell would not pass to the CLI in these tests: storage comes from flags or the embedded store. */
const CLEARED_ENV = ['AzureWebJobsStorage', 'ACS_LOGS_TABLE_PREFIX'];

/** Starts the built CLI as a user would, without AzureWebJobsStorage or a table prefix in its environment (plus `extraEnv`). */
export function startCli(args: string[], cwd = ROOT, extraEnv: NodeJS.ProcessEnv = {}): RunningCli {
  const env = { ...process.env };
  for (const name of CLEARED_ENV) delete env[name];
  Object.assign(env, extraEnv);
  const child = spawn(process.execPath, [MAIN, ...args], { cwd, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<CliRun>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, output: () => ({ stdout, stderr }), done };
}

/** Runs the built CLI in its own process to its end: for what only a real process shows (signals, the embedded store's host, the binary's exit code). */
export function cliProcess(args: string[], cwd = ROOT, extraEnv: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return startCli(args, cwd, extraEnv).done;
}

/** A stream that keeps what is written to it: not a terminal, as the output of a spawned CLI is not. */
function collector(): Writable & { text(): string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return Object.assign(stream, { text: () => text });
}

// The environment and working directory belong to the whole process: one in-process run at a time.
let previous: Promise<unknown> = Promise.resolve();

/**
 * Runs `acs-logs <args>` in this process, in `cwd`, with the environment `startCli` would give it,
 * and keeps its exit code and output. Much cheaper than a process per run; the same program and flags,
 * with the tests' short storage back-off.
 */
export function cli(args: string[], cwd = ROOT, extraEnv: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const run = previous.then(() => runHere(args, cwd, extraEnv));
  previous = run.catch(() => undefined);
  return run;
}

async function runHere(args: string[], cwd: string, extraEnv: NodeJS.ProcessEnv): Promise<CliRun> {
  const names = [...CLEARED_ENV, ...Object.keys(extraEnv)];
  const saved = new Map(names.map((name) => [name, process.env[name]]));
  const savedCwd = process.cwd();
  for (const name of CLEARED_ENV) delete process.env[name];
  Object.assign(process.env, extraEnv);
  process.chdir(cwd);
  const out = collector();
  const err = collector();
  try {
    // The tests' short back-off: a run against storage that fails does not wait on the SDK.
    const code = await runCli(args, out, err, { storageRetry: { tables: TEST_TABLE_RETRY, blobs: TEST_BLOB_RETRY } });
    return { code, stdout: out.text(), stderr: err.text() };
  } finally {
    process.chdir(savedCwd);
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}
