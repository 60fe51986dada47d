/**
 * A leg's media streams, kept inside the leg's row (`l|<leg>`, property `streams`) rather than a row
 * each, so a write that touches a leg and its streams writes one entity. Pure.
 *
 * Stored as compact JSON, keys sorted so that equal sets of records give equal strings:
 * `{"r":[resource ids, sorted],"s":{"<stream key>":[version, at, digest, resource index, MediaType,
 * StreamDirection, TransportType, CodecName, EndpointType, JitterAvg, JitterMax, RoundTripTimeAvg,
 * RoundTripTimeMax, PacketLossRateAvg, PacketLossRateMax, poor (1 or 0)]}}`. The stream key is the
 * digest an `m|` row of earlier versions is keyed by, so a stream in both places counts once.
 *
 * At most MAX_LEG_STREAMS streams and MAX_LEG_STREAMS_CHARS of JSON per leg: further streams of
 * that leg get an `m|` row each, as before (the reader takes both). So a leg row stays far below an
 * entity's 1 MiB (values are clipped to 128 chars, resource ids are not); a record that still makes
 * a row too large is refused by the store and quarantined, like any row that does not fit.
 */
import type { CallDiagnosticsRecord } from '../../normalizing/types.js';
import { clipOrNull, dictionary } from '../rowValues.js';
import { openValue } from '../openValues.js';
import type { RowData } from '../types.js';
import { foldStream, isPoorStream, outranks, rankOf, streamKeyOf, type Rank } from './callLogRows.js';
import { DEFAULT_DECODED_STREAM_CHARS } from './legStreamBudget.js';

/** The leg row's property holding its streams. */
export const LEG_STREAMS_FIELD = 'streams';
/** Most streams a leg row holds; the service writes a handful per leg. */
export const MAX_LEG_STREAMS = 64;
/** Most chars of JSON a leg row's streams take before a new stream gets its own row: 400 KB of the 1 MiB. */
export const MAX_LEG_STREAMS_CHARS = 200_000;

/** One stream's winning record, as an `m|` row holds it. */
export interface StreamFacts extends Rank {
  resourceId: string;
  mediaType: string | null;
  streamDirection: string | null;
  transportType: string | null;
  codecName: string | null;
  endpointType: string | null;
  jitterAvg: number | null;
  jitterMax: number | null;
  roundTripTimeAvg: number | null;
  roundTripTimeMax: number | null;
  packetLossRateAvg: number | null;
  packetLossRateMax: number | null;
  poor: boolean;
}

type StoredStream = [
  number,
  string,
  string,
  number | string,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
  number | null,
  number | null,
  number | null,
  number | null,
  number | null,
  number | null,
  number,
];

/** Stream key → its facts. */
export type LegStreams = Map<string, StreamFacts>;

/** A leg row's streams while a batch folds into it, and about how many chars of JSON they take. */
interface OpenLegStreams {
  streams: LegStreams;
  chars: number;
}

function openLegStreams(stored: unknown): OpenLegStreams {
  const known = typeof stored === 'string' ? decoded.get(stored) : undefined;
  if (known !== undefined) {
    known.chars ??= charsOfAll(known.streams);
    return { streams: new Map(known.streams), chars: known.chars };
  }
  const streams = decodeLegStreams(stored);
  return { streams, chars: charsOfAll(streams) };
}

function charsOfAll(streams: ReadonlyMap<string, StreamFacts>): number {
  let chars = 0;
  for (const [key, stream] of streams) chars += charsOf(key, stream);
  return chars;
}

/** A stream's share of the JSON, counting its resource id as if it were its own (an upper bound). */
function charsOf(key: string, stream: StreamFacts): number {
  return key.length + storedStreamChars(stream) + 4;
}

