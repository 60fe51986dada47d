/**
 * What a call's legs and streams say about the call: a pure function of its `l|` and `m|` rows.
 * Leg facts come from the leg rows that hold a leg record; streams from every leg row's map and
 * every `m|` row, a stream found in both counting once, as its better-ranked record.
 *
 * The call-wide fields (start, duration, type) come from the newest record of any leg that has them,
 * by the same (version, time, digest) rank that picks each leg's record: a later version that
 * corrects the duration replaces the earlier one, whichever leg carried it.
 */
import { documentedEndpointType } from '../../normalizing/endpointTypes.js';
import type { RowData } from '../types.js';
import { compareStrings, dictionary, dictionaryOf, NONE_KEY, num, OTHER_KEY, sortedCounts, text, type Counts } from '../rowValues.js';
import { legFieldRanks, LEG_ROW_PREFIX, outranks, STREAM_ROW_PREFIX, type Rank } from './callLogRows.js';
import { LEG_STREAMS_FIELD, storedLegStreams, type StreamFacts } from './legStreams.js';

/** The quality of a call's streams of one media type. */
export interface MediaQuality {
  streams: number;
  poorStreams: number;
  /** The Avg values of the streams that have them (ms, ms, fraction), sorted. */
  jitterMs: number[];
  roundTripMs: number[];
  packetLoss: number[];
}

export interface CallLogFacts {
  callStartTime: string | null;
  callDurationMs: number | null;
  callType: string | null;
  participants: number;
  participantMs: number;
  endpointTypes: Counts;
  endReasons: Counts;
  streams: number;
  poorStreams: number;
  /** By media type (as written, `(none)` when absent). */
  quality: Record<string, MediaQuality>;
  /** Earliest and latest record time of the call logs. */
  firstAt: string | null;
  lastAt: string | null;
  /** Smallest resource id of the call-log rows. */
  resourceId: string | null;
}

/** Endpoint types as the documentation writes them (the logs write `VOIP`, `VoIP`, `Bot`, `BOT`); `(none)` when absent. */
export function endpointTypeName(value: string | null): string {
  return value === null ? NONE_KEY : documentedEndpointType(value);
}

/**
 * The class of a ParticipantEndReason by its first digit, as in Microsoft's 2024 Voice & Video
 * workbook: 0 and 2 Success, 1 Provisional, 3 Redirection, 4 Client Failure, 5 Server Failure,
 * 6 Global Failure; anything else Other, and `(none)` when absent.
 */
export function endReasonClass(value: string | null): string {
  if (value === null) return NONE_KEY;
  switch (value.trim()[0]) {
    case '0':
    case '2':
      return 'Success';
    case '1':
      return 'Provisional';
    case '3':
      return 'Redirection';
    case '4':
      return 'Client Failure';
    case '5':
      return 'Server Failure';
    case '6':
      return 'Global Failure';
    case undefined:
    default:
      return 'Other';
  }
}

/** A call-wide value with the rank of the record it came from. */
type Newest<T> = Rank & { value: T };

