/**
 * Reads the seed documents' JSON examples as written: trailing commas, several objects one after the
 * other, a `"properties"` label in front of an object, or a bare list of members.
 */

/** The text without commas that directly precede `}` or `]` (outside strings). */
export function withoutTrailingCommas(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    if (c === ',') {
      let j = i + 1;
      while (j < text.length && /\s/.test(text[j]!)) j++;
      if (text[j] === '}' || text[j] === ']') continue;
    }
    out += c;
  }
  return out;
}

/** Every JSON value in a seed example, in order. */
export function seedValues(text: string): unknown[] {
  let t = withoutTrailingCommas(text).trim();
  if (t.startsWith('"properties"')) t = t.slice('"properties"'.length).trim();
  if (t.startsWith('"')) t = `{${t.replace(/,\s*$/, '')}}`; // a bare list of members
  const values: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < t.length; i++) {
    const c = t[i]!;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) values.push(JSON.parse(t.slice(start, i + 1)));
    }
  }
  return values;
}

/** The single object of a seed example (an object, or an array holding one object). */
export function seedObject(text: string): Record<string, unknown> {
  const values = seedValues(text);
  if (values.length !== 1) throw new Error(`expected one value, found ${values.length}`);
  const value = Array.isArray(values[0]) ? (values[0] as unknown[])[0] : values[0];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
  return value as Record<string, unknown>;
}

/** Every object of a seed example. */
export function seedObjects(text: string): Record<string, unknown>[] {
  return seedValues(text).flatMap((v) => (Array.isArray(v) ? v : [v])) as Record<string, unknown>[];
}
