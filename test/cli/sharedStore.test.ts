import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite } from '../../src/lib/storage/azurite.js';
import { azuriteLocation } from '../../src/lib/storage/embeddedLock.js';
import { attachAzurite } from '../../src/lib/storage/sharedAzurite.js';
import { cli, cliProcess, startCli, type RunningCli } from '../support/cli.js';
import { alive, embeddedProcesses, sampleAzurites, waitFor, removeTestDir } from '../support/embedded.js';
import { azuriteConnectionString, uniquePrefix } from '../support/storage.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'acs-logs-shared-'));
});
afterAll(async () => {
  await removeTestDir(work);
});

function records(text: string, pattern: RegExp): number {
  const match = pattern.exec(text);
  if (!match?.[1]) throw new Error(`no ${pattern} in: ${text}`);
  return Number(match[1]);
}

/** What `promise` settles to, or a failure naming what did not happen within `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `process` of `tree` on a new data dir, returned once Azurite has saved some of the run's writes and
 * the run still goes on: saved five times a second, so a kill then lands between saves; one file at
 * a time over eight hours of logs, so the run makes many writes (all files at once would be one) and
 * lasts well past its first save (with two at a time over four hours, a fast run had ended by then).
 */
async function processSavedMidRun(tree: string, dataDir: string): Promise<{ running: RunningCli; lock: { pid: number; azuritePid: number } }> {
  const running = startCli(['process', tree, '--quiet', '--data-dir', dataDir, '--concurrency', '1'], undefined, {
    ACS_LOGS_AZURITE_SAVE_SECONDS: '0.2',
  });
  const lock = await waitFor('Azurite to start', async () => {
    const text = await readFile(path.join(dataDir, 'azurite.lock'), 'utf8').catch(() => '');
    return text.includes('"ready"') ? (JSON.parse(text) as { pid: number; azuritePid: number }) : undefined;
  });
  const database = path.join(dataDir, 'azurite', '__azurite_db_table__.json');
  await waitFor("a first save of the run's writes", async () => (((await stat(database).catch(() => undefined))?.size ?? 0) > 100_000 ? true : undefined));
  expect(running.child.exitCode, 'the run is still going').toBeNull();
  return { running, lock };
}

describe('a store whose host takes no command', () => {
  it('is said to run without answering, with how to continue or end it, once the wait runs out', async () => {
    const dataDir = path.join(work, 'stopped-host');
    const first = await attachAzurite(dataDir);
    const lock = JSON.parse(await readFile(path.join(dataDir, 'azurite.lock'), 'utf8')) as { pid: number };
    process.kill(lock.pid, 'SIGSTOP');
    try {
      const error = await attachAzurite(dataDir, { timeoutMs: 3_000 }).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(String(error)).toContain(`the embedded Azurite of pid ${lock.pid} to answer or stop: it runs but takes no command`);
      expect(String(error)).toContain(`kill -CONT ${lock.pid}`);
    } finally {
      process.kill(lock.pid, 'SIGCONT');
      first.detach();
    }
    await waitFor('the host to stop after its last client', async () => (alive(lock.pid) ? undefined : true));
  });
});

async function generateTree(name: string, from: string, hours = 1): Promise<{ dir: string; records: number }> {
  const dir = path.join(work, name);
  const run = await cli(['generate', '--out', dir, '--hours', String(hours), '--from', from, '--seed', '3']);
  expect(run.code).toBe(0);
  return { dir, records: records(run.stdout, /generated (\d+) records/) };
}

