/**
 * C0 controls, DEL and C1 controls, which a terminal acts on (colours, cursor moves, titles) instead
 * of showing; line and paragraph separators and interlinear annotation marks; every space but the
 * plain one (no-break, em, thin, ideographic: `room\u00a01` would read as `room 1`) and the braille
 * blank (a symbol that fonts draw as nothing); and every character
 * Unicode says to draw as nothing (Default_Ignorable_Code_Point: bidirectional marks, overrides and
 * isolates, zero-width spaces, word joiners, the soft hyphen, the combining grapheme joiner, Hangul
 * fillers, the Mongolian vowel separator, tag characters), which would reorder or hide what a value
 * says, or make two values read alike. Joiners and variation selectors that shape emoji and
 * scripts stay (INVISIBLE_BUT_KEPT).
 */
const CONTROL = /[\p{Cc}\p{Default_Ignorable_Code_Point}\u2028\u2029\u2800\ufff9-\ufffb]|(?! )\p{Zs}/gu;
/** ZWNJ and ZWJ (emoji sequences, Indic and Arabic shaping) and the variation selectors (emoji or text style, CJK variants). */
const INVISIBLE_BUT_KEPT = /^(?:\u200c|\u200d|[\ufe00-\ufe0f]|[\u{e0100}-\u{e01ef}])$/u;

/** Half of a surrogate pair without its other half: no character, drawn as U+FFFD, so two of them would read alike. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Text from logs as a terminal or the dashboard shows it: each of those characters, and each lone
 * surrogate, written as `\uXXXX`, so a log line cannot move the cursor, recolour or retitle the
 * user's terminal, break a table's line, or make what it shows read in another order
 * (`abc\u202egnp.exe` is not `abcexe.png`), and `x\ud800` is not `x\udc00` (JSON writes both as
 * `x\ufffd`: see printableJson).
 */
export function printable(text: string): string {
  return text.replace(CONTROL, escapedUnlessKept).replace(LONE_SURROGATE, escaped);
}

/**
 * A value from the logs as a table cell shows it: printable, its trailing spaces as `\u0020`,
 * which a cell would otherwise show as nothing (`dup` and `dup ` would read alike), and a backslash
 * that starts what reads as an escape as `\u005c` (a log's `dup\u0020` would read as `dup `). Not
 * for messages, whose text ends where the line does, nor raw lines, whose JSON escapes stay as written.
 */
export function printableValue(text: string): string {
  const shown = printable(text.replace(ESCAPE_LOOKALIKE, '\\u005c'));
  const kept = shown.trimEnd();
  return kept.length === shown.length ? shown : kept + '\\u0020'.repeat(shown.length - kept.length);
}

/** A backslash followed by what completes an escape as `printable` writes it (in any case: `\u00A0` reads as one too). */
const ESCAPE_LOOKALIKE = /\\(?=u[0-9a-fA-F]{4})/g;

/** A character as `\uXXXX`, one escape per UTF-16 unit (`\udb40\udc31` for U+E0031), as JSON writes it. */
function escaped(char: string): string {
  let text = '';
  for (let i = 0; i < char.length; i++) text += '\\u' + char.charCodeAt(i).toString(16).padStart(4, '0');
  return text;
}

function escapedUnlessKept(char: string): string {
  return INVISIBLE_BUT_KEPT.test(char) ? char : escaped(char);
}

/**
 * JSON text with the CONTROL characters JSON.stringify leaves as they are written as `\uXXXX` escapes
 * (the same JSON value), and each lone surrogate's escape (which JSON.stringify writes, and strict
 * readers such as jq refuse for the whole document) as `\ufffd`, the character a UTF-8 writer puts
 * in its place, as CSV shows it. Stored values keep their lone surrogates: they are part of keys.
 */
export function printableJson(json: string): string {
  // JSON.stringify escapes the C0 controls in strings; outside them, JSON's line breaks are its layout.
  // Surrogates first: the escapes of astral characters written below come in pairs, and stay.
  return wellFormedJson(json).replace(CONTROL, (char) => (char < ' ' || INVISIBLE_BUT_KEPT.test(char) ? char : escaped(char)));
}

/**
 * JSON text with each lone surrogate's escape as `\ufffd`, since strict readers (jq) refuse the whole
 * text for one: for JSON bodies, and for the JSON a CSV cell holds, as its text cells show U+FFFD.
 */
export function wellFormedJson(json: string): string {
  return json.replace(LONE_SURROGATE_ESCAPE, (_escape, backslashes: string) => `${backslashes}\\ufffd`);
}

/** `\udXXX` written by JSON.stringify (it escapes only lone surrogates), not after an escaped backslash (`\\ud800` is text). */
const LONE_SURROGATE_ESCAPE = /(?<!\\)((?:\\\\)*)\\ud[89a-f][0-9a-f]{2}/gi;
