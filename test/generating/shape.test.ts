import { beforeAll, describe, expect, it } from 'vitest';
import { categoryFromContainer, normalizeRecord, resourceIdFromBlobPath, type NormalizedRecord } from '../../src/lib/normalizing/index.js';
import type { LogAppend } from '../../src/lib/generating/index.js';
import { collect, HOUR, linesOf, scenario, type Line } from './helpers.js';

const PATH =
  /^resourceId=(\/SUBSCRIPTIONS\/[0-9A-F-]{36}\/RESOURCEGROUPS\/[A-Z0-9-]+\/PROVIDERS\/MICROSOFT\.COMMUNICATION\/COMMUNICATIONSERVICES\/[A-Z0-9-]+)\/y=(\d{4})\/m=(\d{2})\/d=(\d{2})\/h=(\d{2})\/m=00\/PT1H\.json$/;
const TIME_7 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$/;

function hourOf(path: string): number {
  const m = PATH.exec(path);
  if (!m) throw new Error(`bad path ${path}`);
  return Date.UTC(Number(m[2]), Number(m[3]) - 1, Number(m[4]), Number(m[5]));
}

let appends: LogAppend[];
let lines: Line[];
let normalized: { line: Line; record: NormalizedRecord }[];

beforeAll(() => {
  appends = collect(scenario());
  lines = linesOf(appends);
  normalized = lines.map((line) => {
    const result = normalizeRecord(line.raw, {
      fileCategory: categoryFromContainer(line.append.file.container),
      resourceIdFromPath: resourceIdFromBlobPath(line.append.file.path),
    });
    if (!result.success) throw new Error(`did not normalize: ${JSON.stringify(result)}\n${line.line}`);
    return { line, record: result.record };
  });
});

/** The record type whose category can be C (the call-log types cover two categories each). */
type OfCategory<C, R = NormalizedRecord> = R extends NormalizedRecord ? (C extends R['category'] ? R : never) : never;

function ofCategory<C extends NormalizedRecord['category']>(category: C): { line: Line; record: OfCategory<C> }[] {
  return normalized.filter((n) => n.record.category === category) as { line: Line; record: OfCategory<C> }[];
}

describe('generated files', () => {
  it('covers every category and both resources', () => {
    const containers = new Set(appends.map((a) => a.file.container));
    expect([...containers].sort()).toEqual([
      'insights-logs-calldiagnostics',
      'insights-logs-calldiagnosticsupdates',
      'insights-logs-callrecordingoperational',
      'insights-logs-callrecordingsummary',
      'insights-logs-callsummary',
      'insights-logs-callsummaryupdates',
      'insights-logs-roomsoperational',
      'insights-logs-usage',
    ]);
    expect(new Set(appends.map((a) => resourceIdFromBlobPath(a.file.path))).size).toBe(2);
  });

  it('uses the documented container and path layout', () => {
    for (const append of appends) {
      expect(append.file.path).toMatch(PATH);
      expect(categoryFromContainer(append.file.container)).toBeDefined();
      expect(append.lines.length).toBeGreaterThan(0);
      for (const line of append.lines) {
        expect(line.endsWith('\n')).toBe(true);
        expect(line.indexOf('\n')).toBe(line.length - 1);
      }
    }
  });

  it('writes every line so that it normalizes with the category and resource of its file', () => {
    expect(normalized.length).toBeGreaterThan(1000);
    for (const { line, record } of normalized) {
      expect(record.category).toBe(categoryFromContainer(line.append.file.container));
      expect(record.resourceId).toBe(resourceIdFromBlobPath(line.append.file.path));
      expect(line.raw['category']).toBe(record.category);
      expect(line.raw['resourceId']).toBe(record.resourceId);
      expect(line.raw['time']).toMatch(TIME_7);
    }
  });

  it('yields appends in `at` order, each inside its file hour and after every record it holds', () => {
    let previous = -Infinity;
    for (const append of appends) {
      expect(append.at).toBeGreaterThanOrEqual(previous);
      previous = append.at;
      const hour = hourOf(append.file.path);
      expect(append.at).toBeGreaterThanOrEqual(hour);
      expect(append.at).toBeLessThan(hour + HOUR);
    }
    for (const { line, record } of normalized) expect(record.time).toBeLessThanOrEqual(line.append.at);
    const opts = scenario();
    expect(appends[0]!.at).toBeGreaterThanOrEqual(opts.from);
    expect(appends[appends.length - 1]!.at).toBeLessThan(opts.to);
  });

  it('files records by time received: some are earlier than their file hour', () => {
    const late = normalized.filter(({ line, record }) => record.time < hourOf(line.append.file.path));
    expect(late.length).toBeGreaterThan(0);
    expect(late.length).toBeLessThan(normalized.length * 0.1);
  });

  it('appends several lines in one block now and then', () => {
    expect(appends.some((a) => a.lines.length > 1)).toBe(true);
    expect(appends.length).toBeLessThan(lines.length);
  });
});