describe('two commands on one data dir share one embedded Azurite', () => {
  it('two process commands at once: both files are counted', async () => {
    const dataDir = path.join(work, 'two-process');
    const [a, b] = await Promise.all([generateTree('tree-a', '2024-05-01T00:00Z'), generateTree('tree-b', '2024-06-01T00:00Z')]);
    const sampler = sampleAzurites(dataDir);
    const [first, second] = await Promise.all([
      cliProcess(['process', a.dir, '--quiet', '--data-dir', dataDir]),
      cliProcess(['process', b.dir, '--quiet', '--data-dir', dataDir]),
    ]);
    expect(await sampler.stop()).toBe(1);
    expect([first.code, second.code, first.stderr, second.stderr]).toEqual([0, 0, '', '']);
    expect(records(first.stdout, /: (\d+) records/)).toBe(a.records);
    expect(records(second.stdout, /: (\d+) records/)).toBe(b.records);
    // Both runs' checkpoints are in the store: nothing is read again.
    const again = await cliProcess(['process', a.dir, b.dir, '--quiet', '--data-dir', dataDir]);
    expect(again.stdout).toMatch(/, 0 with new data: 0 records/);
  });

  it('two process commands at once, one naming the data dir through a symbolic link: one Azurite, both files counted', async () => {
    const dataDir = path.join(work, 'linked');
    const link = path.join(work, 'linked-link');
    await mkdir(dataDir);
    await symlink(dataDir, link);
    const [a, b] = await Promise.all([generateTree('tree-la', '2024-08-01T00:00Z'), generateTree('tree-lb', '2024-09-01T00:00Z')]);
    const samplers = [sampleAzurites(dataDir), sampleAzurites(link)];
    const [first, second] = await Promise.all([
      cliProcess(['process', a.dir, '--quiet', '--data-dir', dataDir]),
      cliProcess(['process', b.dir, '--quiet', '--data-dir', link]),
    ]);
    // Two hosts would each save the same files, and the last save would drop the other's writes.
    const [byPath, byLink] = await Promise.all(samplers.map((sampler) => sampler.stop()));
    expect(byPath! + byLink!).toBe(1);
    expect([first.code, second.code, first.stderr, second.stderr]).toEqual([0, 0, '', '']);
    const again = await cliProcess(['process', a.dir, b.dir, '--quiet', '--data-dir', link]);
    expect(again.stdout).toMatch(/, 0 with new data: 0 records/);
  });

  it('two process commands of the same tree at once on a new data dir, both reading before the store answers: one clean pass', async () => {
    const tree = await generateTree('tree-same', '2024-07-01T00:00Z', 2);
    const clean = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()];
    expect((await cli(['process', tree.dir, '--quiet', ...clean])).code).toBe(0);
    const dataDir = path.join(work, 'same-tree');
    const runs = await Promise.all([0, 1].map(() => cliProcess(['process', tree.dir, '--quiet', '--data-dir', dataDir])));
    for (const run of runs) expect([run.code, run.stderr]).toEqual([0, '']);
    // Each file's records are counted once between the two runs: a file both read is overtaken in one.
    const counted = runs.map((run) => records(run.stdout, /: (\d+) records/));
    expect(counted[0]! + counted[1]!).toBe(tree.records);
    for (const view of ['rooms-operations', 'rooms', 'calls', 'recordings', 'recording-operations', 'usage', 'call-volume', 'call-quality']) {
      const expected = await cli(['query', view, '--format', 'json', ...clean]);
      expect((JSON.parse(expected.stdout) as unknown[]).length, view).toBeGreaterThan(0);
      const actual = await cli(['query', view, '--format', 'json', '--data-dir', dataDir]);
      expect(actual.stdout, view).toBe(expected.stdout);
    }
    const again = await cliProcess(['process', tree.dir, '--quiet', '--data-dir', dataDir]);
    expect(again.stdout).toMatch(/, 0 with new data: 0 records/);
  });

  it('watch and generate in parallel: everything generated is counted once', async () => {
    const dataDir = path.join(work, 'watch-generate');
    const sampler = sampleAzurites(dataDir);
    const watching = startCli(['watch', '--data-dir', dataDir, '--interval', '1']);
    await waitFor('watch to start', () => (watching.output().stdout.includes('watching') ? true : undefined));
    // Kept open past watch, so that the backfill below finds it running instead of starting another.
    const store = await attachAzurite(dataDir);
    try {
      const generated = await cliProcess(['generate', '--hours', '2', '--seed', '6', '--data-dir', dataDir]);
      expect(generated.code).toBe(0);
      // Ctrl-C: watch finishes its pass, says what it read and ends.
      watching.child.kill('SIGINT');
      const watched = await watching.done;
      expect(watched.code).toBe(0);
      const total = records(generated.stdout, /generated (\d+) records/);
      const byWatch = records(watched.stdout, /stopped: (\d+) records processed/);
      // What watch did not reach yet, backfill reads now; together exactly what was generated.
      const backfill = await cli(['backfill', '--data-dir', dataDir]);
      expect(backfill.code).toBe(0);
      expect(byWatch + records(backfill.stdout, /backfill done: \d+ file\(s\), (\d+) records/)).toBe(total);
    } finally {
      store.detach();
    }
    expect(await sampler.stop()).toBe(1);
  });

  it('query while the demo runs attaches to its store, and the demo keeps all it wrote', async () => {
    const dataDir = path.join(work, 'demo');
    const sampler = sampleAzurites(dataDir);
    const demo = startCli(['demo', '--data-dir', dataDir, '--hours', '2', '--speed', '1200']);
    await waitFor('the demo to process records', () => (/records processed/.test(demo.output().stdout) ? true : undefined), 60_000);
    const query = await cliProcess(['query', 'rooms-operations', '--format', 'json', '--data-dir', dataDir]);
    expect(query.code).toBe(0);
    expect((JSON.parse(query.stdout) as unknown[]).length).toBeGreaterThan(0);
    // Kept open past the demo, so that the backfill below finds it running instead of starting another.
    const store = await attachAzurite(dataDir);
    try {
      const finished = await demo.done;
      expect(finished.code).toBe(0);
      const written = records(finished.stdout, /Done: (\d+) records written/);
      expect(finished.stdout).toContain(`${written} processed, each exactly once`);
      const backfill = await cli(['backfill', '--data-dir', dataDir]);
      expect(backfill.stdout).toMatch(/backfill done: \d+ file\(s\), 0 records/);
    } finally {
      store.detach();
    }
    expect(await sampler.stop()).toBe(1);
  });
});

