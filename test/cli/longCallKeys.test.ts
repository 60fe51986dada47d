import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callPartition } from '../../src/lib/aggregating/calls/callRows.js';
import { urlLength } from '../../src/lib/storage/keys.js';
import { removeTestDir } from '../support/embedded.js';
import { runInProcess } from '../support/inProcessCli.js';
import { asJsonLines, DAY, operationRecord, summaryRecord } from '../support/recordingLogs.js';
import { azuriteConnectionString, uniquePrefix } from '../support/storage.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'acs-long-call-keys-'));
});
afterAll(async () => {
  await removeTestDir(work);
});

/** Correlation ids long enough to be digested, one of which puts an emoji across the cut of its key. */
const ids = [198, 199, 200].map((lead) => 'a'.repeat(lead) + '\u{1F600}'.repeat(200));

describe('calls whose correlation ids make long keys', () => {
  it('keys of long correlation ids never end their kept prefix inside a surrogate pair', () => {
    for (const id of ids) expect(urlLength(callPartition(id), Number.POSITIVE_INFINITY), `${id.length} chars`).toBeLessThan(Number.POSITIVE_INFINITY);
  });

  it('a call whose key is cut inside an emoji is processed and found like any other', async () => {
    const records = ids.flatMap((id, i) => [
      summaryRecord({ correlationId: id, recordingId: `rec-${i}`, time: DAY + i * 60_000 }),
      operationRecord({ correlationId: id, operationName: 'StartRecording', time: DAY + i * 60_000 - 30_000 }),
    ]);
    const file = path.join(work, 'calls.json');
    await writeFile(file, asJsonLines(records));
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()];

    const run = await runInProcess(['process', file, '--quiet', ...storage]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/1 file\(s\), 1 with new data: 6 records/);
    for (const id of ids) {
      const found = await runInProcess(['query', 'calls', '--correlation-id', id, '--format', 'json', ...storage]);
      expect(found.stderr, `${id.length} chars`).toBe('');
      const calls = JSON.parse(found.stdout) as { recordingCount: number; operationCount: number }[];
      expect(calls.map((c) => [c.recordingCount, c.operationCount])).toEqual([[1, 1]]);
    }
    const volume = await runInProcess(['query', 'call-volume', '--format', 'json', ...storage]);
    expect(volume.code).toBe(0);
  });
});
