/**
 * The call logs' rows in a call's partition of the Calls table, and how a record becomes one. Pure.
 *
 * - `l|<leg>`: one per participant leg, leg = the digest of the ParticipantId, or of the EndpointId
 *   when there is none. Its CallSummary(Updates) record, and its media streams (CallDiagnostics and
 *   CallDiagnosticsUpdates) in property `streams` (legStreams.ts): a leg row may hold streams only.
 * - `m|<stream key>`: one media stream, for streams a leg row has no room for, and as earlier
 *   versions stored every stream. The stream key is a digest of (leg, MediaType, StreamId,
 *   StreamDirection), the last three without regard to case.
 *
 * Which record wins, per leg or stream: the highest CallUpdatesVersion (a plain record counts as
 * version 0), then the latest time, then the larger content digest. So the row is a pure function of
 * the set of records, whatever their order, and a line written twice counts once.
 */
import type { CallDiagnosticsRecord, CallSummaryRecord } from '../../normalizing/types.js';
import { isoTime } from '../timeBuckets.js';
import type { RowData } from '../types.js';
import { clip, clipOrNull, MAX_ID_CHARS, secondsToMs } from '../rowValues.js';
import { digest, encodeKeyPart } from '../../storage/keys.js';

export const LEG_ROW_PREFIX = 'l|';
export const STREAM_ROW_PREFIX = 'm|';

/** The leg a record belongs to: `p<participant digest>`, `e<endpoint digest>`, or `-` (the server, or no id at all). */
export function legOf(record: CallSummaryRecord | CallDiagnosticsRecord): string {
  if (record.participantKey !== null) return 'p' + record.participantKey;
  if (record.endpointKey !== null) return 'e' + record.endpointKey;
  return '-';
}

export function legRowKey(record: CallSummaryRecord | CallDiagnosticsRecord): string {
  return LEG_ROW_PREFIX + encodeKeyPart(legOf(record));
}

/** Stream keys of the records routed or folded lately: a record is routed twice and folded once per write. */
const streamKeys = new WeakMap<CallDiagnosticsRecord, string>();

/** A stream's key: in its leg row's map, and after STREAM_ROW_PREFIX in its own row. */
export function streamKeyOf(record: CallDiagnosticsRecord): string {
  let key = streamKeys.get(record);
  if (key === undefined) {
    const identity = JSON.stringify([legOf(record), lower(record.mediaType), lower(record.streamId), lower(record.streamDirection)]);
    key = encodeKeyPart(digest(identity));
    streamKeys.set(record, key);
  }
  return key;
}

export function streamRowKey(record: CallDiagnosticsRecord): string {
  return STREAM_ROW_PREFIX + streamKeyOf(record);
}

function lower(value: string | null): string | null {
  return value === null ? null : value.trim().toLowerCase();
}

/** Microsoft's Insights rule for a poor stream, on the Avg values only. */
export const POOR_JITTER_MS = 30;
export const POOR_PACKET_LOSS = 0.1;
export const POOR_ROUND_TRIP_MS = 500;

export function isPoorStream(jitterAvg: number | null, packetLossRateAvg: number | null, roundTripTimeAvg: number | null): boolean {
  return (jitterAvg ?? 0) > POOR_JITTER_MS || (packetLossRateAvg ?? 0) > POOR_PACKET_LOSS || (roundTripTimeAvg ?? 0) > POOR_ROUND_TRIP_MS;
}

/** The version, time and content digest a record competes with; compared in that order. */
export interface Rank {
  version: number;
  at: string;
  digest: string;
}

export function rankOf(record: CallSummaryRecord | CallDiagnosticsRecord): Rank {
  return { version: record.callUpdatesVersion ?? 0, at: isoTime(record.time), digest: digest(contentJson(record)) };
}

/** The record as JSON without its category: the text its content digest is taken of. */
export function contentJson(record: CallSummaryRecord | CallDiagnosticsRecord): string {
  // Records are built with their category first: cut it from the record's JSON instead of copying the record.
  const json = JSON.stringify(record);
  const head = '{"category":' + JSON.stringify(record.category) + ',';
  if (json.startsWith(head)) return '{' + json.slice(head.length);
  const { category: _category, ...content } = record;
  return JSON.stringify(content);
}

/** Whether `rank` beats what the row holds (an empty row holds nothing). */
function beats(row: RowData, rank: Rank): boolean {
  const version = row['version'];
  if (typeof version !== 'number') return true;
  if (rank.version !== version) return rank.version > version;
  const at = typeof row['at'] === 'string' ? row['at'] : '';
  if (rank.at !== at) return rank.at > at;
  return rank.digest > (typeof row['digest'] === 'string' ? row['digest'] : '');
}

function ranked(row: RowData, rank: Rank, record: CallSummaryRecord | CallDiagnosticsRecord, correlationId: string): void {
  row['version'] = rank.version;
  row['at'] = rank.at;
  row['digest'] = rank.digest;
  row['correlationId'] = clip(correlationId, MAX_ID_CHARS);
  row['resourceId'] = record.resourceId;
  row['leg'] = legOf(record);
}

/** Keeps the winning record of a leg. Every field comes from the winner, nulls included. */
export function foldLeg(row: RowData, record: CallSummaryRecord, correlationId: string): void {
  const rank = rankOf(record);
  if (!beats(row, rank)) return;
  ranked(row, rank, record, correlationId);
  row['callStartTime'] = record.callStartTime === null ? null : isoTime(record.callStartTime);
  row['callDurationMs'] = record.callDurationSeconds === null ? null : secondsToMs(record.callDurationSeconds);
  row['callType'] = clipOrNull(record.callType);
  row['participantStartTime'] = record.participantStartTime === null ? null : isoTime(record.participantStartTime);
  row['participantMs'] = record.participantDurationSeconds === null ? null : secondsToMs(record.participantDurationSeconds);
  row['endReason'] = clipOrNull(record.participantEndReason);
  row['endSubCode'] = clipOrNull(record.participantEndSubCode);
  row['resultCategory'] = clipOrNull(record.resultCategory);
  row['endpointType'] = clipOrNull(record.endpointType);
  row['participantType'] = clipOrNull(record.participantType);
}

/** Keeps the winning record of a stream, and whether it is poor, in the stream's own `m|` row. */
export function foldStream(row: RowData, record: CallDiagnosticsRecord, correlationId: string): void {
  const rank = rankOf(record);
  if (!beats(row, rank)) return;
  ranked(row, rank, record, correlationId);
  row['mediaType'] = clipOrNull(record.mediaType);
  row['streamDirection'] = clipOrNull(record.streamDirection);
  row['transportType'] = clipOrNull(record.transportType);
  row['codecName'] = clipOrNull(record.codecName);
  row['endpointType'] = clipOrNull(record.endpointType);
  row['jitterAvg'] = record.jitterAvg;
  row['jitterMax'] = record.jitterMax;
  row['roundTripTimeAvg'] = record.roundTripTimeAvg;
  row['roundTripTimeMax'] = record.roundTripTimeMax;
  row['packetLossRateAvg'] = record.packetLossRateAvg;
  row['packetLossRateMax'] = record.packetLossRateMax;
  row['poor'] = isPoorStream(record.jitterAvg, record.packetLossRateAvg, record.roundTripTimeAvg);
}
