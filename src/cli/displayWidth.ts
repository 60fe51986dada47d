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
/** Shown as an emoji, two columns: emoji presentation by default, or asked for with U+FE0F. */
const EMOJI = /^\p{Emoji_Presentation}|\ufe0f/u;
/** Marks and format characters alone take no column. */
const ZERO = /^[\p{Mn}\p{Me}\p{Cf}]+$/u;

/** The columns one grapheme takes: 0, 1 or 2. */
export function graphemeWidth(grapheme: string): number {
  if (ZERO.test(grapheme)) return 0;
  return WIDE.test(grapheme) || EMOJI.test(grapheme) ? 2 : 1;
}

/** The text's graphemes, in order. */
export function graphemes(text: string): string[] {
  return Array.from(segmenter.segment(text), (part) => part.segment);
}

/** The columns the text takes in a terminal. */
export function displayWidth(text: string): number {
  // Most cells are ASCII: one column per character, without segmenting.
  if (/^[\x20-\x7e]*$/.test(text)) return text.length;
  let columns = 0;
  for (const grapheme of graphemes(text)) columns += graphemeWidth(grapheme);
  return columns;
}

/** The longest start of the graphemes that takes at most `max` columns. */
export function headWithin(parts: readonly string[], max: number): string {
  let columns = 0;
  let end = 0;
  while (end < parts.length && columns + graphemeWidth(parts[end] as string) <= max) columns += graphemeWidth(parts[end++] as string);
  return parts.slice(0, end).join('');
}

/** The longest end of the graphemes that takes at most `max` columns. */
export function tailWithin(parts: readonly string[], max: number): string {
  let columns = 0;
  let start = parts.length;
  while (start > 0 && columns + graphemeWidth(parts[start - 1] as string) <= max) columns += graphemeWidth(parts[--start] as string);
  return parts.slice(start).join('');
}
