import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTestDir } from '../support/embedded.js';
import { cli, startCli } from '../support/cli.js';

/** A reader that stops early (`| head`): the built CLI in its own process, its stdout closed after its first line. */
let work: string;
let tree: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'acs-logs-closed-output-'));
  tree = path.join(work, 'logs');
  expect((await cli(['generate', '--out', tree, '--hours', '12', '--rooms-per-hour', '4', '--calls-per-hour', '2'])).code).toBe(0);
});
afterAll(async () => {
  await removeTestDir(work);
});

async function closedAfterFirstLine(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const running = startCli(args);
  await new Promise<void>((resolve) => {
    const onData = (): void => {
      if (!running.output().stdout.includes('\n')) return;
      running.child.stdout.off('data', onData);
      running.child.stdout.destroy();
      resolve();
    };
    running.child.stdout.on('data', onData);
  });
  const { code, stderr } = await running.done;
  return { code, stderr };
}

describe('a command whose output is closed', () => {
  it('process stops as if by SIGPIPE and says so: exit 0 would pass for a finished run; run again, it finishes', async () => {
    const dataDir = path.join(work, 'store');
    // One file at a time: its lines come one by one, long after the first.
    const stopped = await closedAfterFirstLine(['process', tree, '--data-dir', dataDir, '--concurrency', '1']);
    expect(stopped.code).toBe(141);
    expect(stopped.stderr).toMatch(/^acs-logs: stopped by SIGPIPE \(its output was closed\): what it wrote is kept, .*run the same command again to go on/m);
    const rest = await cli(['process', tree, '--data-dir', dataDir, '--quiet']);
    expect(rest.code, rest.stderr).toBe(0);
    expect(rest.stdout).toMatch(/, [1-9]\d* with new data: /);
  });

  it('watch stops as if by SIGPIPE and says so, as process does', async () => {
    const dataDir = path.join(work, 'watched');
    expect((await cli(['generate', '--data-dir', dataDir, '--hours', '2', '--rooms-per-hour', '4', '--calls-per-hour', '2'])).code).toBe(0);
    // Its first line says what it watches; the files it then processes meet the closed output.
    const stopped = await closedAfterFirstLine(['watch', '--data-dir', dataDir, '--interval', '1', '--duration', '60', '--concurrency', '1']);
    expect(stopped.code).toBe(141);
    expect(stopped.stderr).toMatch(/^acs-logs: stopped by SIGPIPE \(its output was closed\): what it wrote is kept, .*run the same command again to go on/m);
  }, 90_000);

  it('health --fail-on-degraded whose report nobody reads still exits 3 when degraded, saying why', async () => {
    const dataDir = path.join(work, 'degraded');
    const bad = path.join(work, 'bad.json');
    await writeFile(bad, 'not a log record\n');
    expect((await cli(['process', bad, '--category', 'RoomsOperational', '--data-dir', dataDir])).code).toBe(0);
    // As `health --fail-on-degraded | true` does: the output is closed before the report is written.
    const running = startCli(['health', '--fail-on-degraded', '--data-dir', dataDir]);
    running.child.stdout.destroy();
    const { code, stderr } = await running.done;
    expect(code).toBe(3);
    // Said once, whether the closed output or the command's own end comes first.
    expect(stderr.match(/^acs-logs: status degraded: 1 quarantine entry/gm)).toHaveLength(1);
  }, 60_000);

  it('a run whose work is done when its output closes ends as done, not as stopped: generate, process --quiet and quarantine write only their totals, last', async () => {
    const generating = startCli(['generate', '--out', path.join(work, 'generated'), '--hours', '1']);
    generating.child.stdout.destroy();
    const generated = await generating.done;
    expect(generated.code, generated.stderr).toBe(0);
    expect(generated.stderr).not.toMatch(/stopped/);
    const dataDir = path.join(work, 'finished');
    const processing = startCli(['process', tree, '--data-dir', dataDir, '--quiet']);
    processing.child.stdout.destroy();
    expect(await processing.done).toMatchObject({ code: 0, stderr: '' });
    const again = await cli(['process', tree, '--data-dir', dataDir, '--quiet']);
    expect(again.stdout).toMatch(/, 0 with new data: /);
    // quarantine dismiss, replay and purge say what they did in one line, last.
    const bad = path.join(work, 'junk.json');
    await writeFile(bad, 'not a log record\n');
    expect((await cli(['process', bad, '--category', 'RoomsOperational', '--data-dir', dataDir])).code).toBe(0);
    for (const args of [
      ['quarantine', 'replay'],
      ['quarantine', 'dismiss', '--code', 'invalid_json'],
      ['quarantine', 'purge'],
    ]) {
      const running = startCli([...args, '--data-dir', dataDir]);
      running.child.stdout.destroy();
      expect(await running.done).toMatchObject({ code: 0, stderr: '' });
    }
    expect((await cli(['health', '--fail-on-degraded', '--data-dir', dataDir])).code).toBe(0);
  }, 90_000);

  it('a command that only prints stops quietly with exit 0', async () => {
    const dataDir = path.join(work, 'read');
    expect((await cli(['process', tree, '--data-dir', dataDir, '--quiet'])).code).toBe(0);
    const query = await closedAfterFirstLine(['query', 'rooms', '--format', 'csv', '--data-dir', dataDir]);
    expect(query).toEqual({ code: 0, stderr: '' });
  });
});
