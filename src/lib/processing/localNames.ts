import { encodeKeyPart } from '../storage/keys.js';
import type { LogFileRef, LogSource } from '../storage/LogSource.js';
import { odata, type StoredRow, type TableStore } from '../storage/TableStore.js';
import { parseStoredRow } from '../storage/storedRows.js';
import { FILES_TABLE } from './checkpoints.js';
import { localContentRowSchema } from './checkpointRows.js';
import { digestOf, HEAD_BYTES } from './fileIdentity.js';

/** Partition of the Files table naming files by the digest of their first bytes (localCopies.ts). */
export const LOCAL_CONTENT_PARTITION = '~local';

/** Every name row of these first bytes (`<head>`, then `<head>|<digest of a path>`), the first one first. */
export async function namesOf(tables: TableStore, first: string): Promise<StoredRow[]> {
  await tables.ensureTable(FILES_TABLE);
  const filter = odata`PartitionKey eq ${LOCAL_CONTENT_PARTITION} and RowKey ge ${first} and RowKey lt ${`${first}}`}`;
  const found: StoredRow[] = [];
  for await (const row of tables.query(FILES_TABLE, filter)) found.push(row);
  return found;
}

/** The file a name row names. */
export function namedFileOf(row: StoredRow, ref: LogFileRef): LogFileRef {
  const named = parseStoredRow(localContentRowSchema, FILES_TABLE, row);
  // Rows written before laid-out files were named hold local paths only.
  return { container: named.container ?? ref.container, path: named.path };
}

/** The row key of a file's first name: the digest of its first bytes. */
export function firstNameKey(head: string): string {
  return encodeKeyPart(head);
}

/**
 * The digest of a local file's first bytes; null for an empty file, or one that cannot be read here
 * (gone, no permission): such a file is known by its own path, and its failure is recorded when it is
 * processed, as any file's. Used for local files only: blobs are read without catching (continuedCopies.ts).
 */
export async function headKey(source: LogSource, ref: LogFileRef): Promise<string | null> {
  let head: Buffer;
  try {
    head = await source.read(ref, 0, HEAD_BYTES);
  } catch {
    return null;
  }
  return head.length === 0 ? null : digestOf(head);
}
