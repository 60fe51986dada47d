/**
 * The call logs' rows in a call's partition of the Calls table, and how a record becomes one. Pure.
 *
 * - `l|<leg>`: one per participant leg, leg = the digest of the ParticipantId, or of the EndpointId
 *   when there is none (of EndpointType and Identifier for ids `Redacted`: normalizing/pseudonym.ts).
 *   Its CallSummary(Updates) record, and its media streams (CallDiagnostics and
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
  return outranks(rank, heldRank(row));
}

function ranked(row: RowData, rank: Rank, record: CallSummaryRecord | CallDiagnosticsRecord, correlationId: string): void {
  row['version'] = rank.version;
  row['at'] = rank.at;
  row['digest'] = rank.digest;
  row['correlationId'] = clip(correlationId, MAX_ID_CHARS);
  row['resourceId'] = record.resourceId;
  row['leg'] = legOf(record);
}

/** A leg row's fields that come from its records. */
export const LEG_FIELDS = [
  'callStartTime',
  'callDurationMs',
  'callType',
  'participantStartTime',
  'participantMs',
  'endReason',
  'endSubCode',
  'resultCategory',
  'endpointType',
  'participantType',
] as const;
export type LegField = (typeof LEG_FIELDS)[number];

/**
 * Leg row property: the rank of each field whose value came from another record than the leg's
 * winning one, as JSON `{"<field>":[version, at, digest]}` in LEG_FIELDS order; absent when none did.
 */
export const FIELD_RANKS_FIELD = 'fieldRanks';

function legValues(record: CallSummaryRecord): Record<LegField, string | number | null> {
  return {
    callStartTime: record.callStartTime === null ? null : isoTime(record.callStartTime),
    callDurationMs: record.callDurationSeconds === null ? null : secondsToMs(record.callDurationSeconds),
    callType: clipOrNull(record.callType),
    participantStartTime: record.participantStartTime === null ? null : isoTime(record.participantStartTime),
    participantMs: record.participantDurationSeconds === null ? null : secondsToMs(record.participantDurationSeconds),
    endReason: clipOrNull(record.participantEndReason),
    endSubCode: clipOrNull(record.participantEndSubCode),
    resultCategory: clipOrNull(record.resultCategory),
    endpointType: clipOrNull(record.endpointType),
    participantType: clipOrNull(record.participantType),
  };
}

/** The rank of the record a leg row holds, or undefined for a row without one (new, or streams only). */
function heldRank(row: RowData): Rank | undefined {
  const version = row['version'];
  if (typeof version !== 'number') return undefined;
  return { version, at: typeof row['at'] === 'string' ? row['at'] : '', digest: typeof row['digest'] === 'string' ? row['digest'] : '' };
}

/** Whether `rank` beats `current` (nothing is beaten by anything): version, then time, then content digest. */
export function outranks(rank: Rank, current: Rank | undefined): boolean {
  if (current === undefined) return true;
  if (rank.version !== current.version) return rank.version > current.version;
  if (rank.at !== current.at) return rank.at > current.at;
  return rank.digest > current.digest;
}

function sameRank(a: Rank, b: Rank): boolean {
  return a.version === b.version && a.at === b.at && a.digest === b.digest;
}

/** The ranks FIELD_RANKS_FIELD holds; a value that does not read as one is no rank (its field's rank is the leg's). */
function fieldRanksOf(stored: unknown): Map<LegField, Rank> {
  const ranks = new Map<LegField, Rank>();
  if (typeof stored !== 'string' || stored === '') return ranks;
  let parsed: unknown;
  try {
    parsed = JSON.parse(stored);
  } catch {
    return ranks;
  }
  if (parsed === null || typeof parsed !== 'object') return ranks;
  for (const field of LEG_FIELDS) {
    const rank = (parsed as Record<string, unknown>)[field];
    if (Array.isArray(rank) && typeof rank[0] === 'number' && typeof rank[1] === 'string' && typeof rank[2] === 'string') {
      ranks.set(field, { version: rank[0], at: rank[1], digest: rank[2] });
    }
  }
  return ranks;
}

/** The rank of the record each of a leg row's fields came from: its own when recorded, else the leg's (read once per row). */
export function legFieldRanks(row: RowData): (field: LegField) => Rank | undefined {
  const own = fieldRanksOf(row[FIELD_RANKS_FIELD]);
  const held = heldRank(row);
  return (field) => own.get(field) ?? held;
}

/**
 * Folds a leg's record. The leg's record is its best-ranked one; each field is the value of the
 * best-ranked record that has one, so a version that arrives with nulls (as a first Updates version
 * may) hides no value an older record of the leg carries. Still a pure function of the set of
 * records: each field's value is the best of those with one, whatever their order.
 */
export function foldLeg(row: RowData, record: CallSummaryRecord, correlationId: string): void {
  const rank = rankOf(record);
  const held = heldRank(row);
  // Every value held, with the rank of the record it came from.
  const sources = fieldRanksOf(row[FIELD_RANKS_FIELD]);
  for (const field of LEG_FIELDS) {
    if (row[field] === null || row[field] === undefined) sources.delete(field);
    else if (!sources.has(field) && held !== undefined) sources.set(field, held);
  }
  const values = legValues(record);
  for (const field of LEG_FIELDS) {
    const value = values[field];
    const source = sources.get(field);
    if (value !== null && outranks(rank, source)) {
      row[field] = value;
      sources.set(field, rank);
    } else if (row[field] === undefined) row[field] = null;
  }
  const winner = held === undefined || outranks(rank, held) ? rank : held;
  if (winner === rank) ranked(row, rank, record, correlationId);
  // Only the ranks that are not the leg's own are kept.
  const others: Record<string, [number, string, string]> = {};
  for (const field of LEG_FIELDS) {
    const source = sources.get(field);
    if (source !== undefined && !sameRank(source, winner)) others[field] = [source.version, source.at, source.digest];
  }
  row[FIELD_RANKS_FIELD] = Object.keys(others).length > 0 ? JSON.stringify(others) : null;
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
