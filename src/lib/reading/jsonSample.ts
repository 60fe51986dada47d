/** Nesting shown in a sample; what lies deeper is shown as "…". */
export const MAX_SAMPLE_DEPTH = 64;

/**
 * The JSON text of a parsed value, for a quarantine entry's sample. `JSON.parse` reads any depth, but
 * `JSON.stringify` recurses and overflows the stack some thousands deep (a 10 KB line of `[`): such a
 * value is shown to MAX_SAMPLE_DEPTH levels instead of failing its whole file on every run. Pure.
 */
export function jsonSample(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
  }
  return JSON.stringify(pruned(value, MAX_SAMPLE_DEPTH));
}

function pruned(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (depth === 0) return '…';
  if (Array.isArray(value)) return value.map((element: unknown) => pruned(element, depth - 1));
  const copy: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) copy[key] = pruned(inner, depth - 1);
  return copy;
}