export function computeCallLogFacts(rows: ReadonlyMap<string, RowData>): CallLogFacts {
  let start: Newest<string> | null = null;
  let duration: Newest<number> | null = null;
  let callType: Newest<string> | null = null;
  let participants = 0;
  let participantMs = 0;
  const endpointTypes: Counts = dictionary();
  const endReasons: Counts = dictionary();
  let streams = 0;
  let poorStreams = 0;
  const quality = dictionary<MediaQuality>();
  let firstAt: string | null = null;
  let lastAt: string | null = null;
  let resourceId: string | null = null;
  const see = (at: string | null, rid: string | null): void => {
    if (at !== null) {
      if (firstAt === null || at < firstAt) firstAt = at;
      if (lastAt === null || at > lastAt) lastAt = at;
    }
    if (rid !== null && (resourceId === null || rid < resourceId)) resourceId = rid;
  };

  const streamsByKey = new Map<string, StreamFacts>();
  const keep = (key: string, stream: StreamFacts): void => {
    if (outranks(stream, streamsByKey.get(key))) streamsByKey.set(key, stream);
  };
  for (const [rowKey, row] of rows) {
    if (rowKey.startsWith(LEG_ROW_PREFIX)) {
      for (const [key, stream] of storedLegStreams(row[LEG_STREAMS_FIELD])) keep(key, stream);
      // A leg row may hold streams only, until its leg's record arrives.
      if (typeof row['version'] !== 'number') continue;
      see(text(row['at']), text(row['resourceId']));
      participants++;
      participantMs += num(row['participantMs']) ?? 0;
      bump(endpointTypes, endpointTypeName(text(row['endpointType'])));
      bump(endReasons, endReasonClass(text(row['endReason'])));
      // Each by the rank of the record it came from (a leg's field may come from an older record than its own).
      const rankOf = legFieldRanks(row);
      const s = text(row['callStartTime']);
      const sRank = rankOf('callStartTime');
      if (s !== null && sRank !== undefined && outranks(sRank, start ?? undefined)) start = { value: s, ...sRank };
      const d = num(row['callDurationMs']);
      const dRank = rankOf('callDurationMs');
      if (d !== null && dRank !== undefined && outranks(dRank, duration ?? undefined)) duration = { value: d, ...dRank };
      const t = text(row['callType']);
      const tRank = rankOf('callType');
      if (t !== null && tRank !== undefined && outranks(tRank, callType ?? undefined)) callType = { value: t, ...tRank };
    } else if (rowKey.startsWith(STREAM_ROW_PREFIX)) {
      // A stream row routed but not (yet) written is empty.
      if (typeof row['version'] === 'number') keep(rowKey.slice(STREAM_ROW_PREFIX.length), streamOfRow(row));
    }
  }
  for (const stream of streamsByKey.values()) {
    see(text(stream.at), text(stream.resourceId));
    streams++;
    if (stream.poor) poorStreams++;
    const media = text(stream.mediaType) ?? NONE_KEY;
    const q = (quality[media] ??= { streams: 0, poorStreams: 0, jitterMs: [], roundTripMs: [], packetLoss: [] });
    q.streams++;
    if (stream.poor) q.poorStreams++;
    push(q.jitterMs, stream.jitterAvg);
    push(q.roundTripMs, stream.roundTripTimeAvg);
    push(q.packetLoss, stream.packetLossRateAvg);
  }
  capMediaTypes(quality);
  for (const q of Object.values(quality)) {
    q.jitterMs.sort(byNumber);
    q.roundTripMs.sort(byNumber);
    q.packetLoss.sort(byNumber);
  }
  const startValue = start?.value ?? null;
  const durationValue = duration?.value ?? null;
  const typeValue = callType?.value ?? null;
  return {
    callStartTime: startValue,
    callDurationMs: durationValue,
    callType: typeValue,
    participants,
    participantMs,
    endpointTypes: sortedCounts(endpointTypes),
    endReasons: sortedCounts(endReasons),
    streams,
    poorStreams,
    quality: dictionaryOf(
      Object.keys(quality)
        .sort(compareStrings)
        .map((k) => [k, quality[k] as MediaQuality]),
    ),
    firstAt,
    lastAt,
    resourceId,
  };
}

/**
 * At most MAX_MEDIA_TYPES media types per call (the service writes four); the rest, in sorted order,
 * are merged under `(other)`, so a call's contribution stays a few rows of one transaction.
 */
export const MAX_MEDIA_TYPES = 8;

function capMediaTypes(quality: Record<string, MediaQuality>): void {
  const keys = Object.keys(quality).sort(compareStrings);
  if (keys.length <= MAX_MEDIA_TYPES) return;
  const other: MediaQuality = quality[OTHER_KEY] ?? { streams: 0, poorStreams: 0, jitterMs: [], roundTripMs: [], packetLoss: [] };
  for (const key of keys.filter((k) => k !== OTHER_KEY).slice(MAX_MEDIA_TYPES - 1)) {
    const q = quality[key] as MediaQuality;
    other.streams += q.streams;
    other.poorStreams += q.poorStreams;
    other.jitterMs = other.jitterMs.concat(q.jitterMs);
    other.roundTripMs = other.roundTripMs.concat(q.roundTripMs);
    other.packetLoss = other.packetLoss.concat(q.packetLoss);
    delete quality[key];
  }
  quality[OTHER_KEY] = other;
}

/** A stream as an `m|` row holds it (the store drops null properties). */
function streamOfRow(row: RowData): StreamFacts {
  return {
    version: num(row['version']) ?? 0,
    at: text(row['at']) ?? '',
    digest: text(row['digest']) ?? '',
    resourceId: text(row['resourceId']) ?? '',
    mediaType: text(row['mediaType']),
    streamDirection: text(row['streamDirection']),
    transportType: text(row['transportType']),
    codecName: text(row['codecName']),
    endpointType: text(row['endpointType']),
    jitterAvg: num(row['jitterAvg']),
    jitterMax: num(row['jitterMax']),
    roundTripTimeAvg: num(row['roundTripTimeAvg']),
    roundTripTimeMax: num(row['roundTripTimeMax']),
    packetLossRateAvg: num(row['packetLossRateAvg']),
    packetLossRateMax: num(row['packetLossRateMax']),
    poor: row['poor'] === true,
  };
}

function bump(counts: Counts, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

function push(values: number[], value: unknown): void {
  if (typeof value === 'number' && Number.isFinite(value)) values.push(value);
}

function byNumber(a: number, b: number): number {
  return a - b;
}
