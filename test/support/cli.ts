import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';

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

/** Starts the built CLI as a user would, without AzureWebJobsStorage or a table prefix in its environment (plus `extraEnv`). */
export function startCli(args: string[], cwd = ROOT, extraEnv: NodeJS.ProcessEnv = {}): RunningCli {
  const env = { ...process.env };
  delete env['AzureWebJobsStorage'];
  delete env['ACS_LOGS_TABLE_PREFIX'];
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

/** Runs the built CLI to its end. */
export function cli(args: string[], cwd = ROOT, extraEnv: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return startCli(args, cwd, extraEnv).done;
}
