import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeTestDir } from '../support/embedded.js';
import { generateOptionsFrom, pacer, periodNote, type GenerateFlags } from '../../src/cli/commands/generate.js';
import { runInProcess } from '../support/inProcessCli.js';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-12-04T18:00:00Z');

describe('generate --to before the start of the period', () => {
  const flags: GenerateFlags = { seed: 1, resources: 1, roomsPerHour: 20, callsPerHour: 10, failureRate: 0.03, dataDir: './.acs-logs' };

  it('names the default start when --from was not given, so that the refusal does not point at a flag never typed', () => {
    expect(() => generateOptionsFrom({ ...flags, to: Date.parse('2024-05-24T02:00Z') })).toThrow(
      '--to must be after --from, which is 2024-05-25T00:00:00.000Z when not given',
    );
    expect(() => generateOptionsFrom({ ...flags, from: Date.parse('2024-05-25T03:00Z'), to: Date.parse('2024-05-25T02:00Z') })).toThrow(
      /^--to must be after --from$/,
    );
    expect(generateOptionsFrom({ ...flags, to: Date.parse('2024-05-25T02:00Z') }).to).toBe(Date.parse('2024-05-25T02:00Z'));
  });
});

describe('generate past the year 9999', () => {
  const flags: GenerateFlags = { seed: 1, resources: 1, roomsPerHour: 20, callsPerHour: 10, failureRate: 0.03, dataDir: './.acs-logs' };

  it('refuses a period that ends after it, whose records would carry times no reader takes (+010000-01-00:00:40Z); one that ends with it is written', () => {
    expect(() => generateOptionsFrom({ ...flags, from: Date.parse('9999-12-31T23:00Z'), hours: 2 })).toThrow(
      'the period would end at +010000-01-01T01:00:00.000Z, after the year 9999',
    );
    expect(generateOptionsFrom({ ...flags, from: Date.parse('9999-12-31T23:00Z'), hours: 1 }).to).toBe(Date.UTC(10_000, 0, 1));
  });
});

describe('generate refuses storage flags that would do nothing', () => {
  it('--data-dir or --connection-string with --out, and --table-prefix (generate writes no table), are usage errors, nothing written', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'acs-generate-flags-'));
    try {
      const out = path.join(dir, 'logs');
      for (const extra of [
        ['--data-dir', path.join(dir, 'store')],
        ['--connection-string', 'UseDevelopmentStorage=true'],
      ]) {
        const run = await runInProcess(['generate', '--out', out, '--hours', '1', ...extra]);
        expect([run.code, run.stdout]).toEqual([2, '']);
        expect(run.stderr).toMatch(/^error: --connection-string and --data-dir choose the storage written to: with --out the logs go to the folder/);
      }
      const prefixed = await runInProcess(['generate', '--out', out, '--hours', '1', '--table-prefix', 'Dev']);
      expect([prefixed.code, prefixed.stdout]).toEqual([2, '']);
      expect(prefixed.stderr).toMatch(/unknown option '--table-prefix'/);
      await expect(readdir(dir)).resolves.toEqual([]);
    } finally {
      await removeTestDir(dir);
    }
  });
});

describe('generate says when processing would quarantine its period', () => {
  it('a period before ACS_LOGS_EARLIEST_RECORD_TIME or past the future bound is named; one inside is not', () => {
    expect(periodNote(Date.parse('2024-05-25T00:00Z'), Date.parse('2024-05-26T00:00Z'), {}, NOW)).toBeUndefined();
    expect(periodNote(Date.parse('2010-01-01T00:00Z'), Date.parse('2010-01-01T01:00Z'), {}, NOW)).toMatch(
      /before 2015-01-01T00:00:00.000Z \(ACS_LOGS_EARLIEST_RECORD_TIME\) are quarantined as time_out_of_range/,
    );
    expect(periodNote(NOW, NOW + 48 * HOUR, {}, NOW)).toMatch(/after 2026-12-05T18:00:00.000Z \(now and ACS_LOGS_MAX_FUTURE_HOURS\)/);
    // The settings the processing commands read decide it.
    expect(periodNote(Date.parse('2010-01-01T00:00Z'), Date.parse('2010-01-01T01:00Z'), { ACS_LOGS_EARLIEST_RECORD_TIME: '2000-01-01' }, NOW)).toBeUndefined();
    expect(periodNote(NOW, NOW + 48 * HOUR, { ACS_LOGS_MAX_FUTURE_HOURS: '72' }, NOW)).toBeUndefined();
    // A bad setting is the processing commands' to refuse: the defaults judge the period.
    expect(periodNote(Date.parse('2010-01-01T00:00Z'), Date.parse('2010-01-01T01:00Z'), { ACS_LOGS_EARLIEST_RECORD_TIME: 'soon' }, NOW)).toMatch(/before 2015/);
    expect(periodNote(Date.parse('2010-01-01T00:00Z'), Date.parse('2010-01-01T01:00Z'), { ACS_LOGS_EARLIEST_RECORD_TIME: 'soon' }, NOW)).toMatch(
      /judged by the defaults: ACS_LOGS_EARLIEST_RECORD_TIME /,
    );
  });

  it('generate --from 2010 writes the logs and says on stderr that processing them now counts none', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'acs-generate-period-'));
    try {
      const old = await runInProcess(['generate', '--out', path.join(dir, 'old'), '--from', '2010-01-01', '--hours', '1']);
      expect(old.code).toBe(0);
      expect(old.stdout).toMatch(/^generated \d+ records/);
      expect(old.stderr).toMatch(/^note: processed now, the records of this period before 2015-01-01T00:00:00.000Z/);
      const usual = await runInProcess(['generate', '--out', path.join(dir, 'usual'), '--hours', '1']);
      expect([usual.code, usual.stderr]).toEqual([0, '']);
      const none = await runInProcess(['generate', '--out', path.join(dir, 'none'), '--hours', '1', '--rooms-per-hour', '0', '--calls-per-hour', '0']);
      expect(none.stdout).toMatch(/^generated 0 records in 0 files, /);
    } finally {
      await removeTestDir(dir);
    }
  });
});

describe('generate --speed paces the appends', () => {
  it('waits out a slow speed in steps a timer keeps: one timer of days fires at once, and the logs were written at full speed', async () => {
    let now = 1_000;
    const sleeps: number[] = [];
    const clock = {
      now: () => now,
      sleep: (ms: number) => {
        sleeps.push(ms);
        now += ms;
        return Promise.resolve();
      },
    };
    const pace = pacer(0, 0.000001, clock);
    const file = { container: 'insights-logs-usage', path: 'PT1H.json' };
    // One simulated hour at a millionth of real time: about 41 days.
    await pace?.({ file, at: HOUR, lines: [] });
    expect(now).toBe(1_000 + HOUR * 1_000_000);
    expect(sleeps.length).toBeGreaterThan(1);
    expect(Math.max(...sleeps)).toBeLessThanOrEqual(2_147_483_647);
  });
});
