import { z } from 'zod';
import { storedNullable } from '../../storage/storedRows.js';
import { bucketRowShape, storedAmount, storedCount, storedCounts, storedEncoded, storedOptionalText } from '../rowSchemas.js';
import { decodeSketch } from './durationSketch.js';

/** A row of the Recordings table (recordingsView.ts). */
export const recordingsRowSchema = z.object({
  ...bucketRowShape,
  recordings: storedCount,
  recordingMs: storedAmount,
  chunks: storedCount,
  audioChannels: storedCount,
  byFormat: storedCounts,
  byChannel: storedCounts,
  byContent: storedCounts,
  byEndReason: storedCounts,
});

/** A row of the RecordingOperations table (recordingOperationsView.ts); the duration fields are absent while no operation had one. */
export const recordingOperationsRowSchema = z.object({
  ...bucketRowShape,
  operationName: z.string(),
  resultSignature: storedOptionalText,
  sdkType: storedOptionalText,
  count: storedCount,
  failed: storedCount,
  durationCount: storedCount.default(0),
  durationSumUs: storedAmount.default(0),
  durationMinMs: storedNullable(storedAmount),
  durationMaxMs: storedNullable(storedAmount),
  durationSketch: storedEncoded(decodeSketch),
});
