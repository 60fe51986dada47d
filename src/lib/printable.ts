/**
 * C0 controls, DEL and C1 controls, which a terminal acts on (colours, cursor moves, titles) instead
 * of showing; and the invisible format characters that reorder or hide what follows them on a line
 * (bidirectional marks, overrides and isolates, the Arabic letter mark, the zero-width space and
 * no-break space, word joiners and the deprecated format characters, line and paragraph separators,
 * interlinear annotation marks). Joiners that shape emoji and scripts (U+200C, U+200D) stay.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is its purpose
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200b\u200e\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g;

/** Half of a surrogate pair without its other half: no character, drawn as U+FFFD, so two of them would read alike. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Text from logs as a terminal or the dashboard shows it: each of those characters, and each lone
 * surrogate, written as `\uXXXX`, so a log line cannot move the cursor, recolour or retitle the
 * user's terminal, break a table's line, or make what it shows read in another order
 * (`abc\u202egnp.exe` is not `abcexe.png`), and `x\ud800` is not `x\udc00`.
 */
export function printable(text: string): string {
  return text.replace(CONTROL, escaped).replace(LONE_SURROGATE, escaped);
}

function escaped(char: string): string {
  return '\\u' + char.charCodeAt(0).toString(16).padStart(4, '0');
}

/** CONTROL without the C0 controls, which JSON.stringify escapes in strings (outside them, JSON's line breaks are its layout). */
const BEYOND_C0 = /[\u007f-\u009f\u061c\u200b\u200e\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g;

/** JSON text with the CONTROL characters JSON.stringify leaves as they are written as `\uXXXX` escapes: the same JSON value. */
export function printableJson(json: string): string {
  return json.replace(BEYOND_C0, (char) => '\\u' + char.charCodeAt(0).toString(16).padStart(4, '0'));
}
