import { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { quantileRank } from '../../src/lib/aggregating/recordings/durationSketch.js';
import type { NormalizedRecord, RecordingOperationRecord, RecordingSummaryRecord, UsageRecord } from '../../src/lib/normalizing/types.js';
import { processFile } from '../../src/lib/processing/processFile.js';
import { meanMs, queryCalls, queryRecordingOperations, queryRecordings, queryRecordingsPerCall } from '../../src/lib/querying/recordingQueries.js';
import { queryUsage } from '../../src/lib/querying/usageQueries.js';
import type { TableStore } from '../../src/lib/storage/TableStore.js';
import { appendToBlob, azuriteConnectionString, newContainer, newTableStore, testDeps } from '../support/storage.js';
import { allRecords, asJsonLines, DAY, normalizeAll, recordingBlobPath, recordingLogs, RESOURCE, RESOURCE_2 } from '../support/recordingLogs.js';

let tables: TableStore;
let records: NormalizedRecord[];
/** Each distinct record once: what the join sees (duplicated lines collapse). */
let distinct: NormalizedRecord[];

beforeAll(async () => {
  const a = recordingLogs(41, { calls: 30, maxRecordings: 4 });
  const b = recordingLogs(42, { calls: 10, resource: RESOURCE_2 });
  const raw = [...allRecords(a), ...allRecords(b)];
  records = normalizeAll(raw);
  distinct = [...new Map(records.map((r) => [JSON.stringify(r), r])).values()];
  tables = newTableStore();
  const box = await newContainer(azuriteConnectionString(), `insights-logs-callrecordingsummary-${randomBytes(4).toString('hex')}`);
  const half = Math.floor(raw.length / 2);
  const paths = [recordingBlobPath(DAY, 1), recordingBlobPath(DAY + 86_400_000, 2)];
  await appendToBlob(box, paths[0] as string, asJsonLines(raw.slice(half)));
  await appendToBlob(box, paths[1] as string, asJsonLines(raw.slice(0, half)));
  for (const path of paths) await processFile({ container: box.containerName, path }, testDeps(tables));
});

const summaries = (): RecordingSummaryRecord[] => records.filter((r): r is RecordingSummaryRecord => r.category === 'CallRecordingSummary');
const operations = (): RecordingOperationRecord[] => records.filter((r): r is RecordingOperationRecord => r.category === 'CallRecordingOperational');

describe('query recordings', () => {
  it('returns the documented fields per bucket, summing every summary line', async () => {
    const rows = await queryRecordings(tables, { granularity: 'day' });
    expect(Object.keys(rows[0] ?? {})).toEqual([
      'bucket',
      'resourceId',
      'recordings',
      'recordingSeconds',
      'chunks',
      'audioChannels',
      'byFormat',
      'byChannel',
      'byContent',
      'byEndReason',
    ]);
    expect(rows.reduce((sum, row) => sum + row.recordings, 0)).toBe(summaries().length);
    const ms = summaries().reduce((sum, s) => sum + Math.round((s.recordingLengthSeconds ?? 0) * 1000), 0);
    expect(rows.reduce((sum, row) => sum + Math.round(row.recordingSeconds * 1000), 0)).toBe(ms);
    expect(rows.reduce((sum, row) => sum + row.chunks, 0)).toBe(summaries().reduce((sum, s) => sum + (s.chunkCount ?? 0), 0));
    expect(rows.reduce((sum, row) => sum + (row.byFormat['mp4'] ?? 0), 0)).toBe(summaries().filter((s) => s.formatType === 'mp4').length);
    for (const row of rows) expect(Object.values(row.byEndReason).reduce((a, b) => a + b, 0)).toBe(row.recordings);
  });

  it('filters hour buckets by time and resource', async () => {
    const from = new Date(DAY + 2 * 3_600_000).toISOString();
    const to = new Date(DAY + 4 * 3_600_000).toISOString();
    const rows = await queryRecordings(tables, { granularity: 'hour', from, to, resourceId: RESOURCE_2.toLowerCase() });
    const expected = summaries().filter(
      (s) => s.resourceId === RESOURCE_2 && (s.recordingStartTime ?? s.time) >= DAY + 2 * 3_600_000 && (s.recordingStartTime ?? s.time) < DAY + 4 * 3_600_000,
    );
    expect(rows.every((row) => row.resourceId === RESOURCE_2 && row.bucket >= from && row.bucket < to)).toBe(true);
    expect(rows.reduce((sum, row) => sum + row.recordings, 0)).toBe(expected.length);
    expect(rows.map((row) => row.bucket)).toEqual([...rows.map((row) => row.bucket)].sort());
  });
});

describe('query recording-operations', () => {
  it('counts by name, signature and SDK with durations within the sketch bound of the exact values', async () => {
    for (const granularity of ['hour', 'day'] as const) {
      const rows = await queryRecordingOperations(tables, { granularity });
      expect(Object.keys(rows[0] ?? {})).toEqual(['bucket', 'resourceId', 'operationName', 'resultSignature', 'sdkType', 'count', 'failed', 'durationMs']);
      expect(rows.reduce((sum, row) => sum + row.count, 0)).toBe(operations().length);
      for (const row of rows) {
        const group = operations().filter(
          (op) =>
            op.resourceId === row.resourceId &&
            op.operationName === row.operationName &&
            op.resultSignature === row.resultSignature &&
            op.sdkType === row.sdkType &&
            new Date(op.time).toISOString().slice(0, granularity === 'hour' ? 13 : 10) === row.bucket.slice(0, granularity === 'hour' ? 13 : 10),
        );
        expect(row.count).toBe(group.length);
        expect(row.failed).toBe(group.filter((op) => op.resultType !== 'Succeeded').length);
        const durations = group
          .map((op) => op.durationMs)
          .filter((d): d is number => d !== null)
          .sort((a, b) => a - b);
        if (durations.length === 0) {
          expect(row.durationMs).toEqual({ min: null, max: null, mean: null, p50: null, p95: null, p99: null });
          continue;
        }
        expect(row.durationMs.min).toBe(durations[0]);
        expect(row.durationMs.max).toBe(durations[durations.length - 1]);
        expect(row.durationMs.mean).toBeCloseTo(durations.reduce((a, b) => a + b, 0) / durations.length, 3);
        for (const [q, key] of [
          [0.5, 'p50'],
          [0.95, 'p95'],
          [0.99, 'p99'],
        ] as const) {
          const exact = durations[quantileRank(q, durations.length)] as number;
          const shown = row.durationMs[key] as number;
          expect(Math.abs(shown - exact)).toBeLessThanOrEqual(0.01 * exact + 1e-9);
          // Six significant digits, as call-quality shows them: the sketch's 1 % makes more only noise.
          expect(Number(shown.toPrecision(6))).toBe(shown);
        }
      }
    }
  });
});

describe('query usage', () => {
  it('sums quantities exactly per bucket, usage type and unit type', async () => {
    const rows = await queryUsage(tables, { granularity: 'day', resourceId: RESOURCE });
    expect(Object.keys(rows[0] ?? {})).toEqual(['bucket', 'resourceId', 'usageType', 'unitType', 'quantity', 'records']);
    const usage = records.filter((r): r is UsageRecord => r.category === 'Usage' && r.resourceId === RESOURCE);
    for (const row of rows) {
      const group = usage.filter(
        (u) => u.usageType === row.usageType && u.unitType === row.unitType && new Date(u.time).toISOString().slice(0, 10) === row.bucket.slice(0, 10),
      );
      expect(row.records).toBe(group.length);
      const micros = group.reduce((sum, u) => sum + BigInt(Math.round(u.quantity * 1e6)), 0n);
      expect(row.quantity).toBe(Number(micros) / 1e6);
    }
    expect(rows.reduce((sum, row) => sum + row.records, 0)).toBe(usage.length);
  });
});

describe('query calls and recordings-per-call', () => {
  /** The join computed independently, from the distinct records. */
  function expectedCalls(): Map<string, { recordings: Set<string>; operations: RecordingOperationRecord[]; first: number; resourceId: string }> {
    const calls = new Map<string, { recordings: Set<string>; operations: RecordingOperationRecord[]; first: number; resourceId: string }>();
    for (const r of distinct) {
      if ((r.category !== 'CallRecordingSummary' && r.category !== 'CallRecordingOperational') || r.correlationId === null) continue;
      let call = calls.get(r.correlationId);
      if (!call) calls.set(r.correlationId, (call = { recordings: new Set(), operations: [], first: Infinity, resourceId: r.resourceId }));
      if (r.category === 'CallRecordingSummary') {
        call.recordings.add(r.recordingId);
        call.first = Math.min(call.first, r.time, r.recordingStartTime ?? Infinity);
      } else {
        call.operations.push(r);
        call.first = Math.min(call.first, r.time);
      }
    }
    return calls;
  }

  it('returns one row per call with the documented fields, joined', async () => {
    const rows = await queryCalls(tables, { granularity: 'day' });
    const expected = expectedCalls();
    expect(rows).toHaveLength(expected.size);
    expect(Object.keys(rows[0] ?? {})).toEqual([
      'correlationId',
      'resourceId',
      'recordingCount',
      'recordingSeconds',
      'operations',
      'operationCount',
      'failedOperations',
      'matched',
      'recordings',
      'recordingsWithoutSummary',
      'recordingIdsWithoutSummary',
      'summariesWithoutOperations',
      'sdkTypes',
      'sdkVersions',
      'callConnectionIds',
      'firstOperationAt',
      'lastOperationAt',
      'durationMs',
      'callStartTime',
      'callDurationSeconds',
      'callType',
      'participants',
      'participantSeconds',
      'endpointTypes',
      'endReasons',
      'streams',
      'poorStreams',
      'impacted',
      'recordingCoverage',
    ]);
    for (const row of rows) {
      const call = expected.get(row.correlationId);
      expect(call, row.correlationId).toBeDefined();
      expect(row.recordingCount).toBe(call?.recordings.size);
      expect(row.operationCount).toBe(call?.operations.length);
      expect(row.matched).toBe((call?.recordings.size ?? 0) > 0 && (call?.operations.length ?? 0) > 0);
      expect(
        row.recordings
          .filter((r) => r.hasSummary)
          .map((r) => r.recordingId)
          .sort(),
      ).toEqual([...(call?.recordings ?? [])].sort());
      const byName: Record<string, number> = {};
      for (const op of call?.operations ?? []) byName[op.operationName] = (byName[op.operationName] ?? 0) + 1;
      expect(row.operations).toEqual(byName);
      expect(Object.keys(row.recordings[0] ?? {})).toEqual(
        row.recordings.length === 0
          ? []
          : [
              'recordingId',
              'hasSummary',
              'startTime',
              'lengthSeconds',
              'contentType',
              'channelType',
              'formatType',
              'chunkCount',
              'audioChannelsCount',
              'endReason',
              'operations',
              'failedOperations',
            ],
      );
      for (const id of row.recordingIdsWithoutSummary) expect(call?.recordings.has(id)).toBe(false);
      for (const recording of row.recordings) {
        const attached = (call?.operations ?? []).filter((op) => op.recordingId === recording.recordingId);
        expect(Object.values(recording.operations).reduce((a, b) => a + b, 0)).toBe(attached.length);
        expect(recording.failedOperations).toBe(attached.filter((op) => op.resultType !== 'Succeeded').length);
      }
    }
    expect(rows.some((row) => row.recordingIdsWithoutSummary.length > 0)).toBe(true);
    expect(rows.some((row) => !row.matched && row.recordingCount > 0)).toBe(true);
    expect(JSON.stringify(rows)).not.toContain('203.0.113.7');
  });

  it('finds one call by its correlation id, and filters by resource and first time', async () => {
    const expected = expectedCalls();
    const [id, call] = [...expected.entries()].find(([key]) => key.includes('/x+y')) as [string, { first: number }];
    const one = await queryCalls(tables, { granularity: 'day', correlationId: id });
    expect(one.map((row) => row.correlationId)).toEqual([id]);
    expect(await queryCalls(tables, { granularity: 'day', correlationId: 'no such call' })).toEqual([]);

    const second = await queryCalls(tables, { granularity: 'day', resourceId: RESOURCE_2 });
    expect(second.length).toBe([...expected.values()].filter((c) => c.resourceId === RESOURCE_2).length);
    const from = new Date(call.first).toISOString();
    const inRange = await queryCalls(tables, { granularity: 'day', from });
    expect(inRange.length).toBe([...expected.values()].filter((c) => c.first >= call.first).length);
  });

  it('computes the histogram of recordings per call from the calls, with the same filters', async () => {
    const expected = expectedCalls();
    const histogram = new Map<number, number>();
    for (const call of expected.values()) histogram.set(call.recordings.size, (histogram.get(call.recordings.size) ?? 0) + 1);
    const rows = await queryRecordingsPerCall(tables, { granularity: 'day' });
    expect(rows).toEqual([...histogram.entries()].sort((a, b) => a[0] - b[0]).map(([recordings, calls]) => ({ recordings, calls })));

    const mid = new Date(DAY + 2.5 * 3_600_000).toISOString();
    const early = await queryRecordingsPerCall(tables, { granularity: 'day', to: mid });
    const late = await queryRecordingsPerCall(tables, { granularity: 'day', from: mid });
    const total = (list: { calls: number }[]): number => list.reduce((sum, row) => sum + row.calls, 0);
    expect(total(early) + total(late)).toBe(expected.size);
    expect(total(early)).toBe([...expected.values()].filter((c) => c.first < Date.parse(mid)).length);
    const onlySecond = await queryRecordingsPerCall(tables, { granularity: 'day', resourceId: RESOURCE_2 });
    expect(total(onlySecond)).toBe([...expected.values()].filter((c) => c.resourceId === RESOURCE_2).length);
  });
});

describe('the CLI views', () => {
  async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const sink = (append: (text: string) => void): Writable =>
      new Writable({
        write(chunk, _enc, done) {
          append(String(chunk));
          done();
        },
      });
    const code = await runCli(
      [...args, '--connection-string', azuriteConnectionString(), '--table-prefix', tables.prefix],
      sink((text) => (out += text)),
      sink((text) => (err += text)),
    );
    return { code, out, err };
  }

  it('print the five views as JSON and CSV, and take --correlation-id for calls only', async () => {
    const id = [
      ...new Set(
        summaries()
          .map((s) => s.correlationId)
          .filter((c): c is string => c !== null),
      ),
    ][0] as string;
    const call = await cli(['query', 'calls', '--correlation-id', id, '--format', 'json']);
    expect(call.code).toBe(0);
    expect((JSON.parse(call.out) as { correlationId: string }[]).map((row) => row.correlationId)).toEqual([id]);

    for (const view of ['recordings', 'recording-operations', 'usage', 'recordings-per-call', 'calls']) {
      const json = await cli(['query', view, '--format', 'json', '--granularity', 'hour']);
      expect(json.code, `${view}: ${json.err}`).toBe(0);
      expect((JSON.parse(json.out) as unknown[]).length).toBeGreaterThan(0);
    }
    const csv = await cli(['query', 'recordings-per-call', '--format', 'csv']);
    expect(csv.out.split('\n')[0]).toBe('recordings,calls');
    const table = await cli(['query', 'recording-operations', '--format', 'table']);
    expect(table.out).toContain('p95');

    const wrong = await cli(['query', 'recordings', '--correlation-id', id]);
    expect(wrong.code).toBe(2);
    expect(wrong.err).toContain('--correlation-id');
  });
});

describe('the mean of durations', () => {
  it('stays within the exact min and max: durations under a microsecond sum to 0 µs but their mean is not 0', () => {
    expect(meanMs(0, 1, 2e-7, 2e-7)).toBe(2e-7);
    expect(meanMs(1, 3, 0.0004, 0.0005)).toBe(0.0004);
    expect(meanMs(3_000, 2, 1, 2)).toBe(1.5);
  });
});
