import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { utf8Boundary } from '../../src/lib/reading/index.js';
import { removeTestDir } from '../support/embedded.js';
import { runInProcess } from '../support/inProcessCli.js';
import { asJsonLines, DAY, usageRecord } from '../support/recordingLogs.js';
import { azuriteConnectionString, uniquePrefix } from '../support/storage.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'acs-sample-cut-'));
});
afterAll(async () => {
  await removeTestDir(work);
});

describe('the text kept with a long bad line', () => {
  it('a cut is moved back to the start of the character it would split', () => {
    const bytes = Buffer.from('a\u00e9\u4e2d\u{1F600}');
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((end) => utf8Boundary(bytes, end))).toEqual([1, 1, 3, 3, 3, 6, 6, 6, 6, 10]);
  });

  it('ends at a whole character, in a line too long and in a line of invalid JSON alike', async () => {
    // Good lines between the bad ones: a run of bad lines would be one entry.
    const good = (n: number) => asJsonLines([usageRecord({ time: DAY + n * 60_000, recordId: `good-${n}` })]);
    const lines = [good(1), `{bad ${'\u{1F600}'.repeat(300_000)}\n`, good(2), `{bad ${'\u00e9'.repeat(5_000)}\n`, good(3), `{bad ${'\u4e2d'.repeat(5_000)}\n`];
    const file = path.join(work, 'long-bad-lines.json');
    await writeFile(file, lines.join(''));
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()];

    const run = await runInProcess(['process', file, '--quiet', ...storage]);
    expect(run.code).toBe(0);
    const listed = await runInProcess(['quarantine', 'list', '--format', 'json', ...storage]);
    const entries = JSON.parse(listed.stdout) as { line: number; code: string; raw: string; rawTruncated: boolean }[];
    expect(entries.map((entry) => [entry.line, entry.code, entry.rawTruncated])).toEqual([
      [2, 'line_too_long', true],
      [4, 'invalid_json', true],
      [6, 'invalid_json', true],
    ]);
    for (const entry of entries) {
      expect(entry.raw, `line ${entry.line}`).not.toContain('\uFFFD');
      expect(entry.raw.length, `line ${entry.line}`).toBeGreaterThan(1000);
    }
  });
});
