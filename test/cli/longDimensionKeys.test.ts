import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dimensionKeyPart } from '../../src/lib/aggregating/rowValues.js';
import { urlLength } from '../../src/lib/storage/keys.js';
import { removeTestDir } from '../support/embedded.js';
import { runInProcess } from '../support/inProcessCli.js';
import { asJsonLines, DAY, operationRecord, usageRecord } from '../support/recordingLogs.js';
import { azuriteConnectionString, uniquePrefix } from '../support/storage.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'acs-long-dimension-keys-'));
});
afterAll(async () => {
  await removeTestDir(work);
});

/** Dimension values (operation names, usage types) long enough to be digested, one with an emoji across the cut. */
const values = [78, 79, 80].map((lead) => 'a'.repeat(lead) + '\u{1F600}'.repeat(30));

describe('dimension values that make long keys', () => {
  it('their key parts never end the kept prefix inside a surrogate pair', () => {
    for (const value of values)
      expect(urlLength(dimensionKeyPart(value), Number.POSITIVE_INFINITY), `${value.length} chars`).toBeLessThan(Number.POSITIVE_INFINITY);
  });

  it('an operation name or usage type cut inside an emoji is counted like any other', async () => {
    const records = values.flatMap((value, i) => [
      operationRecord({ correlationId: `dimension-${i}`, operationName: value, time: DAY + i * 60_000 }),
      usageRecord({ time: DAY + i * 60_000, usageType: value, recordId: `usage-${i}` }),
    ]);
    const file = path.join(work, 'dimensions.json');
    await writeFile(file, asJsonLines(records));
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()];

    const run = await runInProcess(['process', file, '--quiet', ...storage]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/1 file\(s\), 1 with new data: 6 records/);
    const operations = await runInProcess(['query', 'recording-operations', '--format', 'json', ...storage]);
    expect((JSON.parse(operations.stdout) as { count: number }[]).map((row) => row.count)).toEqual([1, 1, 1]);
    const usage = await runInProcess(['query', 'usage', '--format', 'json', ...storage]);
    expect((JSON.parse(usage.stdout) as { records: number }[]).map((row) => row.records)).toEqual([1, 1, 1]);
  });
});
