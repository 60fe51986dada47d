/**
 * A time as a URL's query string gives it. There `+` means a space, so `from=2024-05-25T04:00+02:00`
 * typed unencoded arrives as `...04:00 02:00`; a space right after a time and before a zone offset
 * can mean nothing else, so it is read as the `+` it was. The API and the dashboard read links alike.
 */
export function restoreOffsetPlus(value: string): string {
  return value.replace(/^(\s*\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?\s*)$/i, '$1+$2');
}
