/**
 * One string per distinct short text value. Text fields repeat from record to record (operation
 * names, versions, media types, the CorrelationId of every record of a call), and a run holds up to
 * its limit of records until they are written: sharing the strings measured 609 → 515 bytes a held
 * record on the bench tree's call logs. Bounded, so unique values (ids) cannot grow it without end.
 */
const MAX_SHARED_CHARS = 64;
const MAX_SHARED_VALUES = 16_384;

let shared = new Map<string, string>();

export function sharedText(value: string): string {
  if (value.length > MAX_SHARED_CHARS) return value;
  const known = shared.get(value);
  if (known !== undefined) return known;
  // Starting over keeps what is shared after it correct (a value is still itself), only less shared.
  if (shared.size >= MAX_SHARED_VALUES) shared = new Map();
  shared.set(value, value);
  return value;
}
