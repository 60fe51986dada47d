import { z } from 'zod';
import { decodeSketch } from '../recordings/durationSketch.js';
import { bucketRowShape, storedAmount, storedCounts, storedEncoded } from '../rowSchemas.js';

/** Sums of calls' contributions: a later version of a call subtracts what it contributed, so a bucket may fall back to 0. */
const contributedCount = z.number().int();

/** A row of the CallVolume table (callVolumeView.ts). */
export const callVolumeRowSchema = z.object({
  ...bucketRowShape,
  calls: contributedCount,
  callMs: storedAmount,
  participants: contributedCount,
  participantMs: storedAmount,
  impactedCalls: contributedCount,
  recordedCalls: contributedCount,
  byCallType: storedCounts,
  byEndpointType: storedCounts,
});

/** A row of the CallQuality table (callQualityView.ts): the three metrics are sketches stored as text. */
export const callQualityRowSchema = z.object({
  ...bucketRowShape,
  mediaType: z.string(),
  streams: contributedCount,
  poorStreams: contributedCount,
  jitterMs: storedEncoded(decodeSketch),
  roundTripMs: storedEncoded(decodeSketch),
  packetLossMicros: storedEncoded(decodeSketch),
});
