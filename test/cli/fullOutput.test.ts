import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTestDir } from '../support/embedded.js';
import { cli, ROOT } from '../support/cli.js';

/** Linux's /dev/full: every write to it fails with ENOSPC, as a file on a full disk does. */
const FULL = '/dev/full';

let work: string;
let tree: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'acs-logs-full-output-'));
  tree = path.join(work, 'logs');
  expect((await cli(['generate', '--out', tree, '--hours', '2', '--rooms-per-hour', '4', '--calls-per-hour', '2'])).code).toBe(0);
});
afterAll(async () => {
  await removeTestDir(work);
});

/** The built CLI with stdout (or stderr) redirected to a full disk, as `> /mnt/full/out.csv` does; the other stream is kept. */
function intoFullDisk(args: string[], stream: 'stdout' | 'stderr'): Promise<{ code: number | null; text: string }> {
  const full = openSync(FULL, 'w');
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/src/cli/main.js'), ...args], {
    cwd: ROOT,
    stdio: ['ignore', stream === 'stdout' ? full : 'pipe', stream === 'stderr' ? full : 'pipe'],
  });
  closeSync(full);
  let text = '';
  (stream === 'stdout' ? child.stderr : child.stdout)?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, text }));
  });
}

describe.runIf(process.platform === 'linux' && existsSync(FULL))('output that cannot be written (a full disk)', () => {
  it('a command that prints fails with one line saying its output is incomplete, not a stack trace', async () => {
    for (const args of [['--help'], ['query', 'rooms', '--format', 'csv', '--data-dir', path.join(work, 'empty')]]) {
      const { code, text } = await intoFullDisk(args, 'stdout');
      expect(code, text).toBe(1);
      expect(text).toMatch(/^acs-logs: its output could not be written \(ENOSPC: no space left on device, write\): what was written of it is incomplete\n$/m);
      expect(text).not.toMatch(/^\s+at /m);
    }
    // The store the query opened is let go: the next command runs at once.
    const next = await cli(['query', 'rooms', '--format', 'csv', '--data-dir', path.join(work, 'empty')]);
    expect(next.code, next.stderr).toBe(0);
  }, 60_000);

  it('process says what it kept and that running it again goes on', async () => {
    const dataDir = path.join(work, 'store');
    const { code, text } = await intoFullDisk(['process', tree, '--data-dir', dataDir], 'stdout');
    expect(code, text).toBe(1);
    expect(text).toMatch(/^acs-logs: stopped by a failed write of its output \(ENOSPC: .*\): what it wrote is kept, .*run the same command again to go on/m);
    expect(text).not.toMatch(/^\s+at /m);
    const rest = await cli(['process', tree, '--data-dir', dataDir, '--quiet']);
    expect(rest.code, rest.stderr).toBe(0);
  }, 60_000);

  it('diagnostics that cannot be written are lost, the command and its output go on', async () => {
    const query = await intoFullDisk(['query', 'rooms', '--data-dir', path.join(work, 'quiet')], 'stderr');
    expect(query).toEqual({ code: 0, text: '(no rows)\n' });
    // A usage error is still exit 2 when its message cannot be written.
    expect((await intoFullDisk(['query', 'rooms', '--bogus'], 'stderr')).code).toBe(2);
  }, 60_000);
});