describe('Rooms records', () => {
  it('follow room lifecycles with all operations and counts', () => {
    const rooms = ofCategory('RoomsOperational');
    const operations = new Set(rooms.map((r) => r.record.operationName));
    for (const op of ['CreateRoom', 'GetRoom', 'DeleteRoom', 'ListRooms', 'AddParticipants', 'UpdateParticipants', 'RemoveParticipants', 'GetParticipants']) {
      expect(operations).toContain(op);
    }
    expect(operations.has('PatchRoom') || operations.has('UpdateRoom')).toBe(true);
    const creates = rooms.filter((r) => r.record.operationName === 'CreateRoom' && r.record.resultType === 'Succeeded');
    expect(creates.length).toBeGreaterThan(100);
    for (const { record } of creates) {
      expect(record.roomId).toMatch(/^99466\d{12}$/);
      expect(record.roomLifespanMinutes).toBeGreaterThan(0);
      expect(record.addedParticipantsCount).toBe(record.participantsCount);
      expect((record.participantsAttendee ?? 0) + (record.participantsPresenter ?? 0) + (record.participantsConsumer ?? 0)).toBe(record.participantsCount);
      expect(record.pstnDialOutEnabled).not.toBeNull();
    }
    // A room's later operations come after its creation; deletes come late in its lifespan.
    const created = new Map(creates.map((c) => [c.record.roomId, c.record]));
    const deletes = rooms.filter((r) => r.record.operationName === 'DeleteRoom' && r.record.resultType === 'Succeeded');
    expect(deletes.length).toBeGreaterThan(20);
    for (const { record } of deletes) {
      const create = created.get(record.roomId);
      if (!create) continue;
      const age = (record.time - create.time) / 60_000;
      expect(age).toBeGreaterThan((create.roomLifespanMinutes ?? 0) * 0.8);
    }
    for (const { record } of rooms) {
      const create = created.get(record.roomId);
      if (create) expect(record.time).toBeGreaterThanOrEqual(create.time);
    }
    const lists = rooms.filter((r) => r.record.operationName === 'ListRooms');
    for (const { record } of lists) expect(record.roomId).toBeNull();
  });

  it('fail now and then, with 404s after deletion', () => {
    const rooms = ofCategory('RoomsOperational');
    const failed = rooms.filter((r) => r.record.resultType !== 'Succeeded');
    const share = failed.length / rooms.length;
    expect(share).toBeGreaterThan(0.01);
    expect(share).toBeLessThan(0.1);
    const statuses = new Set(failed.map((f) => f.record.resultSignature));
    for (const status of ['400', '404', '429', '500']) expect(statuses).toContain(status);
    expect(new Set(failed.map((f) => f.record.resultType))).toEqual(new Set(['Failed', 'ClientError']));
    const deletedAt = new Map<string, number>();
    for (const { record } of rooms) {
      if (record.operationName === 'DeleteRoom' && record.resultType === 'Succeeded') deletedAt.set(record.roomId as string, record.time);
    }
    const afterDelete = rooms.filter((r) => r.record.roomId !== null && r.record.time > (deletedAt.get(r.record.roomId) ?? Infinity));
    expect(afterDelete.length).toBeGreaterThan(0);
    for (const { record } of afterDelete) expect(record.resultSignature).toBe('404');
  });

  it('write resultSignature as numbers and as strings, and correlation ids as base64', () => {
    const rooms = ofCategory('RoomsOperational');
    const kinds = new Set(rooms.map((r) => typeof r.line.raw['resultSignature']));
    expect(kinds).toEqual(new Set(['number', 'string']));
    for (const { line } of rooms) expect(line.raw['correlationId']).toMatch(/^[A-Za-z0-9+/]{22}$/);
    expect(rooms.some((r) => /[+/]/.test(r.line.raw['correlationId'] as string))).toBe(true);
    for (const { line } of rooms) expect(line.raw['callerIpAddress']).toMatch(/^(203\.0\.113|198\.51\.100)\.\d{1,3}$/);
  });

  it('stop failing when failureRate is 0', () => {
    const rooms = collect(scenario({ failureRate: 0, callsPerHour: 0 }));
    const failed = linesOf(rooms).filter((l) => l.raw['resultType'] !== 'Succeeded');
    expect(failed).toEqual([]);
  });
});

