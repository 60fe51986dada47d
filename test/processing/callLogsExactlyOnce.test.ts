import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import type { ContainerClient } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { CALLS_TABLE, callsView } from '../../src/lib/aggregating/calls/index.js';
import { processFile } from '../../src/lib/processing/processFile.js';
import { queryCalls } from '../../src/lib/querying/recordingQueries.js';
import { legRecord, streamRecord, type Casing } from '../support/callLogs.js';
import { asJsonLines, DAY, normalizeAll, operationRecord, recordingBlobPath, recordingIdOf, summaryRecord } from '../support/recordingLogs.js';
import { rng } from '../support/random.js';
import {
  azuriteConnectionString,
  appendToBlob,
  newContainer,
  newMemoryTableStore,
  newTableStore,
  readAggregates,
  referenceAggregates,
  testDeps,
} from '../support/storage.js';

const HOUR = 3_600_000;

function container(category: string): Promise<ContainerClient> {
  return newContainer(azuriteConnectionString(), `insights-logs-${category}-${randomBytes(4).toString('hex')}`);
}

/**
 * Call logs of `calls` calls: 2-3 legs each in versions 0 (plain), 1 and sometimes 2 (which lowers
 * the duration), streams per leg in two versions, a duplicated line now and then, both casings and
 * numbers as strings; and a recording for every other call.
 */
function callSet(seed: number, calls: number): { logs: Record<string, unknown>[]; recordings: Record<string, unknown>[] } {
  const random = rng(seed);
  const logs: Record<string, unknown>[] = [];
  const recordings: Record<string, unknown>[] = [];
  for (let c = 0; c < calls; c++) {
    const correlationId = `call-${seed}-${c}`;
    const start = DAY + (c % 5) * HOUR + Math.floor(random() * 3_000_000);
    const casing: Casing = c % 2 === 0 ? 'camel' : 'pascal';
    const stringNumbers = c % 3 === 0;
    const common = { correlationId, callStartTime: start, casing, stringNumbers } as const;
    const legs = 2 + (c % 2);
    for (let l = 0; l < legs; l++) {
      const participantId = `p-${c}-${l}`;
      logs.push(legRecord({ ...common, participantId, version: null, time: start + 4 * HOUR, callDurationSeconds: 600 }));
      logs.push(legRecord({ ...common, participantId, version: 1, time: start + HOUR, callDurationSeconds: 640, endReason: l === 1 ? '408' : '0' }));
      if (c % 2 === 0) logs.push(legRecord({ ...common, participantId, version: 2, time: start + 9 * HOUR, callDurationSeconds: 420 }));
      logs.push(streamRecord({ ...common, participantId, version: 1, time: start + HOUR, jitterAvg: l === 0 ? 40 : 5 }));
      logs.push(streamRecord({ ...common, participantId, version: 2, time: start + 9 * HOUR, jitterAvg: 4 }));
      logs.push(streamRecord({ ...common, participantId, version: 1, time: start + HOUR, direction: 'Outbound', packetLossRateAvg: c % 3 === 1 ? 0.3 : 0.01 }));
    }
    if (random() < 0.5) logs.push(logs[logs.length - 1] as Record<string, unknown>); // a line written twice
    if (c % 2 === 1) {
      const recordingId = recordingIdOf(correlationId, 1);
      recordings.push(operationRecord({ correlationId, operationName: 'StartRecording', time: start + 10_000 }));
      recordings.push(summaryRecord({ correlationId, recordingId, time: start + 2 * HOUR, startTime: start + 11_000, lengthSeconds: 300 }));
    }
  }
  return { logs, recordings };
}

