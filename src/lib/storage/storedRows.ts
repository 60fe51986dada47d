import { z } from 'zod';
import type { StoredRow } from './TableStore.js';

/**
 * A stored row whose properties do not have the types its table's schema says: written by something
 * else, or by a version that wrote another shape. Reading on with a default would count wrong silently.
 */
export class RowFormatError extends Error {
  constructor(
    readonly table: string,
    readonly partitionKey: string,
    readonly rowKey: string,
    readonly issues: z.ZodError['issues'],
  ) {
    super(`row of table ${table} (partition '${partitionKey}', row '${rowKey}') does not have the stored shape: ${describeIssues(issues)}`);
    this.name = 'RowFormatError';
  }
}

/** Reads a stored row's properties through its table's schema; a row that does not parse throws RowFormatError. */
export function parseStoredRow<Schema extends z.ZodType>(schema: Schema, table: string, row: StoredRow): z.output<Schema> {
  const parsed = schema.safeParse(row.data);
  if (!parsed.success) throw new RowFormatError(table, row.partitionKey, row.rowKey, parsed.error.issues);
  return parsed.data;
}

function describeIssues(issues: z.ZodError['issues']): string {
  return issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(row)'}: ${issue.message}`).join('; ');
}

/** Null properties are not stored (TableStore drops them): absent reads back as null. */
export function storedNullable<Schema extends z.ZodType>(schema: Schema) {
  return schema.nullable().default(null);
}

/** A value kept as JSON text in one property (Table Storage has no arrays or objects); empty text reads as `empty`. */
export function storedJson<Schema extends z.ZodType>(schema: Schema, empty: unknown) {
  return z
    .string()
    .transform((text, context) => {
      if (text === '') return empty;
      try {
        return JSON.parse(text) as unknown;
      } catch {
        context.addIssue({ code: 'custom', message: 'not JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
}
