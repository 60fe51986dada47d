/**
 * Deterministic storage-format Call Recording logs (summaries, operations) and usage records, as
 * Azure Monitor writes them to `insights-logs-<category>` containers, for tests of the join and the
 * recording and usage views.
 */
import { RESOURCE } from './roomsLogs.js';
import { rng } from './random.js';

export { asJsonLines, normalizeAll, RESOURCE } from './roomsLogs.js';

export const RESOURCE_2 = RESOURCE.replace(/ACS1$/, 'ACS2');
export const DAY = Date.UTC(2024, 4, 25);
const HOUR = 3_600_000;

export function recordingBlobPath(day: number, hour: number, resource = RESOURCE): string {
  const d = new Date(day);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `resourceId=${resource}/y=${d.getUTCFullYear()}/m=${pad(d.getUTCMonth() + 1)}/d=${pad(d.getUTCDate())}/h=${pad(hour)}/m=00/PT1H.json`;
}

/** Storage time strings carry 7 fractional digits. */
export function storageTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '0000Z');
}

/** A base64-looking recording id as ACS hands out (~150 chars). */
export function recordingIdOf(call: string, n: number): string {
  const payload = JSON.stringify({ PlatformEndpointId: `${call}-endpoint`, ResourceSpecificId: `${call}-rec-${n}` });
  return Buffer.from(payload).toString('base64url');
}

export interface SummaryInput {
  correlationId: string | null;
  recordingId: string;
  time: number;
  startTime?: number | null;
  lengthSeconds?: number | string | null;
  chunkCount?: number;
  contentType?: string;
  channelType?: string;
  formatType?: string;
  audioChannelsCount?: number;
  endReason?: string;
  resource?: string;
}

export function summaryRecord(input: SummaryInput): Record<string, unknown> {
  const properties: Record<string, unknown> = {
    recordingId: input.recordingId,
    recordingEndReason: input.endReason ?? 'CallEnded',
    chunkCount: input.chunkCount ?? 1,
    contentType: input.contentType ?? 'Audio - Video',
    channelType: input.channelType ?? 'mixed',
    formatType: input.formatType ?? 'mp4',
    audioChannelsCount: input.audioChannelsCount ?? 1,
  };
  if (input.startTime !== null) properties['recordingStartTime'] = storageTime(input.startTime ?? input.time - 60_000);
  if (input.lengthSeconds !== null) properties['recordingLength'] = input.lengthSeconds ?? 60;
  return {
    time: storageTime(input.time),
    resourceId: input.resource ?? RESOURCE,
    category: 'CallRecordingSummary',
    operationName: 'RecordingSummary',
    operationVersion: '1.0',
    ...(input.correlationId === null ? {} : { correlationId: input.correlationId }),
    level: 'Informational',
    resultType: 'Succeeded',
    properties,
  };
}

export interface OperationInput {
  correlationId: string | null;
  operationName: string;
  time: number;
  /** Named in the URI (`.../recordings/{id}:pause`); absent for StartRecording. */
  recordingId?: string | null;
  failed?: boolean;
  durationMs?: number | null;
  sdkType?: string;
  sdkVersion?: string;
  callConnectionId?: string;
  resource?: string;
}

const ACTIONS: Readonly<Record<string, string>> = {
  PauseRecording: ':pause',
  ResumeRecording: ':resume',
  StopRecording: '',
  GetRecordingState: '',
};

export function operationRecord(input: OperationInput): Record<string, unknown> {
  const base = 'https://contoso.communication.azure.com/calling/recordings';
  const id = input.recordingId ?? null;
  const uri = id === null ? `${base}?api-version=2023-03-06` : `${base}/${encodeURIComponent(id)}${ACTIONS[input.operationName] ?? ''}?api-version=2023-03-06`;
  const failed = input.failed ?? false;
  return {
    time: storageTime(input.time),
    resourceId: input.resource ?? RESOURCE,
    category: 'CallRecordingOperational',
    operationName: input.operationName,
    operationVersion: '2023-03-06',
    ...(input.correlationId === null ? {} : { correlationId: input.correlationId }),
    level: failed ? 'Warning' : 'Informational',
    resultType: failed ? 'Failed' : 'Succeeded',
    resultSignature: failed ? 400 : input.operationName === 'StartRecording' ? 200 : 202,
    ...(input.durationMs === null ? {} : { durationMs: input.durationMs ?? 100 }),
    callerIpAddress: '203.0.113.7',
    properties: {
      URI: uri,
      CallConnectionId: input.callConnectionId ?? 'd5596715-ab0b-4a2b-8eee-575c250e4234',
      ServerCallId: 'aHR0cHM6Ly9hcGkuZXhhbXBsZS5jb20vY2FsbHMvMQ',
      SdkVersion: input.sdkVersion ?? '1.0.0',
      SdkType: input.sdkType ?? 'dotnet',
    },
  };
}