/** The length of `JSON.stringify(stored(stream, stream.resourceId))`, counted without building it. */
export function storedStreamChars(s: StreamFacts): number {
  // 16 values: brackets, 15 commas, and `poor` as one digit.
  return (
    18 +
    jsonChars(s.version) +
    jsonChars(s.at) +
    jsonChars(s.digest) +
    jsonChars(s.resourceId) +
    jsonChars(s.mediaType) +
    jsonChars(s.streamDirection) +
    jsonChars(s.transportType) +
    jsonChars(s.codecName) +
    jsonChars(s.endpointType) +
    jsonChars(s.jitterAvg) +
    jsonChars(s.jitterMax) +
    jsonChars(s.roundTripTimeAvg) +
    jsonChars(s.roundTripTimeMax) +
    jsonChars(s.packetLossRateAvg) +
    jsonChars(s.packetLossRateMax)
  );
}

/** Printable ASCII that JSON writes as is (no quote, no backslash). */
const PLAIN_JSON_TEXT = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

function jsonChars(value: string | number | null): number {
  if (value === null) return 4;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value).length : 4;
  return PLAIN_JSON_TEXT.test(value) ? value.length + 2 : JSON.stringify(value).length;
}

/**
 * Leg streams by the stored string they were decoded from or encoded to, oldest first: a call's
 * partition is folded again in every write, and most of its legs' strings are the ones of the write
 * before. Neither the maps nor their facts are ever changed (a fold copies the map, and replaces a
 * stream's facts rather than changing them). `chars` is counted on first need.
 */
const decoded = new Map<string, { streams: ReadonlyMap<string, StreamFacts>; chars: number | undefined }>();
let decodedChars = 0;
/** Stored chars the decoded streams above stand for, at most (keepDecodedLegStreams). */
let maxDecodedChars = DEFAULT_DECODED_STREAM_CHARS;

/**
 * Sets how many stored chars of leg streams the process keeps decoded (from its memory profile; one
 * budget per process, as the cache is one): a smaller budget holds less for a few more decodes.
 * Shrinking drops the oldest at once.
 */
export function keepDecodedLegStreams(chars: number): void {
  maxDecodedChars = chars;
  evictDecoded();
}

function evictDecoded(): void {
  for (const oldest of decoded.keys()) {
    if (decodedChars <= maxDecodedChars) break;
    decoded.delete(oldest);
    decodedChars -= oldest.length;
  }
}

function remember(stored: string, streams: ReadonlyMap<string, StreamFacts>, chars: number | undefined): void {
  if (stored.length > maxDecodedChars / 16 || decoded.has(stored)) return;
  decoded.set(stored, { streams, chars });
  decodedChars += stored.length;
  evictDecoded();
}

/** decodeLegStreams of a stored value, shared: the caller must not change the map. */
export function storedLegStreams(value: unknown): ReadonlyMap<string, StreamFacts> {
  if (typeof value !== 'string' || value === '') return decodeLegStreams(value);
  const known = decoded.get(value);
  if (known !== undefined) return known.streams;
  const streams = decodeLegStreams(value);
  remember(value, streams, undefined);
  return streams;
}

/** Encodes a leg's streams once its fold ends, remembering the map for the next decode of the string. */
function closeLegStreams(value: OpenLegStreams): string {
  const encoded = encodeLegStreams(value.streams);
  remember(encoded, value.streams, value.chars);
  return encoded;
}

/**
 * Folds a stream record into its leg row's map, or into the stream's own `m|` row when that row
 * already holds it (written by an earlier version) or when the leg has no room for another stream.
 * `streamRow` is `{}` when no such row exists; left empty, it is not written.
 */
export function foldLegStream(legRow: RowData, streamRow: RowData, record: CallDiagnosticsRecord, correlationId: string): void {
  if (typeof streamRow['version'] === 'number') {
    foldStream(streamRow, record, correlationId);
    return;
  }
  const open = openValue(legRow, LEG_STREAMS_FIELD, openLegStreams, closeLegStreams);
  const key = streamKeyOf(record);
  const current = open.streams.get(key);
  const rank = rankOf(record);
  if (current !== undefined && !outranks(rank, current)) return;
  const stream = streamFactsOf(record, rank);
  const chars = charsOf(key, stream);
  if (current === undefined && (open.streams.size >= MAX_LEG_STREAMS || open.chars + chars > MAX_LEG_STREAMS_CHARS)) {
    foldStream(streamRow, record, correlationId);
    return;
  }
  open.chars += chars - (current === undefined ? 0 : charsOf(key, current));
  open.streams.set(key, stream);
}

