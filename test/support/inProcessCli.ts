import { Writable } from 'node:stream';
import { runCli } from '../../src/cli/program.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A stream that keeps what is written to it: not a terminal, so tables fit `$COLUMNS` or 80. */
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

/** Runs the CLI in this process, as `acs-logs <args>` would, and keeps its exit code and output. */
export async function runInProcess(args: string[]): Promise<CliResult> {
  const out = collector();
  const err = collector();
  const code = await runCli(args, out, err);
  return { code, stdout: out.text(), stderr: err.text() };
}