describe('Call Recording records', () => {
  it('carry the recording id in every URI but StartRecording’s, and match the summaries for most recordings', () => {
    const ops = ofCategory('CallRecordingOperational');
    const summaries = ofCategory('CallRecordingSummary');
    expect(ops.length).toBeGreaterThan(200);
    expect(summaries.length).toBeGreaterThan(50);
    for (const { record } of ops) {
      expect(record.uri).toMatch(/^https:\/\/[a-z0-9-]+\.communication\.azure\.com\/calling\/recordings/);
      expect(record.uri).toContain(`api-version=${record.operationVersion}`);
      expect(record.serverCallId).toMatch(/^aHR0cHM6Ly9hcGk/);
      expect(record.callConnectionId).toMatch(/^[0-9a-f-]{36}$/);
      expect(record.sdkType).not.toBeNull();
      expect(record.durationMs).toBeGreaterThan(0);
      if (/^Start/.test(record.operationName)) expect(record.recordingId).toBeNull();
      else expect(record.recordingId).not.toBeNull();
    }
    const summaryIds = new Set(summaries.map((s) => s.record.recordingId));
    expect(summaryIds.size).toBe(summaries.length); // one summary per recording
    const opIds = new Set(ops.map((o) => o.record.recordingId).filter((id): id is string => id !== null));
    const opIdsWithSummary = [...opIds].filter((id) => summaryIds.has(id));
    expect(opIdsWithSummary.length / opIds.size).toBeGreaterThan(0.75);
    expect(opIdsWithSummary.length).toBeLessThan(opIds.size); // some are lost or still running
    const summariesWithOps = summaries.filter((s) => opIds.has(s.record.recordingId));
    expect(summariesWithOps.length / summaries.length).toBeGreaterThan(0.75);
    expect(summariesWithOps.length).toBeLessThan(summaries.length); // Teams-started recordings
    // The summary shares the call's correlation id.
    const callOf = new Map(ops.map((o) => [o.record.recordingId, o.record.correlationId]));
    for (const { record } of summariesWithOps) expect(record.correlationId).toBe(callOf.get(record.recordingId));
  });

  it('write each summary summaryDelayMinutes after its StopRecording, often in a later file', () => {
    const options = scenario();
    const [min, max] = options.summaryDelayMinutes;
    const stops = new Map<string, { time: number; at: number }>();
    for (const { line, record } of ofCategory('CallRecordingOperational')) {
      if (/^Stop/.test(record.operationName) && record.resultType === 'Succeeded' && record.recordingId) {
        stops.set(record.recordingId, { time: record.time, at: line.append.at });
      }
    }
    let checked = 0;
    let laterHour = 0;
    let writtenBeforeStop = 0;
    for (const { line, record } of ofCategory('CallRecordingSummary')) {
      const stop = stops.get(record.recordingId);
      if (!stop) continue;
      checked++;
      expect(record.time).toBeGreaterThanOrEqual(stop.time + min * 60_000 - 1);
      expect(record.time).toBeLessThanOrEqual(stop.time + max * 60_000 + 1);
      // Categories travel separately: a StopRecording held up in ingestion can land after its summary.
      if (line.append.at <= stop.at) writtenBeforeStop++;
      expect(record.recordingStartTime).not.toBeNull();
      expect(record.recordingStartTime!).toBeLessThan(stop.time);
      if (Math.floor(line.append.at / HOUR) > Math.floor(stop.at / HOUR)) laterHour++;
    }
    expect(checked).toBeGreaterThan(30);
    expect(laterHour).toBeGreaterThan(0);
    expect(writtenBeforeStop).toBeLessThan(checked * 0.05);
  });

  it('write summaries with realistic fields', () => {
    const summaries = ofCategory('CallRecordingSummary');
    for (const { line, record } of summaries) {
      expect(record.operationName).toBe('RecordingSummary');
      expect(record.recordingId).toMatch(/^eyJQbGF0Zm9ybUVuZHBvaW50SWQiOi[A-Za-z0-9]+$/);
      expect(JSON.parse(Buffer.from(record.recordingId, 'base64').toString())).toHaveProperty('ResourceSpecificId');
      expect(record.recordingLengthSeconds).toBeGreaterThan(0);
      expect(record.chunkCount).toBe(Math.max(1, Math.ceil(record.recordingLengthSeconds! / 14_400)));
      expect(['Audio - Video', 'Audio Only', 'Transcription']).toContain(record.contentType);
      expect(['mixed', 'unmixed']).toContain(record.channelType);
      expect(['CallEnded', 'StopRecordingRequested', 'Error']).toContain(record.recordingEndReason);
      if (record.channelType === 'mixed') expect(record.audioChannelsCount).toBe(1);
      expect(line.properties['recordingStartTime']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$/);
    }
    expect(new Set(summaries.map((s) => s.record.formatType))).toEqual(new Set(['mp4', 'mp3', 'wav', null]));
    expect(summaries.some((s) => typeof s.line.properties['recordingLength'] === 'string')).toBe(true);
    expect(new Set(summaries.map((s) => s.record.recordingEndReason)).size).toBeGreaterThanOrEqual(2);
  });

  it('pause and resume in pairs within calls that hold several recordings', () => {
    const ops = ofCategory('CallRecordingOperational');
    const names = new Set(ops.map((o) => o.record.operationName.replace('CallRecording', 'Recording').replace(/^(\w+?)Recording$/, '$1')));
    expect(names).toEqual(new Set(['Start', 'Pause', 'Resume', 'Stop']));
    const perCall = new Map<string, Set<string>>();
    for (const { record } of ops) {
      if (!record.recordingId) continue;
      const set = perCall.get(record.correlationId as string) ?? new Set<string>();
      set.add(record.recordingId);
      perCall.set(record.correlationId as string, set);
    }
    const counts = [...perCall.values()].map((s) => s.size);
    expect(Math.max(...counts)).toBeGreaterThanOrEqual(3);
    expect(counts.filter((c) => c === 1).length).toBeGreaterThan(0);
    // Per recording, by time: every successful resume follows a successful pause; nothing succeeds after a stop.
    const byRecording = new Map<string, typeof ops>();
    for (const op of ops) {
      if (!op.record.recordingId) continue;
      const list = byRecording.get(op.record.recordingId) ?? [];
      list.push(op);
      byRecording.set(op.record.recordingId, list);
    }
    let pairs = 0;
    for (const list of byRecording.values()) {
      let paused = false;
      let stopped = false;
      for (const { record } of [...list].sort((a, b) => a.record.time - b.record.time)) {
        if (record.resultType !== 'Succeeded') continue;
        expect(stopped).toBe(false);
        if (/^Pause/.test(record.operationName)) paused = true;
        if (/^Resume/.test(record.operationName)) {
          expect(paused).toBe(true);
          paused = false;
          pairs++;
        }
        if (/^Stop/.test(record.operationName)) stopped = true;
      }
    }
    expect(pairs).toBeGreaterThan(10);
    const signatures = new Set(ops.map((o) => o.record.resultSignature));
    for (const s of ['200', '202', '204']) expect(signatures).toContain(s);
  });
});

