/**
 * Storage-format call logs (CallSummary, CallDiagnostics and their Updates) for tests of the call
 * join and the call views, in either casing and with numbers as numbers or as strings.
 */
import { RESOURCE, storageTime } from './recordingLogs.js';

export type Casing = 'camel' | 'pascal';

export interface LegInput {
  correlationId: string;
  participantId: string | null;
  endpointId?: string | null;
  /** Null: a plain CallSummary record; a number: a CallSummaryUpdates record of that version. */
  version: number | null;
  time: number;
  callStartTime: number;
  callDurationSeconds: number | null;
  participantDurationSeconds?: number | null;
  callType?: string;
  endReason?: string | null;
  endpointType?: string;
  resource?: string;
  casing?: Casing;
  /** Numbers written as strings, as in the documentation's samples. */
  stringNumbers?: boolean;
}

export interface StreamInput {
  correlationId: string;
  participantId: string | null;
  endpointId?: string | null;
  version: number | null;
  time: number;
  mediaType?: string;
  streamId?: string;
  direction?: string;
  jitterAvg?: number | null;
  roundTripTimeAvg?: number | null;
  packetLossRateAvg?: number | null;
  endpointType?: string;
  resource?: string;
  casing?: Casing;
  stringNumbers?: boolean;
}

function cased(name: string, casing: Casing): string {
  return casing === 'camel' ? name : name[0]!.toUpperCase() + name.slice(1);
}

function written(value: number | null | undefined, asString: boolean): unknown {
  if (value === undefined) return undefined;
  if (value === null) return asString ? 'null' : null;
  return asString ? String(value) : value;
}

function envelope(
  category: string,
  input: { correlationId: string; time: number; resource?: string; casing?: Casing },
  properties: Record<string, unknown>,
): Record<string, unknown> {
  const casing = input.casing ?? 'camel';
  const props: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(properties)) if (value !== undefined) props[cased(key, casing)] = value;
  return {
    [cased('time', casing)]: storageTime(input.time),
    [cased('resourceId', casing)]: input.resource ?? RESOURCE,
    [cased('correlationId', casing)]: input.correlationId,
    [cased('operationName', casing)]: category.startsWith('CallSummary') ? 'CallSummary' : 'CallDiagnostics',
    [cased('operationVersion', casing)]: '1.0',
    [cased('category', casing)]: category,
    [cased('properties', casing)]: props,
  };
}

export function legRecord(input: LegInput): Record<string, unknown> {
  const s = input.stringNumbers ?? false;
  const category = input.version === null ? 'CallSummary' : 'CallSummaryUpdates';
  return envelope(category, input, {
    callStartTime: storageTime(input.callStartTime),
    callDuration: written(input.callDurationSeconds, s),
    callType: input.callType ?? 'Group',
    participantId: input.participantId ?? 'null',
    participantStartTime: storageTime(input.callStartTime + 1000),
    participantDuration: written(input.participantDurationSeconds === undefined ? input.callDurationSeconds : input.participantDurationSeconds, s),
    participantEndReason: input.endReason === undefined ? '0' : input.endReason,
    endpointId: input.endpointId === undefined ? null : input.endpointId,
    endpointType: input.endpointType ?? 'VoIP',
    // The documentation's Updates samples spell it in lower case.
    callupdatesversion: input.version === null ? undefined : s ? String(input.version) : input.version,
  });
}

export function streamRecord(input: StreamInput): Record<string, unknown> {
  const s = input.stringNumbers ?? false;
  const category = input.version === null ? 'CallDiagnostics' : 'CallDiagnosticsUpdates';
  return envelope(category, input, {
    participantId: input.participantId ?? 'null',
    endpointId: input.endpointId === undefined ? null : input.endpointId,
    endpointType: input.endpointType ?? 'VoIP',
    mediaType: input.mediaType ?? 'Audio',
    streamId: input.streamId ?? '14884',
    streamDirection: input.direction ?? 'Inbound',
    transportType: 'UDP',
    jitterAvg: written(input.jitterAvg === undefined ? 2 : input.jitterAvg, s),
    roundTripTimeAvg: written(input.roundTripTimeAvg === undefined ? 40 : input.roundTripTimeAvg, s),
    packetLossRateAvg: written(input.packetLossRateAvg === undefined ? 0.001 : input.packetLossRateAvg, s),
    callupdatesversion: input.version === null ? undefined : s ? String(input.version) : input.version,
  });
}

/** Call ids shaped as GUIDs whose first hex digits take every value in turn (as an account's packed Calls table spreads them), `tag` keeping sets apart. */
export function guidLikeCallIds(count: number, tag = ''): string[] {
  return Array.from({ length: count }, (_, c) => `${(c % 16).toString(16)}${String(c).padStart(7, '0')}-0000-4000-8000-${tag}000000000000`);
}

/** Each call's two legs (version 1, an hour into `day`) and a media stream of each leg. */
export function twoLegCalls(ids: readonly string[], day: number): Record<string, unknown>[] {
  const records: Record<string, unknown>[] = [];
  for (const [c, correlationId] of ids.entries()) {
    for (let l = 0; l < 2; l++) {
      const participantId = `p-${c}-${l}`;
      const time = day + 3_600_000;
      records.push(legRecord({ correlationId, callStartTime: day, participantId, version: 1, time, callDurationSeconds: 60 + c }));
      records.push(streamRecord({ correlationId, participantId, version: 1, time, jitterAvg: l }));
    }
  }
  return records;
}
