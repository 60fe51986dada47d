import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { callsView } from '../../src/lib/aggregating/index.js';
import { backfill } from '../../src/lib/processing/backfill.js';
import { interleaveListings } from '../../src/lib/processing/sweep.js';
import { tailAndSweep } from '../../src/lib/processing/tailAndSweep.js';
import { appendToBlob, azuriteConnectionString, newContainer, newTableStore, readAggregates, referenceAggregates, testDeps } from '../support/storage.js';
import { asJsonLines, DAY, normalizeAll, recordingBlobPath, recordingLogs } from '../support/recordingLogs.js';
import { CallCommits, listedOrder, listing } from '../support/listings.js';

describe('interleaveListings', () => {
  it('yields the blobs of every container in path order, so one hour of every category comes together', async () => {
    const merged = interleaveListings(
      new Map([
        ['ops', listing('ops', ['r/h=00', 'r/h=01', 'r/h=02'])],
        ['sums', listing('sums', ['r/h=00', 'r/h=02'])],
        ['empty', listing('empty', [])],
      ]),
      () => expect.unreachable(),
    );
    expect(await listedOrder(merged)).toEqual(['ops:r/h=00', 'sums:r/h=00', 'ops:r/h=01', 'ops:r/h=02', 'sums:r/h=02']);
  });

  it('a listing that fails ends there and is reported; the others go on', async () => {
    const failures: string[] = [];
    const merged = interleaveListings(
      new Map([
        ['ops', listing('ops', ['a', 'c', 'e'], 1)],
        ['sums', listing('sums', ['b', 'd'])],
      ]),
      (container, error) => failures.push(`${container}: ${(error as Error).message}`),
    );
    expect(await listedOrder(merged)).toEqual(['ops:a', 'sums:b', 'sums:d']);
    expect(failures).toEqual(['ops: listing ops failed']);
  });
});

/** Four hours of calls, their operations and their recordings' summaries in two containers, as Azure Monitor writes them. */
async function callContainers(seed: number): Promise<{ containers: string[]; records: Record<string, unknown>[]; calls: number }> {
  const suffix = randomBytes(4).toString('hex');
  const ops = await newContainer(azuriteConnectionString(), `insights-logs-callrecordingoperational-${suffix}`);
  const sums = await newContainer(azuriteConnectionString(), `insights-logs-callrecordingsummary-${suffix}`);
  const records: Record<string, unknown>[] = [];
  for (let hour = 0; hour < 4; hour++) {
    const logs = recordingLogs(seed + hour, { calls: 6, lateSummary: 0 });
    await appendToBlob(ops, recordingBlobPath(DAY, hour), asJsonLines(logs.operations));
    await appendToBlob(sums, recordingBlobPath(DAY, hour), asJsonLines(logs.summaries));
    records.push(...logs.operations, ...logs.summaries);
  }
  // The call partitions the records make, each to be written once.
  const calls = new Set(normalizeAll(records).map((record) => callsView.route(record)?.partitionKey));
  calls.delete(undefined);
  return { containers: [ops.containerName, sums.containerName], records, calls: calls.size };
}

describe('a backlog in several containers is read hour by hour across them', () => {
  it('backfill writes each call once, its operations and its summaries together', async () => {
    const { containers, records, calls } = await callContainers(91);
    const tables = new CallCommits(newTableStore());
    // Two files at a time: one container after the other would write each call twice (operations, then summaries).
    await backfill(testDeps(tables), { containers, selection: {}, fileConcurrency: 2 });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
    expect(tables.calls).toBe(calls);
  });

  it('the timer sweep writes each call once too, and records each container swept', async () => {
    const { containers, records, calls } = await callContainers(92);
    const tables = new CallCommits(newTableStore());
    const summary = await tailAndSweep(testDeps(tables), { containers, sweepIntervalMs: 60_000, fileConcurrency: 2, deadline: Number.POSITIVE_INFINITY });
    expect(summary).toMatchObject({ sweepRan: true, swept: 8, problems: [] });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
    expect(tables.calls).toBe(calls);
    // Each container's sweep is recorded: the next run within the interval does not list them again.
    expect(await tailAndSweep(testDeps(tables), { containers, sweepIntervalMs: 60_000, fileConcurrency: 2, deadline: Number.POSITIVE_INFINITY })).toMatchObject(
      {
        sweepRan: false,
      },
    );
  });
});
