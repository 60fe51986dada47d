/**
 * A call's stream quality per media type as the call row stores it: counts and mergeable sketches of
 * the Avg values (jitter and round trip in ms, packet loss in millionths, so that small rates keep
 * their 1 % relative accuracy). The per-resource `call-quality` view adds and subtracts these.
 */
import { addToSketch, decodeSketch, emptySketch, encodeSketch, type DurationSketch } from '../recordings/durationSketch.js';
import type { MediaQuality } from './callLogFacts.js';
import { dictionary } from '../rowValues.js';

/** Packet loss is sketched in millionths of the rate. */
export const LOSS_SCALE = 1_000_000;

export interface MediaQualitySketches {
  streams: number;
  poorStreams: number;
  jitterMs: DurationSketch;
  roundTripMs: DurationSketch;
  /** Packet loss rate × LOSS_SCALE. */
  packetLossMicros: DurationSketch;
}

export function sketchesOf(quality: MediaQuality): MediaQualitySketches {
  const sketch = (values: readonly number[], scale = 1): DurationSketch => {
    const s = emptySketch();
    for (const v of values) addToSketch(s, v * scale);
    return s;
  };
  return {
    streams: quality.streams,
    poorStreams: quality.poorStreams,
    jitterMs: sketch(quality.jitterMs),
    roundTripMs: sketch(quality.roundTripMs),
    packetLossMicros: sketch(quality.packetLoss, LOSS_SCALE),
  };
}

interface StoredMediaQuality {
  streams: number;
  poorStreams: number;
  jitterMs: string;
  roundTripMs: string;
  packetLossMicros: string;
}

/** JSON of media type → counts and encoded sketches, keys sorted: equal qualities give equal strings. */
export function encodeQuality(byMedia: Readonly<Record<string, MediaQualitySketches>>): string {
  const stored = dictionary<StoredMediaQuality>();
  for (const media of Object.keys(byMedia).sort()) {
    const q = byMedia[media] as MediaQualitySketches;
    stored[media] = {
      streams: q.streams,
      poorStreams: q.poorStreams,
      jitterMs: encodeSketch(q.jitterMs),
      roundTripMs: encodeSketch(q.roundTripMs),
      packetLossMicros: encodeSketch(q.packetLossMicros),
    };
  }
  return JSON.stringify(stored);
}

/** Reads encodeQuality's form; absent is empty. A stored value that does not read throws. */
export function decodeQuality(value: unknown): Record<string, MediaQualitySketches> {
  if (value === undefined || value === null || value === '') return dictionary();
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(value));
  } catch {
    throw new Error(`stored call quality does not read: ${String(value).slice(0, 80)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('stored call quality is not an object');
  const result = dictionary<MediaQualitySketches>();
  for (const [media, raw] of Object.entries(parsed as Record<string, Partial<StoredMediaQuality>>)) {
    result[media] = {
      streams: Number(raw.streams ?? 0),
      poorStreams: Number(raw.poorStreams ?? 0),
      jitterMs: decodeSketch(raw.jitterMs),
      roundTripMs: decodeSketch(raw.roundTripMs),
      packetLossMicros: decodeSketch(raw.packetLossMicros),
    };
  }
  return result;
}
