import { describe, expect, it } from 'vitest';
import { processFile } from '../../src/lib/processing/processFile.js';
import { appendToBlob, azuriteConnectionString, newContainer, newTableStore, testDeps, uniquePrefix } from '../support/storage.js';
import { asJsonLines, DAY, operationRecord, recordingBlobPath } from '../support/recordingLogs.js';

/** One call (one CorrelationId, so one Calls partition) with `operations` operations on 10 recordings. */
function oneCall(operations: number): Record<string, unknown>[] {
  return Array.from({ length: operations }, (_, n) =>
    operationRecord({
      correlationId: 'one-big-call',
      operationName: n % 2 ? 'PauseRecording' : 'ResumeRecording',
      time: DAY + n * 997,
      recordingId: `rec-${n % 10}`,
      durationMs: 1 + (n % 500),
    }),
  );
}

async function requestsFor(operations: number): Promise<number> {
  const container = await newContainer(azuriteConnectionString(), 'insights-logs-callrecordingoperational-' + uniquePrefix().toLowerCase());
  const path = recordingBlobPath(DAY, 0);
  await appendToBlob(container, path, asJsonLines(oneCall(operations)));
  const tables = newTableStore();
  const result = await processFile({ container: container.containerName, path }, testDeps(tables));
  expect(result.records).toBe(operations);
  return tables.requests.reads + tables.requests.writes + tables.requests.transactions;
}

describe('requests of one large partition', () => {
  it('grow linearly with the operations of one call, not with their square', async () => {
    const sizes = [800, 1600, 3200];
    const requests: number[] = [];
    for (const size of sizes) requests.push(await requestsFor(size));
    const perOperation = requests.map((count, i) => count / (sizes[i] as number));
    // Linear: the same requests per operation at every size (a few fixed requests make small calls dearer).
    // Re-reading the partition per transaction makes the per-operation cost grow with the call.
    expect(perOperation[2], `requests ${requests.join(', ')}`).toBeLessThanOrEqual((perOperation[0] as number) * 1.15);
    expect(perOperation[1], `requests ${requests.join(', ')}`).toBeLessThanOrEqual((perOperation[0] as number) * 1.15);
  });
});