function streamFactsOf(record: CallDiagnosticsRecord, rank: Rank): StreamFacts {
  return {
    version: rank.version,
    at: rank.at,
    digest: rank.digest,
    resourceId: record.resourceId,
    mediaType: clipOrNull(record.mediaType),
    streamDirection: clipOrNull(record.streamDirection),
    transportType: clipOrNull(record.transportType),
    codecName: clipOrNull(record.codecName),
    endpointType: clipOrNull(record.endpointType),
    jitterAvg: record.jitterAvg,
    jitterMax: record.jitterMax,
    roundTripTimeAvg: record.roundTripTimeAvg,
    roundTripTimeMax: record.roundTripTimeMax,
    packetLossRateAvg: record.packetLossRateAvg,
    packetLossRateMax: record.packetLossRateMax,
    poor: isPoorStream(record.jitterAvg, record.packetLossRateAvg, record.roundTripTimeAvg),
  };
}

export function encodeLegStreams(streams: LegStreams): string {
  const resources = [...new Set([...streams.values()].map((s) => s.resourceId))].sort();
  const index = new Map(resources.map((r, i) => [r, i]));
  const encoded = dictionary<StoredStream>();
  for (const key of [...streams.keys()].sort()) {
    const s = streams.get(key) as StreamFacts;
    encoded[key] = stored(s, index.get(s.resourceId) as number);
  }
  return JSON.stringify({ r: resources, s: encoded });
}

/** A stream as stored, with its resource as given (its index in the list, or the id itself). */
function stored(s: StreamFacts, resource: number | string): StoredStream {
  return [
    s.version,
    s.at,
    s.digest,
    resource,
    s.mediaType,
    s.streamDirection,
    s.transportType,
    s.codecName,
    s.endpointType,
    s.jitterAvg,
    s.jitterMax,
    s.roundTripTimeAvg,
    s.roundTripTimeMax,
    s.packetLossRateAvg,
    s.packetLossRateMax,
    s.poor ? 1 : 0,
  ];
}

/** Reads encodeLegStreams' form; absent is empty. A stored value that does not read throws. */
export function decodeLegStreams(value: unknown): LegStreams {
  const streams: LegStreams = new Map();
  if (value === undefined || value === null || value === '') return streams;
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(value));
  } catch {
    throw new Error(`stored leg streams do not read: ${String(value).slice(0, 80)}`);
  }
  const { r: resources, s: entries } = (parsed ?? {}) as { r?: unknown; s?: unknown };
  if (!Array.isArray(resources) || typeof entries !== 'object' || entries === null || Array.isArray(entries)) {
    throw new Error('stored leg streams are not {r: [...], s: {...}}');
  }
  for (const [key, raw] of Object.entries(entries as Record<string, unknown>)) {
    if (!Array.isArray(raw) || raw.length !== 16) throw new Error(`stored leg stream ${key} is not a 16-field list`);
    const s = raw as StoredStream;
    const resourceId: unknown = typeof s[3] === 'number' ? (resources as unknown[])[s[3]] : undefined;
    if (typeof s[0] !== 'number' || typeof s[1] !== 'string' || typeof s[2] !== 'string' || typeof resourceId !== 'string') {
      throw new Error(`stored leg stream ${key} has no rank or resource`);
    }
    streams.set(key, {
      version: s[0],
      at: s[1],
      digest: s[2],
      resourceId,
      mediaType: s[4],
      streamDirection: s[5],
      transportType: s[6],
      codecName: s[7],
      endpointType: s[8],
      jitterAvg: s[9],
      jitterMax: s[10],
      roundTripTimeAvg: s[11],
      roundTripTimeMax: s[12],
      packetLossRateAvg: s[13],
      packetLossRateMax: s[14],
      poor: s[15] === 1,
    });
  }
  return streams;
}
