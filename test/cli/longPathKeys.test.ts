import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeLongPathKeyPart, urlLength } from '../../src/lib/storage/keys.js';
import { removeTestDir } from '../support/embedded.js';
import { runInProcess } from '../support/inProcessCli.js';
import { asJsonLines, DAY, usageRecord } from '../support/recordingLogs.js';
import { azuriteConnectionString, uniquePrefix } from '../support/storage.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'acs-long-paths-'));
});
afterAll(async () => {
  await removeTestDir(work);
});

describe('files whose paths make long keys', () => {
  it('keys of long paths never end their kept prefix inside a surrogate pair', () => {
    for (let lead = 0; lead < 8; lead++) {
      const key = encodeLongPathKeyPart('d'.repeat(lead) + '\u{1F600}'.repeat(300));
      expect(urlLength(key, Number.POSITIVE_INFINITY), `lead ${lead}`).toBeLessThan(Number.POSITIVE_INFINITY);
    }
  });

  it('a path whose key is cut inside an emoji is processed like any other, and does not stop the files beside it', async () => {
    // Folders of emoji: one of two neighbouring lengths of the first folder puts a pair across the cut.
    const files: string[] = [];
    for (let pad = 0; pad < 3; pad++) {
      const dir = path.join(work, 'd'.repeat(10 + pad), '\u{1F600}'.repeat(60), '\u{1F4DE}'.repeat(60));
      await mkdir(dir, { recursive: true });
      const file = path.join(dir, `${'\u{1F680}'.repeat(60)}.json`);
      await writeFile(file, asJsonLines([usageRecord({ time: DAY + pad * 60_000, recordId: `long-${pad}` })]));
      files.push(file);
    }
    const plain = path.join(work, 'plain.json');
    await writeFile(plain, asJsonLines([usageRecord({ time: DAY + 3_600_000, recordId: 'plain' })]));
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()];
    const first = await runInProcess(['process', ...files, plain, '--quiet', ...storage]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/4 file\(s\), 4 with new data: 4 records/);
    // Read again: each file's checkpoint is found under its key, nothing is counted twice.
    const again = await runInProcess(['process', ...files, plain, '--quiet', ...storage]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/0 with new data: 0 records/);
  });
});
