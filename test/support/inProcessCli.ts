import { cli } from './cli.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in this process, as `acs-logs <args>` would, and keeps its exit code and output. */
export async function runInProcess(args: string[]): Promise<CliResult> {
  const run = await cli(args);
  if (run.code === null) throw new Error('an in-process run always has an exit code');
  return { code: run.code, stdout: run.stdout, stderr: run.stderr };
}
