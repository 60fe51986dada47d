/** C0 controls, DEL and C1 controls: a terminal acts on them (colours, cursor moves, titles) instead of showing them. */
// eslint-disable-next-line no-control-regex -- finding control characters is its purpose
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * Text from logs as a terminal shows it: every control character written as `\uXXXX`, so a log line
 * cannot move the cursor, recolour or retitle the user's terminal, or break a table's line.
 */
export function printable(text: string): string {
  return text.replace(CONTROL, (char) => '\\u' + char.charCodeAt(0).toString(16).padStart(4, '0'));
}