export interface UsageInput {
  time: number;
  usageType?: string;
  unitType?: string;
  quantity?: number | string;
  correlationId?: string;
  recordId?: string;
  resource?: string;
}

export function usageRecord(input: UsageInput): Record<string, unknown> {
  return {
    time: storageTime(input.time),
    resourceId: input.resource ?? RESOURCE,
    category: 'Usage',
    operationName: 'Usage',
    operationVersion: '1.0',
    correlationId: input.correlationId ?? 'usage-correlation',
    properties: {
      recordId: input.recordId ?? `rec-${input.time}`,
      usageType: input.usageType ?? 'Recording',
      unitType: input.unitType ?? 'Minute',
      quantity: input.quantity ?? 1.5,
      startTime: storageTime(input.time - 60_000),
      endTime: storageTime(input.time),
      participantId: '8:acs:secret-participant',
      userIdA: '8:acs:user-a',
      userIdB: '8:acs:user-b',
    },
  };
}

export interface GeneratedLogs {
  summaries: Record<string, unknown>[];
  operations: Record<string, unknown>[];
  usage: Record<string, unknown>[];
}

export interface GenerateOptions {
  calls?: number;
  /** Most recordings per call. */
  maxRecordings?: number;
  resource?: string;
  /** Share of recordings whose summary never arrives (still running, or lost). */
  missingSummary?: number;
  /** Share of records written twice by Azure Monitor (same content, another line). */
  duplicates?: number;
  /** Share of summaries logged the next day. */
  lateSummary?: number;
}

/**
 * Calls over 2024-05-25 (hours 0-5). Per call: some recordings started, paused, resumed and stopped
 * through the API (StartRecording names no recording; the others do), some failing; summaries
 * logged minutes (or a day) after the recording stopped, some missing; some calls recorded without
 * API operations; some records without a CorrelationId; a few duplicated lines; usage records.
 */
export function recordingLogs(seed: number, options: GenerateOptions = {}): GeneratedLogs {
  const random = rng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const logs: GeneratedLogs = { summaries: [], operations: [], usage: [] };
  const calls = options.calls ?? 20;
  const resource = options.resource ?? RESOURCE;
  for (let c = 0; c < calls; c++) {
    const call = `call-${seed}-${c}/${c % 3 === 0 ? 'x+y' : 'z'}`;
    const withApi = random() < 0.85;
    const correlationId = random() < 0.05 ? null : call;
    const recordings = 1 + Math.floor(random() * (options.maxRecordings ?? 3));
    let t = DAY + Math.floor(random() * 5 * HOUR);
    const sdkType = pick(['dotnet', 'java', 'js', 'python']);
    const sdkVersion = pick(['1.0.0', '1.1.0', '1.2.0-beta.1']);
    const callConnectionId = `conn-${seed}-${c}`;
    for (let r = 0; r < recordings; r++) {
      const recordingId = recordingIdOf(call, r);
      const op = (operationName: string, named: boolean, failed = random() < 0.08): void => {
        t += 1000 + Math.floor(random() * 60_000);
        logs.operations.push(
          operationRecord({
            correlationId,
            operationName,
            time: t,
            recordingId: named ? recordingId : null,
            failed,
            durationMs: random() < 0.05 ? null : 5 + Math.floor(random() * random() * 2000),
            sdkType,
            sdkVersion,
            callConnectionId,
            resource,
          }),
        );
      };
      const start = t;
      if (withApi) {
        op('StartRecording', false, false);
        if (random() < 0.4) {
          op('PauseRecording', true);
          op('ResumeRecording', true);
        }
        if (random() < 0.3) op('GetRecordingState', true);
        if (random() < 0.7) op('StopRecording', true);
      }
      t += 5000 + Math.floor(random() * 600_000);
      if (random() < (options.missingSummary ?? 0.1)) continue;
      const late = random() < (options.lateSummary ?? 0.1);
      logs.summaries.push(
        summaryRecord({
          correlationId,
          recordingId,
          time: t + (late ? 26 * HOUR : 120_000),
          startTime: start,
          lengthSeconds: random() < 0.2 ? String(((t - start) / 1000).toFixed(2)) : Math.round((t - start) / 10) / 100,
          chunkCount: 1 + Math.floor(random() * 4),
          contentType: pick(['Audio - Video', 'Audio Only', 'Transcription']),
          channelType: pick(['mixed', 'unmixed']),
          formatType: pick(['mp4', 'mp3', 'wav']),
          audioChannelsCount: 1 + Math.floor(random() * 2),
          endReason: pick(['CallEnded', 'StopRecording', 'SystemFailure']),
          resource,
        }),
      );
    }
    for (let u = 0; u < 2; u++) {
      logs.usage.push(
        usageRecord({
          time: t + u * 1000,
          usageType: pick(['Recording', 'Calling']),
          unitType: pick(['Minute', 'Megabyte']),
          quantity: pick([0.1, 0.2, 1.7, 3, 12.345678, 0.0000015]),
          correlationId: call,
          recordId: `u-${seed}-${c}-${u}`,
          resource,
        }),
      );
    }
  }
  const duplicates = options.duplicates ?? 0.05;
  for (const list of [logs.summaries, logs.operations, logs.usage]) {
    const copies = list.filter(() => random() < duplicates);
    list.push(...copies.map((record) => ({ ...record })));
  }
  return logs;
}