describe('call logs', () => {
  it('share the CorrelationIds of the recorded calls, so the join shows', () => {
    const recorded = new Set(ofCategory('CallRecordingOperational').map((o) => o.record.correlationId));
    const legs = [...ofCategory('CallSummary'), ...ofCategory('CallSummaryUpdates')];
    expect(legs.length).toBeGreaterThan(50);
    const calls = new Set(legs.map((l) => l.record.correlationId));
    const joined = [...calls].filter((c) => recorded.has(c));
    expect(joined.length / calls.size).toBeGreaterThan(0.9);
  });

  it('write Updates versions, re-send some of them, and leave plain records without a version', () => {
    const updates = ofCategory('CallSummaryUpdates');
    const versions = new Set(updates.map((u) => u.record.callUpdatesVersion));
    expect([...versions].sort()).toEqual([1, 2]);
    expect(ofCategory('CallSummary').every((p) => p.record.callUpdatesVersion === null)).toBe(true);
    const lines = updates.map((u) => JSON.stringify({ ...u.record, time: 0 }));
    expect(new Set(lines).size).toBeLessThan(lines.length); // a version written twice
  });

  it('include some poor streams (Insights thresholds), most of them good', () => {
    const streams = [...ofCategory('CallDiagnostics'), ...ofCategory('CallDiagnosticsUpdates')].map((d) => d.record);
    expect(streams.length).toBeGreaterThan(100);
    const poor = streams.filter((r) => (r.jitterAvg ?? 0) > 30 || (r.packetLossRateAvg ?? 0) > 0.1 || (r.roundTripTimeAvg ?? 0) > 500);
    expect(poor.length).toBeGreaterThan(0);
    expect(poor.length / streams.length).toBeLessThan(0.15);
  });

  it('never carry a participant or endpoint id into the normalized records', () => {
    for (const { line, record } of [...ofCategory('CallSummaryUpdates'), ...ofCategory('CallDiagnostics')].slice(0, 50)) {
      const id = line.properties['participantId'];
      expect(typeof id).toBe('string');
      expect(JSON.stringify(record)).not.toContain(id as string);
    }
  });
});

describe('Usage records', () => {
  it('bill call participants and recordings with fake personal ids', () => {
    const usage = ofCategory('Usage');
    expect(usage.length).toBeGreaterThan(100);
    const types = new Set(usage.map((u) => u.record.usageType));
    for (const t of ['Audio', 'Recording']) expect(types).toContain(t);
    for (const { line, record } of usage) {
      expect(record.quantity).toBeGreaterThanOrEqual(0);
      expect(record.recordId).toMatch(/^[0-9a-f-]{36}$/);
      expect(record.startTime).not.toBeNull();
      expect(record.endTime!).toBeGreaterThanOrEqual(record.startTime!);
      expect(record.time).toBeGreaterThanOrEqual(record.endTime!);
      const a = line.properties['userIdA'];
      if (record.usageType === 'Audio') expect(a).toMatch(/^8:(acs:[0-9a-f-]{36}_0000001[0-9a-f]-|orgid:)/);
      if (record.usageType === 'PSTN') expect(line.properties['userIdB']).toMatch(/^\+1\d{3}55501\d{2}$/);
    }
    expect(usage.some((u) => !Number.isInteger(u.record.quantity))).toBe(true);
  });
});
