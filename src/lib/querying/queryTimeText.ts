/** A date and time in the extended or basic form, then a space and an offset's digits: `...T04:00 02:00`, `...T0400 0200`. */
const TIME_SPACE_OFFSET =
  /^(\s*(?:\d{4}-\d{2}-\d{2}|\d{8})[T ](?:\d{2}(?::\d{2}(?::\d{2}(?:[.,]\d+)?)?)?|\d{4}(?:\d{2}(?:[.,]\d+)?)?)) (\d{2}(?::?\d{2})?\s*)$/i;

/**
 * A time as a URL's query string gives it. There `+` means a space, so `from=2024-05-25T04:00+02:00`
 * typed unencoded arrives as `...04:00 02:00`; a space right after a time and before a zone offset
 * can mean nothing else, so it is read as the `+` it was. The API and the dashboard read links alike.
 * Times in the basic form (`20240525T0400 0200`) and of the hour alone (`2024-05-25T04 02`) too.
 */
export function restoreOffsetPlus(value: string): string {
  return value.replace(TIME_SPACE_OFFSET, '$1+$2');
}
