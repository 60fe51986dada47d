/**
 * Where the objects and arrays of a text written one after another (`{...}{...}`, `{...} [...]`: a
 * writer that left out the line breaks) start and end, as [start, end) pairs; null unless the text is
 * two or more of them with nothing but JSON whitespace around and between. Strings are skipped whole,
 * so braces inside them do not count; whether each span is valid JSON is for the caller's parse.
 */
export function valueSpans(text: string): [number, number][] | null {
  const spans: [number, number][] = [];
  const n = text.length;
  let i = 0;
  for (;;) {
    while (i < n && isJsonWhitespace(text.charCodeAt(i))) i++;
    if (i >= n) break;
    const first = text.charCodeAt(i);
    if (first !== 0x7b && first !== 0x5b) return null;
    const end = closingOf(text, i);
    if (end < 0) return null;
    spans.push([i, end]);
    i = end;
  }
  return spans.length >= 2 ? spans : null;
}

/** The index after the bracket that closes the one at `start`; -1 when the text ends first. */
function closingOf(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

function isJsonWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}
