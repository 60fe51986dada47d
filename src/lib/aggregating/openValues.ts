import type { RowData } from './types.js';

/**
 * Encoded row properties (count maps, duration sketches) kept decoded while a batch of records is
 * folded into a row, and encoded once per row when the batch ends (`closeRow`, the views'
 * `finalize`): decoding and encoding cost O(size), so doing it per record would cost O(records × size).
 */
interface OpenValue {
  value: unknown;
  encode(value: unknown): string;
}

const openRows = new WeakMap<RowData, Map<string, OpenValue>>();

/** The decoded value of `row[property]`, decoded on first use in this batch. */
export function openValue<T>(row: RowData, property: string, decode: (stored: unknown) => T, encode: (value: T) => string): T {
  let open = openRows.get(row);
  if (!open) openRows.set(row, (open = new Map<string, OpenValue>()));
  let entry = open.get(property);
  if (!entry) {
    entry = { value: decode(row[property]), encode };
    open.set(property, entry);
  }
  return entry.value as T;
}

/** Writes every value opened on `row` back as its encoded property. */
export function closeRow(row: RowData): void {
  const open = openRows.get(row);
  if (!open) return;
  for (const [property, entry] of open) row[property] = entry.encode(entry.value);
  openRows.delete(row);
}
