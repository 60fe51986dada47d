import { z } from 'zod';
import { bucketRowShape, storedCount } from '../rowSchemas.js';

/** A sum of micro-units as the view stores it (a decimal string; quantity.ts), read back exactly. */
const storedMicros = z.union([z.string().regex(/^-?\d+$/, 'not an integer sum of micro-units'), z.number().int()]).transform((value) => BigInt(value));

/** A row of the Usage table (usageView.ts): the view writes these properties, queries read them through this. */
export const usageRowSchema = z.object({
  ...bucketRowShape,
  usageType: z.string(),
  unitType: z.string(),
  records: storedCount,
  quantityMicros: storedMicros,
});

export type UsageStoredRow = z.output<typeof usageRowSchema>;
