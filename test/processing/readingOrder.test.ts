import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { callsView } from '../../src/lib/aggregating/index.js';
import { containerForCategory } from '../../src/lib/normalizing/index.js';
import { processLocalFiles } from '../../src/lib/processing/localCopies.js';
import { readingFamilies, readingFamilyOf } from '../../src/lib/processing/readingOrder.js';
import { interleaveListings } from '../../src/lib/processing/sweep.js';
import type { ListedLogFile, LogFileRef, LogFileStat } from '../../src/lib/storage/LogSource.js';
import { LOCAL_CONTAINER, LocalLogSource } from '../../src/lib/storage/LocalLogSource.js';
import { asJsonLines, DAY, normalizeAll, recordingBlobPath, recordingLogs, usageRecord } from '../support/recordingLogs.js';
import { newTableStore, readAggregates, referenceAggregates, testDeps } from '../support/storage.js';
import { CallCommits, listedOrder, listing } from '../support/listings.js';

describe('the family of a container', () => {
  it("puts the call join's six categories first, then Rooms, then Usage; an unknown container with the calls", () => {
    for (const category of [
      'CallSummary',
      'CallSummaryUpdates',
      'CallDiagnostics',
      'CallDiagnosticsUpdates',
      'CallRecordingSummary',
      'CallRecordingOperational',
    ] as const) {
      expect(readingFamilyOf(containerForCategory(category))).toBe(0);
    }
    expect(readingFamilyOf('insights-logs-roomsoperational')).toBe(1);
    expect(readingFamilyOf('INSIGHTS-LOGS-ROOMSOPERATIONAL')).toBe(1);
    expect(readingFamilyOf('insights-logs-usage')).toBe(2);
    expect(readingFamilyOf('my-own-container')).toBe(0);
  });

  it("knows the containers the settings name (ACS_LOGS_CONTAINER_*), and Azure Monitor's names for the others", () => {
    const familyOf = readingFamilies({ RoomsOperational: 'rooms-logs', Usage: 'usage-logs', CallSummary: 'calls-logs' });
    expect(familyOf('rooms-logs')).toBe(1);
    expect(familyOf('usage-logs')).toBe(2);
    expect(familyOf('calls-logs')).toBe(0);
    expect(familyOf('insights-logs-roomsoperational')).toBe(1);
    expect(familyOf('my-own-container')).toBe(0);
  });
});

function containersOfEveryFamily(): Map<string, AsyncGenerator<ListedLogFile>> {
  return new Map([
    ['insights-logs-usage', listing('insights-logs-usage', ['r/h=00', 'r/h=01'])],
    ['insights-logs-roomsoperational', listing('insights-logs-roomsoperational', ['r/h=00', 'r/h=01'])],
    ['insights-logs-callsummary', listing('insights-logs-callsummary', ['r/h=01'])],
    ['custom', listing('custom', ['r/h=00', 'r/h=02'])],
  ]);
}

describe('listings of several containers', () => {
  it('come family by family, each in path order across its containers (process, backfill)', async () => {
    expect(await listedOrder(interleaveListings(containersOfEveryFamily(), () => expect.unreachable(), readingFamilyOf))).toEqual([
      'custom:r/h=00',
      'insights-logs-callsummary:r/h=01',
      'custom:r/h=02',
      'insights-logs-roomsoperational:r/h=00',
      'insights-logs-roomsoperational:r/h=01',
      'insights-logs-usage:r/h=00',
      'insights-logs-usage:r/h=01',
    ]);
  });

  it('come in path order across every container without families (the timer, which ends at a deadline)', async () => {
    const order = await listedOrder(interleaveListings(containersOfEveryFamily(), () => expect.unreachable()));
    expect(order.map((entry) => entry.split(':')[1])).toEqual(['r/h=00', 'r/h=00', 'r/h=00', 'r/h=01', 'r/h=01', 'r/h=01', 'r/h=02']);
  });
});

/** A file system where one container's files take long to measure: they ask to read after files started later. */
class SlowStat extends LocalLogSource {
  constructor(private readonly slowContainer: string) {
    super();
  }
  override async stat(file: LogFileRef): Promise<LogFileStat | null> {
    const info = await super.stat(file);
    if (file.container === this.slowContainer) await new Promise((resolve) => setTimeout(resolve, 300));
    return info;
  }
}

describe('a local tree larger than one write', () => {
  /** Each call's operations in hour 0, its summaries in hour 1, and three times as many Usage records in both. */
  async function tree(): Promise<{ paths: string[]; all: Record<string, unknown>[]; callRecords: number; calls: Set<string | undefined> }> {
    const logs = recordingLogs(141, { calls: 24, lateSummary: 0, duplicates: 0, missingSummary: 0 });
    const usage = (hour: number): Record<string, unknown>[] =>
      Array.from({ length: 3 * (logs.operations.length + logs.summaries.length) }, (_, i) =>
        usageRecord({ time: DAY + hour * 3_600_000 + i * 1000, recordId: `u-${hour}-${i}` }),
      );
    const files: Record<string, Record<string, unknown>[]> = {
      [`${containerForCategory('CallRecordingOperational')}/${recordingBlobPath(DAY, 0)}`]: logs.operations,
      [`${containerForCategory('Usage')}/${recordingBlobPath(DAY, 0)}`]: usage(0),
      [`${containerForCategory('CallRecordingSummary')}/${recordingBlobPath(DAY, 1)}`]: logs.summaries,
      [`${containerForCategory('Usage')}/${recordingBlobPath(DAY, 1)}`]: usage(1),
    };
    const dir = await mkdtemp(path.join(os.tmpdir(), 'acs-order-'));
    const paths: string[] = [];
    for (const [relative, records] of Object.entries(files)) {
      const file = path.join(dir, relative);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, asJsonLines(records));
      paths.push(file);
    }
    const calls = new Set(normalizeAll([...logs.operations, ...logs.summaries]).map((record) => callsView.route(record)?.partitionKey));
    calls.delete(undefined);
    return { paths, all: Object.values(files).flat(), callRecords: logs.operations.length + logs.summaries.length, calls };
  }

  async function processInto(tables: CallCommits, source = new LocalLogSource()): Promise<void> {
    const { paths, all, callRecords, calls } = await tree();
    // Room for the calls' records and a little more: hour by hour, hour 0's Usage would push the summaries to a second write.
    const { settings, views, logger } = testDeps(tables, undefined, { heldRecords: Math.ceil(callRecords * 1.3) });
    await processLocalFiles({ source, tables, settings, views, logger }, paths, LOCAL_CONTAINER, {}, 8);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(all)));
    expect(tables.calls).toBe(calls.size);
  }

  it('leaves Usage for the next write, not the last hour of the calls: each call is written once', async () => {
    await processInto(new CallCommits(newTableStore()));
  });

  it('does so whatever order the files are ready to read in: segments are admitted in the order the run took the files', async () => {
    // The summaries are measured last: admitted as they asked, hour 0's Usage would go first (45 call transactions).
    await processInto(new CallCommits(newTableStore()), new SlowStat(containerForCategory('CallRecordingSummary')));
  });
});
