/** Node 20 has both (V8 11.3); TypeScript's library for this target does not name them yet. */
interface WellFormedString {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

/**
 * Text from a log as stored: each lone surrogate (half a character, `"\ud800"` in a record's JSON)
 * replaced by U+FFFD, as a UTF-8 encoder writes it. Kept, it would be a different value in every
 * output: escaped in JSON (which jq and other strict readers refuse), U+FFFD in CSV and in a browser's
 * URL, so the id a page shows would not open its call.
 */
export function wellFormed(text: string): string {
  const native = text as unknown as WellFormedString;
  return native.isWellFormed() ? text : native.toWellFormed();
}
