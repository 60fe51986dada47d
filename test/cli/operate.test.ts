import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTestDir } from '../support/embedded.js';
import { attachAzurite } from '../../src/lib/storage/sharedAzurite.js';
import { cli, ROOT } from '../support/cli.js';
import { azuriteConnectionString, uniquePrefix } from '../support/storage.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'acs-logs-operate-'));
});
afterAll(async () => {
  await removeTestDir(work);
});

describe('operating commands', () => {
  it('generate --out writes a storage-shaped tree that process reads completely', async () => {
    const out = path.join(work, 'tree');
    const generated = await cli(['generate', '--out', out, '--hours', '2', '--seed', '3']);
    expect(generated.code).toBe(0);
    const records = Number(/generated (\d+) records/.exec(generated.stdout)?.[1]);
    expect(records).toBeGreaterThan(100);
    // Two hours: the Updates call logs are in, the plain ones (3-5 hours after a call) not yet.
    expect((await readdir(out)).sort()).toEqual([
      'insights-logs-calldiagnosticsupdates',
      'insights-logs-callrecordingoperational',
      'insights-logs-callrecordingsummary',
      'insights-logs-callsummaryupdates',
      'insights-logs-roomsoperational',
      'insights-logs-usage',
    ]);
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()];
    const processed = await cli(['process', out, '--quiet', ...storage]);
    expect(processed.stdout).toMatch(new RegExp(`: ${records} records, 0 bad lines`));
  });

  it('generate into storage, then backfill with plain progress lines, then a re-run reads nothing', async () => {
    const dataDir = path.join(work, 'account');
    // One embedded Azurite for all four commands, rather than one started and saved per command.
    const store = await attachAzurite(dataDir);
    try {
      const generated = await cli(['generate', '--hours', '2', '--seed', '4', '--data-dir', dataDir]);
      expect(generated.code).toBe(0);
      const records = Number(/generated (\d+) records/.exec(generated.stdout)?.[1]);

      // --until selects files by their path's hour: late records of the hour before are in the next one's file.
      const first = await cli(['backfill', '--data-dir', dataDir, '--container', 'insights-logs-usage', '--until', '2024-05-25T01:00Z']);
      expect(first.code).toBe(0);
      expect(first.stderr).toMatch(
        /^note: --until selects files by the hour in their path; .* before 2024-05-25T01:00:00.000Z .* run again with a later --until/m,
      );

      const backfill = await cli(['backfill', '--data-dir', dataDir]);
      expect(backfill.code).toBe(0);
      expect(backfill.stderr).toMatch(/^backfill: \d+\/\d+ files, .* MB \(\d+%\), \d+ records, \d+ records\/s/m);
      const readFirst = Number(/backfill done: \d+ file\(s\), (\d+) records/.exec(first.stdout)?.[1]);
      expect(readFirst).toBeGreaterThan(0);
      expect(backfill.stdout).toMatch(new RegExp(`backfill done: \\d+ file\\(s\\), ${records - readFirst} records, 0 bad lines`));

      const again = await cli(['backfill', '--data-dir', dataDir, '--container', 'insights-logs-usage']);
      expect(again.stdout).toMatch(/backfill done: \d+ file\(s\), 0 records, 0 bad lines quarantined, 0 bytes read/);

      const calls = JSON.parse((await cli(['query', 'calls', '--format', 'json', '--data-dir', dataDir])).stdout) as Array<Record<string, unknown>>;
      expect(calls.length).toBeGreaterThan(5);
      expect(calls.some((call) => call['matched'] === true)).toBe(true);
    } finally {
      store.detach();
    }
  });

  it('watch processes blobs as they land and stops after --duration', async () => {
    const dataDir = path.join(work, 'watched');
    const store = await attachAzurite(dataDir);
    try {
      const generated = await cli(['generate', '--hours', '1', '--seed', '5', '--data-dir', dataDir]);
      const records = Number(/generated (\d+) records/.exec(generated.stdout)?.[1]);
      const watched = await cli(['watch', '--data-dir', dataDir, '--interval', '1', '--duration', '3']);
      expect(watched.code).toBe(0);
      expect(watched.stdout).toMatch(/^watching insights-logs-roomsoperational, .* in the embedded store in \S+ .* every 1s/);
      expect(records).toBeGreaterThan(0);
      expect(Number(/stopped: (\d+) records processed/.exec(watched.stdout)?.[1])).toBe(records);
      // Some of the default containers are missing (an hour has no plain call logs): normal, not noted.
      expect(watched.stderr).not.toMatch(/note:/);

      // A container named and not there yet is said, beside the pass; so is an account without any of them.
      const named = await cli([
        'watch',
        '--data-dir',
        dataDir,
        '--interval',
        '1',
        '--duration',
        '2',
        '--container',
        'insights-logs-usage',
        '--container',
        'insights-logs-typo',
      ]);
      expect(named.code).toBe(0);
      expect(named.stderr).toMatch(/^note: not found yet in the embedded store in .*: insights-logs-typo; watch reads each from its first log record$/m);
      const none = await cli(['watch', '--data-dir', dataDir, '--interval', '1', '--duration', '2', '--container', 'insights-logs-typo']);
      expect(none.stderr).toMatch(
        /^note: none of the containers exists yet in the embedded store in .*: insights-logs-typo; watch reads each .* check the account and the names given$/m,
      );
    } finally {
      store.detach();
    }
  });

  it('quarantine list shows bad lines with their reason; replay leaves lines that still do not read', async () => {
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()];
    await cli(['process', path.join(ROOT, 'samples'), '--quiet', ...storage]);
    const listed = JSON.parse((await cli(['quarantine', 'list', '--format', 'json', ...storage])).stdout) as Array<Record<string, unknown>>;
    expect(listed).toEqual([expect.objectContaining({ container: 'insights-logs-roomsoperational', line: 8, code: 'invalid_json', rawTruncated: false })]);
    const replay = await cli(['quarantine', 'replay', ...storage]);
    // The local file is not in the account, so the kept (whole) raw text is read again: still not JSON.
    expect(replay.stdout).toMatch(/replayed 1 entry \(1 lines\): 0 applied \(0 records\), 1 still bad/);
  });

  it.each([
    [['generate', '--hours', '0']],
    [['generate', '--failure-rate', '2']],
    [['generate', '--from', 'soon']],
    [['backfill', '--since', 'last week']],
    [['watch', '--interval', 'fast']],
    [['quarantine']],
    [['quarantine', 'list', '--format', 'yaml']],
  ])('rejects %j with exit code 2', async (args) => {
    const run = await cli([...args, '--connection-string', 'UseDevelopmentStorage=true']);
    expect(run.code).toBe(2);
  });

  // Up to tens of seconds alone and several times that on a loaded machine, where the default minute ran out.
  it('demo writes growing append blobs into an embedded Azurite, processes them as they land, and prints every view', async () => {
    const dataDir = path.join(work, 'demo');
    const demo = await cli(['demo', '--data-dir', dataDir, '--hours', '2', '--speed', '7200']);
    expect(demo.code).toBe(0);
    const done = /Done: (\d+) records written in \d+ files; (\d+) processed, each exactly once/.exec(demo.stdout);
    expect(done?.[1]).toBe(done?.[2]);
    for (const title of [
      'Rooms operations per day',
      'Rooms',
      'Recordings per day',
      'Recording operations per day',
      'Recordings per call',
      'Calls',
      'Usage per day',
      'Health',
      'Query further',
    ]) {
      expect(demo.stdout).toContain(`\n${title}`);
    }
    expect(demo.stdout.trimEnd().split('\n').at(-1)).toBe(`Open the dashboard: npx acs-logs serve --data-dir ${dataDir}   (then http://127.0.0.1:7071/)`);
    // The story: the operations that start and stop recordings show, and every line fits 80 columns.
    const operations = demo.stdout.slice(demo.stdout.indexOf('\nRecording operations per day'), demo.stdout.indexOf('\nRecordings per call'));
    expect(operations).toMatch(/^\S+\s+StartRecording\s+200\s/m);
    expect(operations).toMatch(/^\S+\s+StopRecording\s+204\s/m);
    expect(operations).toMatch(/\d+\/\d+\/\d+/);
    for (const line of demo.stdout.split('\n')) {
      if (!line.startsWith('  ') && !line.includes(dataDir)) expect([...line].length, line).toBeLessThanOrEqual(80);
    }
    // Statistics are never cut to fit, as in `query`: a column of them that does not fit is left out and named.
    const quality = demo.stdout.slice(demo.stdout.indexOf('\nCall quality per day'), demo.stdout.indexOf('\nUsage per day'));
    expect(quality).toMatch(/\d+\/\d+\/\d+/);
    expect(quality).not.toContain('…');
    if (!/packetLoss\s*$/m.test(quality.split('\n')[2] ?? '')) {
      expect(quality).toMatch(/packetLoss left out to fit; this shows it:/);
      // The command it gives reads the demo's store and shows the column.
      const wide = /^ {2}npx acs-logs (query call-quality .*)$/m.exec(quality)?.[1];
      expect(wide).toBe(`query call-quality --wide --data-dir ${dataDir}`);
      const shown = await cli(wide!.split(' '));
      expect(shown.code, shown.stderr).toBe(0);
      expect(shown.stdout.split('\n')[0]).toMatch(/packetLoss/);
    }
    // Health shows the records' simulated times only, and says so: no wall-clock time beside them.
    const health = demo.stdout.slice(demo.stdout.indexOf('\nHealth'), demo.stdout.indexOf('\nQuery further'));
    expect(health).toMatch(/simulated/);
    expect(health).not.toContain(new Date().toISOString().slice(0, 4));
    expect(demo.stdout).toMatch(/^ {2}npx acs-logs query calls .*--format json$/m);
    // The hours it suggests are hours it wrote: the command answers rows.
    const suggested = /^ {2}npx acs-logs (query rooms-operations .*)$/m.exec(demo.stdout)?.[1];
    expect(suggested).toContain('--from 2024-05-25T09:00Z --to 2024-05-25T10:00Z');
    const hours = await cli(suggested!.split(' '));
    expect(hours.code, hours.stderr).toBe(0);
    expect(hours.stdout.trim().split('\n').length).toBeGreaterThan(1);
    // Run again: the demo starts from empty and shows the same numbers.
    const again = await cli(['demo', '--data-dir', dataDir, '--hours', '2', '--speed', '7200']);
    expect(/Done: (\d+) records/.exec(again.stdout)?.[1]).toBe(done?.[1]);
  }, 180_000);

  it('the commands the demo prints paste whole into a shell when its data dir has a space', async () => {
    const dataDir = path.join(work, 'my demo ü');
    const demo = await cli(['demo', '--data-dir', dataDir, '--hours', '1', '--speed', '100000']);
    expect(demo.code, demo.stderr).toBe(0);
    const commands = demo.stdout.split('\n').flatMap((line) => /npx acs-logs (.*?)(?: {3}\(then .*)?$/.exec(line)?.[1] ?? []);
    expect(commands.length).toBeGreaterThanOrEqual(5);
    for (const command of commands) {
      // The words a shell makes of the line, one per line.
      const words = execFileSync('/bin/sh', ['-c', `printf '%s\\n' ${command}`], { encoding: 'utf8' })
        .trimEnd()
        .split('\n');
      expect(words[words.indexOf('--data-dir') + 1], command).toBe(dataDir);
    }
  }, 180_000);
});