describe('call logs exactly once, against Azurite', () => {
  it('any split of the call logs and recordings over files, processed in any order with replays, gives the reference tables', async () => {
    const { logs, recordings } = callSet(51, 5);
    const records = [...logs, ...recordings];
    const expected = referenceAggregates(normalizeAll(records));
    // Duplicated lines count once in the join.
    const distinct = [...new Map(normalizeAll(records).map((r) => [JSON.stringify(r), r])).values()];
    expect(distinct.length).toBeLessThan(records.length);
    expect(expected[CALLS_TABLE]).toEqual(referenceAggregates(distinct, [callsView])[CALLS_TABLE]);
    const boxes = await Promise.all(['callsummaryupdates', 'calldiagnosticsupdates', 'callsummary', 'callrecordingoperational'].map(container));
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat({ max: 3 }), { minLength: records.length, maxLength: records.length }),
        fc.array(fc.nat({ max: 3 }), { minLength: 4, maxLength: 9 }),
        async (fileOf, order) => {
          run++;
          const files = boxes.map((box, i) => ({
            container: box.containerName,
            path: recordingBlobPath(DAY + (i % 2) * 86_400_000, (run * 4 + i) % 24, `/SUBSCRIPTIONS/RUN${run}/X`),
          }));
          for (let i = 0; i < 4; i++) {
            await appendToBlob(boxes[i] as ContainerClient, files[i]!.path, asJsonLines(records.filter((_, k) => fileOf[k] === i)));
          }
          const tables = newMemoryTableStore();
          for (const i of [...order, 0, 1, 2, 3]) await processFile(files[i]!, testDeps(tables));
          expect(await readAggregates(tables)).toEqual(expected);
        },
      ),
      { numRuns: 4 },
    );
  });

  it('call logs before or after the recordings give the same call, with its coverage', async () => {
    const { logs, recordings } = callSet(52, 4);
    const logBox = await container('callsummaryupdates');
    const recBox = await container('callrecordingsummary');
    const logPath = recordingBlobPath(DAY + 86_400_000, 2);
    const recPath = recordingBlobPath(DAY, 3);
    await appendToBlob(logBox, logPath, asJsonLines(logs));
    await appendToBlob(recBox, recPath, asJsonLines(recordings));
    const logFile = { container: logBox.containerName, path: logPath };
    const recFile = { container: recBox.containerName, path: recPath };

    const logsFirst = newTableStore();
    await processFile(logFile, testDeps(logsFirst));
    const before = await queryCalls(logsFirst, { granularity: 'day' });
    expect(before).toHaveLength(4);
    // Known only from the call logs: they appear, with no recording.
    expect(before.every((call) => call.recordingCount === 0 && call.participants >= 2 && call.recordingCoverage === 0)).toBe(true);
    await processFile(recFile, testDeps(logsFirst));

    const recordingsFirst = newTableStore();
    await processFile(recFile, testDeps(recordingsFirst));
    await processFile(logFile, testDeps(recordingsFirst));

    const a = await readAggregates(logsFirst);
    expect(a).toEqual(referenceAggregates(normalizeAll([...logs, ...recordings])));
    expect(await readAggregates(recordingsFirst)).toEqual(a);
    const joined = (await queryCalls(logsFirst, { granularity: 'day' })).filter((call) => call.recordingCount > 0);
    expect(joined).toHaveLength(2);
    // Call 1 has no version 2: 640 s; its recording is 300 s.
    expect(joined.find((call) => call.correlationId === 'call-52-1')).toMatchObject({
      callDurationSeconds: 640,
      recordingSeconds: 300,
      recordingCoverage: 0.46875,
    });
  });

  it('a later version that lowers the duration, in a later file, replaces the earlier one; a replay changes nothing', async () => {
    const box = await container('callsummaryupdates');
    const start = DAY + HOUR;
    const v1 = [1, 2].map((n) =>
      legRecord({ correlationId: 'call-late', participantId: `p${n}`, version: 1, time: start + HOUR, callStartTime: start, callDurationSeconds: 900 }),
    );
    const v2 = [1, 2].map((n) =>
      legRecord({
        correlationId: 'call-late',
        participantId: `p${n}`,
        version: 2,
        time: start + 30 * HOUR,
        callStartTime: start,
        callDurationSeconds: 300,
        stringNumbers: true,
      }),
    );
    const first = { container: box.containerName, path: recordingBlobPath(DAY, 2) };
    const later = { container: box.containerName, path: recordingBlobPath(DAY + 86_400_000, 7) };
    await appendToBlob(box, first.path, asJsonLines(v1));
    await appendToBlob(box, later.path, asJsonLines(v2));
    const tables = newTableStore();
    await processFile(first, testDeps(tables));
    expect((await queryCalls(tables, { granularity: 'day', correlationId: 'call-late' }))[0]).toMatchObject({
      callDurationSeconds: 900,
      participantSeconds: 1800,
    });
    await processFile(later, testDeps(tables));
    await processFile(first, testDeps(tables));
    const [call] = await queryCalls(tables, { granularity: 'day', correlationId: 'call-late' });
    expect(call).toMatchObject({ callDurationSeconds: 300, participantSeconds: 600, participants: 2 });
    // The earlier version arriving again, as a copy in another file, does not bring 900 s back.
    const copy = { container: box.containerName, path: recordingBlobPath(DAY + 2 * 86_400_000, 1) };
    await appendToBlob(box, copy.path, asJsonLines(v1));
    await processFile(copy, testDeps(tables));
    expect((await queryCalls(tables, { granularity: 'day', correlationId: 'call-late' }))[0]).toMatchObject({ callDurationSeconds: 300 });
  });
});
