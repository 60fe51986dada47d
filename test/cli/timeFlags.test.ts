import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runInProcess } from '../support/inProcessCli.js';

/** A storage that is never reached: every run here is refused before it needs one. */
const NO_STORAGE = ['--connection-string', 'UseDevelopmentStorage=true'];

async function refusal(args: string[]): Promise<string> {
  const run = await runInProcess([...args, ...NO_STORAGE]);
  expect(run.code, run.stderr).toBe(2);
  expect(run.stdout).toBe('');
  return run.stderr.split('\n')[0] ?? '';
}

describe('time flags as a user types them', () => {
  it.each([
    [['query', 'rooms', '--from', ''], 'error: --from must not be empty'],
    [['query', 'rooms', '--to', ''], 'error: --to must not be empty'],
    [['query', 'rooms', '--from', '   '], 'error: --from must not be empty'],
    [['query', 'calls', '--from', '2024-05-25', '--to', '\t'], 'error: --to must not be empty'],
    [['generate', '--out', 'never-written', '--from', ''], "error: option '--from <date>' argument '' is invalid. must not be empty."],
    [['backfill', '--since', ' '], "error: option '--since <date>' argument ' ' is invalid. must not be empty."],
  ])('%j is refused as empty, not as a misspelled time', async (args, message) => {
    expect(await refusal(args)).toBe(message);
  });

  it.each([
    [['query', 'rooms', '--from', '2024'], 'error: --from is a year alone, which could mean its start or all of it: write the time meant, e.g. 2024-01-01'],
    [['query', 'rooms', '--to', '2024-05'], 'error: --to is a month alone, which could mean its start or all of it: write the time meant, e.g. 2024-05-01'],
    [
      ['query', 'rooms', '--from', '202405'],
      'error: --from is six digits, which reads as YYYYMM or YYMMDD: write the whole date with a four-digit year, e.g. 2024-05-01 or 20240501',
    ],
    [['query', 'rooms', '--from', '2024-W21-7'], 'error: --from is a week date: write it as a calendar date, 2024-05-26'],
    [['query', 'rooms', '--from', '2024147'], 'error: --from is an ordinal date (a day of the year): write it as a calendar date, 2024-05-26'],
    [['query', 'rooms', '--from', '20240526T24Z'], "error: --from is not a valid date: 24:00 is written as the next day's 00:00"],
    [
      ['query', 'rooms', '--to', '2024-05-26T10:00+25'],
      'error: --to is not a valid date: no such zone offset (offsets run from -23:59 to +23:59, minutes to 59)',
    ],
    [['query', 'rooms', '--from', '20240526T1000+0200', '--to', '20240526T08Z'], 'error: --from must be before --to (both are 2024-05-26T08:00:00.000Z)'],
    [
      ['backfill', '--since', '2024'],
      "error: option '--since <date>' argument '2024' is invalid. is a year alone, which could mean its start or all of it: write the time meant, e.g. 2024-01-01.",
    ],
  ])('%j is refused, saying why (with the form to write where one names no instant)', async (args, message) => {
    expect(await refusal(args)).toBe(message);
  });

  it('generate takes the basic form for its period, with the offset it gives', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'acs-logs-times-'));
    try {
      const run = await runInProcess([
        'generate',
        '--out',
        out,
        '--from',
        '20240525T0300+0200',
        '--hours',
        '1',
        '--rooms-per-hour',
        '1',
        '--calls-per-hour',
        '1',
      ]);
      expect(run.code, run.stderr).toBe(0);
      // Its files are laid out by the UTC hour: 01:00Z.
      const files = (await readdir(out, { recursive: true })).map(String);
      expect(files.some((file) => /y=2024\/m=05\/d=25\/h=01\//.test(file.split(path.sep).join('/')))).toBe(true);
      expect(files.some((file) => /\/h=(?!01)\d\d\//.test(file.split(path.sep).join('/')))).toBe(false);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
