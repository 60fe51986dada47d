/** Bytes the line framer and the shape sniffer look at (the document scanner keeps its own: see there). */
export const LF = 0x0a;
export const CR = 0x0d;
const SP = 0x20;
const TAB = 0x09;
export const LBRACE = 0x7b;
export const LBRACKET = 0x5b;
export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
const RBRACE = 0x7d;
const RBRACKET = 0x5d;

/**
 * Spaces, tabs and `\r`: what may lie between the end of one JSON text and the start of the next on
 * a line cut by `\r` (see LineFramer). No single JSON text holds `}` and `{` with only these between.
 */
export function isInlineWs(b: number | undefined): boolean {
  return b === SP || b === TAB || b === CR;
}

/** `}` or `]`: the last byte of a JSON object or array. */
export function closesJson(b: number | undefined): boolean {
  return b === RBRACE || b === RBRACKET;
}

/** `{` or `[`: the first byte of a JSON object or array. */
export function opensJson(b: number | undefined): boolean {
  return b === LBRACE || b === LBRACKET;
}

/** JSON whitespace. */
export function isWs(b: number): boolean {
  return b === SP || b === LF || b === CR || b === TAB;
}

export function isBlank(buf: Buffer): boolean {
  for (let i = 0; i < buf.length; i++) if (!isWs(buf[i]!)) return false;
  return true;
}

/**
 * Where to cut `bytes` at or before `end` so that no UTF-8 sequence is split: a cut sample decoded
 * whole would otherwise end in a U+FFFD that was never in the file.
 */
export function utf8Boundary(bytes: Buffer, end: number): number {
  let lead = end - 1;
  while (lead >= 0 && end - lead <= 3 && ((bytes[lead] ?? 0) & 0xc0) === 0x80) lead--;
  if (lead < 0) return end;
  const b = bytes[lead] ?? 0;
  const length = b < 0x80 ? 1 : b >= 0xf0 && b < 0xf8 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
  return lead + length > end ? lead : end;
}