describe('watch on the store of a running demo', () => {
  it("the demo's closing line says which segments the watch saved first, so that its count short of what it wrote is not taken for a loss", async () => {
    const dataDir = path.join(work, 'demo-watched');
    const demo = startCli(['demo', '--data-dir', dataDir, '--hours', '2', '--speed', '300']);
    await waitFor('the demo to process records', () => (/records processed/.test(demo.output().stdout) ? true : undefined), 60_000);
    const watch = startCli(['watch', '--data-dir', dataDir, '--interval', '1']);
    const finished = await demo.done;
    watch.child.kill('SIGINT');
    const watched = await watch.done;
    expect([finished.code, watched.code]).toEqual([0, 0]);
    const taken = records(watched.stdout, /stopped: (\d+) records processed/);
    // Both read each new append within a second: the watch takes some of them first.
    expect(taken).toBeGreaterThan(0);
    const written = records(finished.stdout, /Done: (\d+) records written/);
    expect(records(finished.stdout, /; (\d+) processed, each exactly once/)).toBe(written - taken);
    expect(finished.stdout).toMatch(/processed, each exactly once, \d+ segment\(s\) another run saved first \(their records count in that run's totals\)\.\n/);
  });
});

describe('demo on a data dir in use', () => {
  it("refuses to empty a store the demo did not make (another command's aggregates), and keeps it", async () => {
    const dataDir = path.join(work, 'not-a-demo');
    const tree = path.join(work, 'not-a-demo-logs');
    expect((await cli(['generate', '--out', tree, '--hours', '1', '--seed', '5'])).code).toBe(0);
    expect((await cli(['process', tree, '--data-dir', dataDir, '--quiet'])).code).toBe(0);
    const before = await cli(['query', 'rooms-operations', '--format', 'json', '--data-dir', dataDir]);

    const demo = await cli(['demo', '--data-dir', dataDir, '--hours', '1']);
    expect(demo.code).toBe(2);
    expect(demo.stderr).toMatch(/holds a store the demo did not make .*give the demo another --data-dir/);
    expect(demo.stdout).not.toMatch(/Starting the embedded Azurite/);
    const after = await cli(['query', 'rooms-operations', '--format', 'json', '--data-dir', dataDir]);
    expect(after.stdout).toBe(before.stdout);
    expect((JSON.parse(after.stdout) as unknown[]).length).toBeGreaterThan(0);
  });

  it("a link named as the demo's default dir, leading to another command's store, is refused too: the store is kept", async () => {
    const cwd = path.join(work, 'demo-link');
    const real = path.join(cwd, 'real-store');
    await mkdir(path.join(real, 'azurite'), { recursive: true });
    await writeFile(path.join(real, 'azurite', 'kept.json'), '{}');
    await symlink(real, path.join(cwd, '.acs-logs-demo'));
    const demo = await cli(['demo', '--hours', '1'], cwd);
    expect(demo.code).toBe(2);
    expect(demo.stderr).toMatch(/holds a store the demo did not make/);
    expect(await readFile(path.join(real, 'azurite', 'kept.json'), 'utf8')).toBe('{}');
  });

  it('a file where the data dir should be is said plainly, as other commands say it', async () => {
    const file = path.join(work, 'demo-dir-is-a-file');
    await writeFile(file, 'not a dir');
    const demo = await cli(['demo', '--data-dir', file, '--hours', '1']);
    expect(demo.code).toBe(1);
    expect(demo.stderr).toMatch(/cannot create directory .*demo-dir-is-a-file: a file of that name is in the way; the embedded store keeps its lock/);
    expect(await readFile(file, 'utf8')).toBe('not a dir');
  });

  it('says it waits for the store to stop, and starts once the other command lets it go', async () => {
    const dataDir = path.join(work, 'demo-waits');
    // A store an earlier demo made (the demo empties only its own).
    await mkdir(dataDir, { recursive: true });
    await writeFile(path.join(dataDir, 'demo-store.txt'), '');
    const other = await attachAzurite(dataDir);
    let released = false;
    try {
      const demo = startCli(['demo', '--data-dir', dataDir, '--hours', '1']);
      await waitFor('the demo to say it waits', () => (/is in use .*waiting up to 15 s/.test(demo.output().stdout) ? true : undefined), 10_000);
      expect(demo.output().stdout).not.toMatch(/Starting the embedded Azurite/);
      other.detach();
      released = true;
      const finished = await demo.done;
      expect(finished.code, finished.stderr).toBe(0);
      expect(finished.stdout).toMatch(/processed, each exactly once/);
    } finally {
      if (!released) other.detach();
    }
  });
});

describe('the embedded store starts while a command loads', () => {
  it('a command that stops on bad usage before it needs storage lets the store it started go', async () => {
    const dataDir = path.join(work, 'early-usage-error');
    const { dir } = await generateTree('early-usage-tree', '2024-05-01T00:00Z');
    const run = await cli(['process', dir, '--category', 'NoSuchCategory', '--data-dir', dataDir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--category must be one of/);
    // It attached before the usage error (the host was started and logged), and let go of it: the host goes.
    expect((await stat(path.join(dataDir, 'azurite-host.log'))).isFile()).toBe(true);
    await waitFor('the embedded processes to end', async () => ((await embeddedProcesses(dataDir)).length === 0 ? true : undefined), 15_000);
    // The store it started works for the next command.
    const query = await cli(['query', 'rooms', '--format', 'json', '--data-dir', dataDir]);
    expect([query.code, query.stdout.trim()]).toEqual([0, '[]']);
  });

  it('a missing input fails the command without starting or creating a store', async () => {
    const dataDir = path.join(work, 'early-missing-input');
    const run = await cli(['process', path.join(work, 'no-such-file.json'), '--data-dir', dataDir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/cannot read/);
    expect(await stat(dataDir).catch(() => undefined)).toBeUndefined();
  });

  it('a command given a connection string starts no embedded store (its default data dir is not made); with --data-dir too, it is a usage error', async () => {
    const cwd = path.join(work, 'early-given');
    await mkdir(cwd, { recursive: true });
    const run = await cli(['query', 'rooms', '--format', 'json', '--connection-string', azuriteConnectionString()], cwd);
    expect(run.code, run.stderr).toBe(0);
    expect(await stat(path.join(cwd, '.acs-logs')).catch(() => undefined)).toBeUndefined();
    const dataDir = path.join(cwd, 'named');
    const both = await cli(['query', 'rooms', '--data-dir', dataDir, '--connection-string', azuriteConnectionString()]);
    expect(both.code).toBe(2);
    expect(await stat(dataDir).catch(() => undefined)).toBeUndefined();
  });
});

describe('signals end a command and its embedded Azurite', () => {
  it('process stopped by a signal says so, and what to do, and exits with 128 plus its number', async () => {
    const dataDir = path.join(work, 'stopped-process');
    const tree = path.join(work, 'stopped-tree');
    expect((await cliProcess(['generate', '--out', tree, '--hours', '24'])).code).toBe(0);
    const running = startCli(['process', tree, '--data-dir', dataDir, '--concurrency', '1']);
    await waitFor('a file processed', async () => (/file processed/.test(running.output().stdout) ? true : undefined));
    running.child.kill('SIGINT');
    const done = await running.done;
    expect(done.code).toBe(130);
    expect(done.stderr).toMatch(/^acs-logs: stopped by SIGINT: what it wrote is kept, .*run the same command again to go on/m);
  });

  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)('%s leaves no Azurite process behind', async (signal) => {
    const dataDir = path.join(work, `signal-${signal}`);
    const running = startCli(['generate', '--hours', '2', '--speed', '60', '--data-dir', dataDir]);
    const lock = await waitFor('the embedded Azurite to be ready', async () => {
      const text = await readFile(path.join(dataDir, 'azurite.lock'), 'utf8').catch(() => '');
      return text.includes('"ready"') ? (JSON.parse(text) as { pid: number; azuritePid: number }) : undefined;
    });
    const pids = [lock.pid, lock.azuritePid, ...(await embeddedProcesses(dataDir))];
    expect(pids.every(alive)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 500));
    running.child.kill(signal);
    await running.done;
    await waitFor('the embedded processes to end', async () => ((await embeddedProcesses(dataDir)).length === 0 ? true : undefined), 15_000);
    expect(pids.filter(alive)).toEqual([]);
    await expect(readFile(path.join(dataDir, 'azurite.lock'), 'utf8')).rejects.toThrow(/ENOENT/);
  });

  it('after the command is SIGKILLed, its Azurite goes too and the data is intact', async () => {
    const dataDir = path.join(work, 'sigkill-command');
    const tree = await generateTree('tree-k', '2024-07-01T00:00Z');
    expect((await cli(['process', tree.dir, '--quiet', '--data-dir', dataDir])).code).toBe(0);
    const running = startCli(['watch', '--data-dir', dataDir, '--interval', '1']);
    await waitFor('watch to start', () => (running.output().stdout.includes('watching') ? true : undefined));
    const pids = await embeddedProcesses(dataDir);
    running.child.kill('SIGKILL');
    await running.done;
    await waitFor('the embedded processes to end', async () => ((await embeddedProcesses(dataDir)).length === 0 ? true : undefined), 15_000);
    expect(pids.filter(alive)).toEqual([]);
    const again = await cli(['process', tree.dir, '--quiet', '--data-dir', dataDir]);
    expect(again.stdout).toMatch(/, 0 with new data: 0 records/);
  });

  it('an embedded Azurite killed mid-run loses only unsaved writes, checkpoints with them: the next run equals one clean run', async () => {
    const tree = await generateTree('tree-crash', '2024-09-01T00:00Z', 8);
    // The clean run for reference, in this process on the tests' Azurite: the views do not depend on the store.
    const clean = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()];
    expect((await cli(['process', tree.dir, '--quiet', ...clean])).code).toBe(0);
    const dataDir = path.join(work, 'crash-azurite');
    const { running, lock } = await processSavedMidRun(tree.dir, dataDir);
    // Store and command die together, as on a power cut.
    process.kill(lock.azuritePid, 'SIGKILL');
    process.kill(lock.pid, 'SIGKILL');
    running.child.kill('SIGKILL');
    await running.done;
    // One fresh Azurite on the saved files serves the next run and the queries after it.
    const store = await attachAzurite(dataDir);
    try {
      const again = await cli(['process', tree.dir, '--quiet', '--data-dir', dataDir]);
      expect(again.code, again.stderr).toBe(0);
      // Something was left to do: the kill did land mid-run.
      expect(records(again.stdout, /with new data: (\d+) records/)).toBeGreaterThan(0);
      for (const view of ['rooms-operations', 'calls']) {
        const expected = await cli(['query', view, '--format', 'json', ...clean]);
        expect((JSON.parse(expected.stdout) as unknown[]).length, view).toBeGreaterThan(0);
        const actual = await cli(['query', view, '--format', 'json', '--data-dir', dataDir]);
        expect(actual.stdout, view).toBe(expected.stdout);
      }
    } finally {
      store.detach();
    }
    await waitFor('the embedded processes to end', async () => ((await embeddedProcesses(dataDir)).length === 0 ? true : undefined), 15_000);
  });

  it('after the store host is SIGKILLed, the next command stops the orphaned Azurite and finds the data intact', async () => {
    const dataDir = path.join(work, 'sigkill-host');
    const tree = await generateTree('tree-h', '2024-08-01T00:00Z');
    expect((await cli(['process', tree.dir, '--quiet', '--data-dir', dataDir])).code).toBe(0);
    const running = startCli(['watch', '--data-dir', dataDir, '--interval', '1']);
    await waitFor('watch to start', () => (running.output().stdout.includes('watching') ? true : undefined));
    const lock = JSON.parse(await readFile(path.join(dataDir, 'azurite.lock'), 'utf8')) as { pid: number; azuritePid: number };
    process.kill(lock.pid, 'SIGKILL');
    running.child.kill('SIGKILL');
    await running.done;
    expect(alive(lock.azuritePid)).toBe(true);
    const again = await cli(['process', tree.dir, '--quiet', '--data-dir', dataDir]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/, 0 with new data: 0 records/);
    expect(alive(lock.azuritePid)).toBe(false);
    await waitFor('the embedded processes to end', async () => ((await embeddedProcesses(dataDir)).length === 0 ? true : undefined), 15_000);
  });

  it('an Azurite that dies on its own takes its host with it: the next command starts a new one on the saved files', async () => {
    const dataDir = path.join(work, 'azurite-dies');
    const tree = await generateTree('tree-dies', '2024-10-01T00:00Z');
    expect((await cli(['process', tree.dir, '--quiet', '--data-dir', dataDir])).code).toBe(0);
    const running = startCli(['watch', '--data-dir', dataDir, '--interval', '1']);
    try {
      await waitFor('watch to start', () => (running.output().stdout.includes('watching') ? true : undefined));
      const lock = JSON.parse(await readFile(path.join(dataDir, 'azurite.lock'), 'utf8')) as { pid: number; azuritePid: number };
      process.kill(lock.azuritePid, 'SIGKILL');
      // Though watch is still attached, the host does not go on handing out a dead Azurite's ports.
      await waitFor('the host to stop', () => (alive(lock.pid) ? undefined : true), 15_000);
      // And watch, told by its host, ends at once with a message instead of retrying a store that is gone.
      const ended = await within(running.done, 15_000, 'watch to end');
      expect(ended.code).toBe(1);
      expect(ended.stderr).toMatch(/embedded store in .* stopped while this command used it .*run the command again/);
      // Writes Azurite had not saved are gone with their checkpoints: the next run reads them again, once.
      expect((await cli(['process', tree.dir, '--quiet', '--data-dir', dataDir])).code).toBe(0);
      const reference = path.join(work, 'azurite-dies-reference');
      expect((await cli(['process', tree.dir, '--quiet', '--data-dir', reference])).code).toBe(0);
      const view = ['query', 'rooms-operations', '--granularity', 'hour', '--format', 'json'];
      const expected = (await cli([...view, '--data-dir', reference])).stdout;
      expect(JSON.parse(expected)).not.toHaveLength(0);
      expect((await cli([...view, '--data-dir', dataDir])).stdout).toBe(expected);
    } finally {
      running.child.kill('SIGKILL');
      await running.done;
    }
    await waitFor('the embedded processes to end', async () => ((await embeddedProcesses(dataDir)).length === 0 ? true : undefined), 15_000);
  });

  it('a generate whose Azurite dies under it says that its blobs are part of the logs, not to run it again', async () => {
    const dataDir = path.join(work, 'azurite-dies-generate');
    const running = startCli(['generate', '--data-dir', dataDir, '--hours', '4', '--speed', '400']);
    try {
      const lock = await waitFor('Azurite to start', async () => {
        const text = await readFile(path.join(dataDir, 'azurite.lock'), 'utf8').catch(() => '');
        return text.includes('"ready"') ? (JSON.parse(text) as { pid: number; azuritePid: number }) : undefined;
      });
      await new Promise((resolve) => setTimeout(resolve, 2000));
      expect(running.child.exitCode, 'generate is still writing').toBeNull();
      process.kill(lock.azuritePid, 'SIGKILL');
      const ended = await within(running.done, 15_000, 'generate to end');
      expect(ended.code, ended.stderr).toBe(1);
      expect(ended.stderr).toMatch(/embedded store in .* stopped while this command used it/);
      // The same run again stops at its first blob, and --append would write what was kept twice.
      expect(ended.stderr).toMatch(/the same run again stops at the first of them, and --append would add the written part again/);
      expect(ended.stderr).not.toMatch(/run the command again/);
    } finally {
      running.child.kill('SIGKILL');
      await running.done;
    }
    await waitFor('the embedded processes to end', async () => ((await embeddedProcesses(dataDir)).length === 0 ? true : undefined), 15_000);
  });

  it('a process whose Azurite dies under it mid-run ends at once with a message; the next run equals one clean run', async () => {
    const tree = await generateTree('tree-dies-mid-run', '2024-10-05T00:00Z', 8);
    const dataDir = path.join(work, 'azurite-dies-mid-run');
    const { running, lock } = await processSavedMidRun(tree.dir, dataDir);
    try {
      process.kill(lock.azuritePid, 'SIGKILL');
      // Its storage retries would have gone on for minutes against the dead ports.
      const ended = await within(running.done, 15_000, 'the command to end');
      expect(ended.code, ended.stderr).toBe(1);
      expect(ended.stderr).toMatch(/embedded store in .* stopped while this command used it/);
    } finally {
      running.child.kill('SIGKILL');
      await running.done;
    }
    const again = await cli(['process', tree.dir, '--quiet', '--data-dir', dataDir]);
    expect(again.code, again.stderr).toBe(0);
    expect(records(again.stdout, /with new data: (\d+) records/)).toBeGreaterThan(0);
    const reference = path.join(work, 'azurite-dies-mid-run-reference');
    expect((await cli(['process', tree.dir, '--quiet', '--data-dir', reference])).code).toBe(0);
    for (const view of ['rooms-operations', 'calls']) {
      const expected = (await cli(['query', view, '--format', 'json', '--data-dir', reference])).stdout;
      expect(JSON.parse(expected), view).not.toHaveLength(0);
      expect((await cli(['query', view, '--format', 'json', '--data-dir', dataDir])).stdout, view).toBe(expected);
    }
    await waitFor('the embedded processes to end', async () => ((await embeddedProcesses(dataDir)).length === 0 ? true : undefined), 15_000);
  });

  it("a data dir copied with its lock while its store runs does not stop the original's Azurite", async () => {
    const original = path.join(work, 'copied-from');
    const copy = path.join(work, 'copied-to');
    const running = startCli(['watch', '--data-dir', original, '--interval', '1']);
    try {
      await waitFor('watch to start', () => (running.output().stdout.includes('watching') ? true : undefined));
      const lockText = await readFile(path.join(original, 'azurite.lock'), 'utf8');
      const lock = JSON.parse(lockText) as { azuritePid: number };
      await mkdir(copy, { recursive: true });
      await writeFile(path.join(copy, 'azurite.lock'), lockText);
      const query = await cli(['query', 'rooms', '--format', 'json', '--data-dir', copy]);
      expect([query.code, query.stdout.trim()]).toEqual([0, '[]']);
      expect(alive(lock.azuritePid)).toBe(true);
    } finally {
      running.child.kill('SIGKILL');
      await running.done;
    }
    await waitFor('the embedded processes to end', async () => ((await embeddedProcesses(original)).length === 0 ? true : undefined), 15_000);
  });

  it('an Azurite whose host died before naming it in the lock is found by the name it left in its folder, and stopped', async () => {
    const dataDir = path.join(work, 'unnamed-orphan');
    // The state a host killed between spawning Azurite and naming it leaves: a lock of a dead host
    // without azuritePid, and an Azurite running on the dir's files.
    const orphan = await startAzurite({ location: azuriteLocation(dataDir) });
    try {
      const deadHost = startCli(['--version']);
      await deadHost.done;
      await writeFile(path.join(dataDir, 'azurite.lock'), JSON.stringify({ pid: deadHost.child.pid, state: 'starting', location: azuriteLocation(dataDir) }));
      expect(alive(orphan.pid)).toBe(true);
      const again = await cli(['query', 'rooms', '--format', 'json', '--data-dir', dataDir]);
      expect([again.code, again.stdout.trim()]).toEqual([0, '[]']);
      expect(alive(orphan.pid)).toBe(false);
      await waitFor('the embedded processes to end', async () => ((await embeddedProcesses(dataDir)).length === 0 ? true : undefined), 15_000);
    } finally {
      await orphan.stop();
    }
  });

  it('a store host SIGKILLed while its Azurite starts leaves no unknown orphan: the next command stops it', async () => {
    const dataDir = path.join(work, 'sigkill-starting');
    // An earlier host's failure, still in the log: not the reason this start fails.
    const earlier = '2024-01-01T00:00:00.000Z embedded Azurite in an earlier start did not start: an older reason';
    await mkdir(dataDir, { recursive: true });
    await writeFile(path.join(dataDir, 'azurite-host.log'), earlier + '\n');
    const running = startCli(['query', 'rooms', '--data-dir', dataDir]);
    const lock = await waitFor('the lock to name the starting Azurite', async () => {
      const text = await readFile(path.join(dataDir, 'azurite.lock'), 'utf8').catch(() => '');
      const parsed = text.includes('"starting"') && text.includes('azuritePid') ? (JSON.parse(text) as { pid: number; azuritePid: number }) : undefined;
      return parsed;
    });
    process.kill(lock.pid, 'SIGKILL');
    const failed = await within(running.done, 30_000, 'the command to fail');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/the embedded Azurite did not start \(its host was killed by SIGKILL\)/);
    expect(failed.stderr).not.toContain('an older reason');
    const again = await cli(['query', 'rooms', '--format', 'json', '--data-dir', dataDir]);
    expect([again.code, again.stdout.trim()]).toEqual([0, '[]']);
    expect(alive(lock.azuritePid)).toBe(false);
    await waitFor('the embedded processes to end', async () => ((await embeddedProcesses(dataDir)).length === 0 ? true : undefined), 15_000);
  });
});

describe("a test's folder holding an embedded store", () => {
  it('is removed only after its host, still up for a second after the command, has stopped', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'acs-logs-remove-'));
    const dataDir = path.join(folder, 'data');
    expect((await cli(['health', '--data-dir', dataDir])).code).toBe(0);
    expect((await embeddedProcesses(dataDir)).length).toBeGreaterThan(0);
    await removeTestDir(folder);
    expect(await embeddedProcesses(dataDir)).toEqual([]);
    expect(existsSync(folder)).toBe(false);
  });
});
