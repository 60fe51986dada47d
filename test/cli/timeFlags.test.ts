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
});
