/** Bytes the line framer and the shape sniffer look at (the document scanner keeps its own: see there). */
export const LF = 0x0a;
export const CR = 0x0d;
const SP = 0x20;
const TAB = 0x09;
export const LBRACE = 0x7b;
export const LBRACKET = 0x5b;

/** JSON whitespace. */
export function isWs(b: number): boolean {
  return b === SP || b === LF || b === CR || b === TAB;
}

export function isBlank(buf: Buffer): boolean {
  for (let i = 0; i < buf.length; i++) if (!isWs(buf[i]!)) return false;
  return true;
}
