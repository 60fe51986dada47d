import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTestDir } from '../support/embedded.js';
import { cliProcess, startCli } from '../support/cli.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'acs-logs-closed-stderr-'));
});
afterAll(async () => {
  await removeTestDir(work);
});

describe('a reader of stderr that stops early', () => {
  it('does not end backfill: it reads every file and prints its totals on stdout', async () => {
    const dataDir = path.join(work, 'data');
    const generated = await cliProcess(['generate', '--data-dir', dataDir, '--hours', '1', '--seed', '4']);
    expect(generated.code, generated.stderr).toBe(0);
    const records = Number(/generated (\d+) records/.exec(generated.stdout)?.[1]);
    const running = startCli(['backfill', '--data-dir', dataDir]);
    // As `backfill 2>&1 >totals.txt | head -0` does: the first line backfill writes on stderr meets a closed pipe.
    running.child.stderr.destroy();
    const done = await running.done;
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(new RegExp(`^backfill done: \\d+ file\\(s\\), ${records} records`));
  }, 60_000);
});

describe('a reader of stdout that stops before backfill is done', () => {
  it('loses only the totals written last: backfill ends as done, not as stopped', async () => {
    const dataDir = path.join(work, 'closed-stdout');
    expect((await cliProcess(['generate', '--data-dir', dataDir, '--hours', '1', '--seed', '5'])).code).toBe(0);
    // As `backfill | true` does.
    const running = startCli(['backfill', '--data-dir', dataDir]);
    running.child.stdout.destroy();
    const done = await running.done;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr).not.toMatch(/stopped/);
    expect((await cliProcess(['backfill', '--data-dir', dataDir])).stdout).toMatch(/^backfill done: \d+ file\(s\), 0 records/);
  }, 60_000);
});