/** Every record of a call, for order tests: its summaries and operations interleaved by time. */
export function allRecords(logs: GeneratedLogs): Record<string, unknown>[] {
  return [...logs.operations, ...logs.summaries, ...logs.usage];
}

/**
 * One call with `recordings` recordings and about `operations` operations (Start and Stop for each
 * recording, then Pause/Resume pairs), `callConnections` distinct CallConnectionIds, spread over a day.
 */
export function largeCall(correlationId: string, recordings: number, operations: number, callConnections = 1): GeneratedLogs {
  const logs: GeneratedLogs = { summaries: [], operations: [], usage: [] };
  const random = rng(recordings * 7919 + operations);
  const ids = Array.from({ length: recordings }, (_, i) => recordingIdOf(correlationId, i));
  let n = 0;
  const op = (operationName: string, recordingId: string | null, time: number): void => {
    logs.operations.push(
      operationRecord({
        correlationId,
        operationName,
        time,
        recordingId,
        durationMs: 1 + Math.floor(random() * 900),
        failed: random() < 0.03,
        callConnectionId: `conn-${n % callConnections}`,
        sdkVersion: `1.${n % 7}.0`,
      }),
    );
    n++;
  };
  const step = Math.floor((20 * HOUR) / recordings);
  ids.forEach((id, i) => {
    const start = DAY + i * step;
    op('StartRecording', null, start);
    op('StopRecording', id, start + step - 1000);
    logs.summaries.push(
      summaryRecord({
        correlationId,
        recordingId: id,
        time: start + step + 60_000,
        startTime: start,
        lengthSeconds: (step - 1000) / 1000 + 0.123,
        chunkCount: 1 + (i % 3),
        formatType: i % 2 ? 'mp3' : 'mp4',
      }),
    );
  });
  for (let i = 0; logs.operations.length < operations; i++) {
    const id = ids[i % recordings] as string;
    const start = DAY + (i % recordings) * step;
    op(i % 2 ? 'ResumeRecording' : 'PauseRecording', id, start + 1000 + Math.floor(i / recordings) * 10);
  }
  return logs;
}

/**
 * An entity's size as Azure Table Storage counts it (docs: "Understanding the Table service data
 * model", entity size): 4 bytes + 2 bytes per char of PartitionKey and RowKey + per property
 * 8 bytes + 2 per char of its name + its value (string 4 + 2 per char, Int32 4, Double 8, bool 1).
 * Numbers are typed as TableStore sends them: integers within Int32 as Int32, others as Double.
 */
export function entitySizeBytes(partitionKey: string, rowKey: string, data: Record<string, unknown>): number {
  let size = 4 + 2 * (partitionKey.length + rowKey.length);
  for (const [name, value] of Object.entries(data)) {
    if (value === null || value === undefined) continue;
    size += 8 + 2 * name.length;
    if (typeof value === 'string') size += 4 + 2 * value.length;
    else if (typeof value === 'boolean') size += 1;
    else if (typeof value === 'number') size += Number.isInteger(value) && Math.abs(value) <= 2_147_483_647 ? 4 : 8;
    else size += 4 + 2 * JSON.stringify(value).length;
  }
  return size;
}
