import { z } from 'zod';
import { storedNullable } from '../storage/storedRows.js';
import { readCounts, type Counts } from './rowValues.js';

/**
 * The values views store, as zod schemas: each view's rows schema is built from these, and queries
 * read stored rows through it (storage/storedRows.ts) instead of re-checking each property by hand.
 */

/** A count or a sum of counts. */
export const storedCount = z.number().int().nonnegative();
/** A sum of milliseconds or another amount that is not a count. */
export const storedAmount = z.number();
export const storedGranularity = z.enum(['hour', 'day']);
/** Optional text: views store null (kept absent) for an absent value; an empty string reads as absent too. */
export const storedOptionalText = storedNullable(z.string()).transform((value) => (value === '' ? null : value));
export const storedOptionalNumber = storedNullable(z.number());
export const storedOptionalCount = storedNullable(storedCount);

/** The properties of every hour-and-day bucket row (hourAndDay.ts). */
export const bucketRowShape = {
  resourceId: z.string(),
  granularity: storedGranularity,
  bucket: z.string(),
};

/**
 * Text a view decodes with its own reader (a count map, a sketch): the reader's error becomes the
 * property's issue. Absent reads as the reader reads absent.
 */
export function storedEncoded<T>(decode: (text: string | undefined) => T) {
  return z
    .string()
    .optional()
    .transform((text, context): T => {
      try {
        return decode(text);
      } catch (error) {
        context.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
        return z.NEVER;
      }
    });
}

/** A count map stored as JSON (rowValues.ts). */
export const storedCounts = storedEncoded<Counts>(readCounts);
