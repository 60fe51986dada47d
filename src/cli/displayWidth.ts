/**
 * How many terminal columns text takes: a terminal shows CJK ideographs, Hangul, kana, fullwidth
 * forms and emoji two columns wide, and a combining mark on the character before it. Tables and
 * blocks that count characters instead wrap on such text. Counted per grapheme (what the user sees
 * as one character: a base and its marks, an emoji sequence joined with U+200D, a flag).
 */
const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** East Asian Wide and Fullwidth blocks (Unicode's EastAsianWidth W and F, by block). */
const WIDE =
  /^[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\ua960-\ua97f\uac00-\ud7a3\uf900-\ufaff\ufe10-\ufe19\ufe30-\ufe6f\uff00-\uff60\uffe0-\uffe6\u{17000}-\u{18aff}\u{1b000}-\u{1b2ff}\u{1f200}-\u{1f251}\u{20000}-\u{3fffd}]/u;
/** Shown as an emoji, two columns: an emoji by default, or a character that can be one asked to be with U+FE0F. */
const EMOJI = /^(?:\p{Emoji_Presentation}|\p{Emoji}\ufe0f)/u;
/** Marks and format characters alone take no column. */
const ZERO = /^[\p{Mn}\p{Me}\p{Cf}]+$/u;
const ASCII = /^[\x20-\x7e]*$/;
const SOFT_HYPHEN = '\u00ad';

/** The columns one grapheme takes: 0, 1 or 2. */
export function graphemeWidth(grapheme: string): number {
  // A format character, but terminals draw it one column wide.
  if (grapheme === SOFT_HYPHEN) return 1;
  if (ZERO.test(grapheme)) return 0;
  return WIDE.test(grapheme) || EMOJI.test(grapheme) ? 2 : 1;
}

/** Code units segmented at a time: each step of Intl.Segmenter costs in proportion to the text it was given. */
const WINDOW = 512;

/**
 * The text's graphemes in order, segmented a window at a time, so that a long text costs in
 * proportion to its length. A window's last grapheme may run past it: it is segmented again with
 * what follows, unless the window ends the text or holds nothing else.
 */
function* eachGrapheme(text: string): Generator<string> {
  let at = 0;
  while (at < text.length) {
    const end = Math.min(text.length, at + WINDOW);
    const parts = Array.from(segmenter.segment(text.slice(at, end)), (part) => part.segment);
    if (end < text.length && parts.length > 1) parts.pop();
    for (const part of parts) {
      at += part.length;
      yield part;
    }
  }
}

/** The text's graphemes, in order. */
export function graphemes(text: string): string[] {
  return [...eachGrapheme(text)];
}

/**
 * The columns the text takes in a terminal. With `limit`, it stops counting once past it (the
 * answer is then more than `limit`, not the whole width): a long cell costs what is shown of it.
 */
export function displayWidth(text: string, limit = Number.POSITIVE_INFINITY): number {
  // Most cells are ASCII: one column per character, without segmenting.
  if (ASCII.test(text)) return text.length;
  let columns = 0;
  for (const grapheme of eachGrapheme(text)) {
    columns += graphemeWidth(grapheme);
    if (columns > limit) break;
  }
  return columns;
}

/**
 * The text in at most `max` columns, cut with … at its end, or at its start with `keepEnd`; never
 * splitting a grapheme. A cut at the end reads only as much of the text as it keeps.
 */
export function cutToWidth(text: string, max: number, keepEnd = false): string {
  if (ASCII.test(text)) {
    if (text.length <= max) return text;
    return keepEnd ? '…' + text.slice(text.length - Math.max(0, max - 1)) : text.slice(0, Math.max(0, max - 1)) + '…';
  }
  if (keepEnd) return displayWidth(text, max) <= max ? text : '…' + tailWithin(graphemes(text), max - 1);
  let columns = 0;
  let read = 0;
  let kept = 0;
  for (const grapheme of eachGrapheme(text)) {
    columns += graphemeWidth(grapheme);
    if (columns > max) return text.slice(0, kept) + '…';
    read += grapheme.length;
    if (columns <= max - 1) kept = read;
  }
  return text;
}

/** The longest start of the graphemes that takes at most `max` columns. */
export function headWithin(parts: readonly string[], max: number): string {
  let columns = 0;
  let end = 0;
  for (; end < parts.length; end++) {
    const width = graphemeWidth(parts[end] as string);
    if (columns + width > max) break;
    columns += width;
  }
  return parts.slice(0, end).join('');
}

/** The longest end of the graphemes that takes at most `max` columns. */
export function tailWithin(parts: readonly string[], max: number): string {
  let columns = 0;
  let start = parts.length;
  for (; start > 0; start--) {
    const width = graphemeWidth(parts[start - 1] as string);
    if (columns + width > max) break;
    columns += width;
  }
  return parts.slice(start).join('');
}
