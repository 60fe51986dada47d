/**
 * `call-quality`: per resource, per hour and UTC day of callStartTime, per MediaType: streams, poor
 * streams and mergeable sketches of the streams' JitterAvg, RoundTripTimeAvg and PacketLossRateAvg,
 * kept from the calls' contributions (callContribution.ts): a later version replaces a call's streams
 * here too. Sketch bins are integer counts, so subtracting a call's sketch is exact. Pure.
 */
import { addTo, dimensionKeyPart } from '../rowValues.js';
import type { RowData } from '../types.js';
import { decodeSketch, encodeSketch, type DurationSketch } from '../recordings/durationSketch.js';
import { joinKey } from '../../storage/keys.js';
import { InconsistentRead, type CallContribution, type ContributionTarget } from './callContribution.js';
import type { MediaQualitySketches } from './callQuality.js';

export const CALL_QUALITY_TABLE = 'CallQuality';

function hourKey(c: CallContribution, media: string): string {
  return joinKey('h', c.hour.slice(0, 13), dimensionKeyPart(media));
}

function dayKey(c: CallContribution, media: string): string {
  return joinKey('d', c.day.slice(0, 10), dimensionKeyPart(media));
}

export const callQualityTarget: ContributionTarget = {
  table: CALL_QUALITY_TABLE,

  rowKeys(c: CallContribution): string[] {
    return Object.keys(c.quality).flatMap((media) => [hourKey(c, media), dayKey(c, media)]);
  },

  apply(row: RowData, rowKey: string, c: CallContribution, sign: 1 | -1): void {
    for (const [media, q] of Object.entries(c.quality)) {
      const hourly = rowKey === hourKey(c, media);
      if (!hourly && rowKey !== dayKey(c, media)) continue;
      row['resourceId'] = c.resourceId;
      row['granularity'] = hourly ? 'hour' : 'day';
      row['bucket'] = hourly ? c.hour : c.day;
      row['mediaType'] = media;
      addQuality(row, q, sign);
    }
  },

  finalize(row: RowData): void {
    for (const property of SKETCH_PROPERTIES) {
      const value = row[property];
      if (isSketch(value)) row[property] = encodeSketch(value);
    }
  },
};

function addQuality(row: RowData, q: MediaQualitySketches, sign: 1 | -1): void {
  addTo(row, 'streams', sign * q.streams);
  addTo(row, 'poorStreams', sign * q.poorStreams);
  addSketch(row, 'jitterMs', q.jitterMs, sign);
  addSketch(row, 'roundTripMs', q.roundTripMs, sign);
  addSketch(row, 'packetLossMicros', q.packetLossMicros, sign);
}

const SKETCH_PROPERTIES = ['jitterMs', 'roundTripMs', 'packetLossMicros'] as const;

/**
 * Adds or subtracts a sketch's bins; a bin that would go below 0 means the rows were read at
 * different moments. The sum stays decoded on the row until `finalize`: a day row takes many calls
 * in one transaction, and its sketch is decoded and encoded once, not once per call.
 */
function addSketch(row: RowData, property: string, sketch: DurationSketch, sign: 1 | -1): void {
  const current = row[property];
  const stored = isSketch(current) ? current : decodeSketch(current);
  stored.zero += sign * sketch.zero;
  let negative = stored.zero < 0;
  for (const [index, count] of sketch.bins) {
    const sum = (stored.bins.get(index) ?? 0) + sign * count;
    stored.bins.set(index, sum);
    if (sum < 0) negative = true;
  }
  if (negative) throw new InconsistentRead(`call-quality sketch ${property} would go below zero`);
  row[property] = stored;
}

function isSketch(value: unknown): value is DurationSketch {
  return typeof value === 'object' && value !== null && 'bins' in value;
}
