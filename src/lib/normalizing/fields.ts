/**
 * A case-insensitive view of one raw record: its top level and, for storage-format records, its
 * `properties` (an object, or a JSON string holding one).
 *
 * Fast because each object's keys are lower-cased once into a Map; every later lookup is one Map get
 * per candidate name, with no scanning and no per-lookup string work.
 */

/** Absent: missing, null, or a string that is empty or only whitespace. */
export function isAbsent(value: unknown): value is undefined | null | string {
  if (value === undefined || value === null) return true;
  if (typeof value !== 'string') return false;
  // A whitespace-only string starts with whitespace, so most strings cost one comparison.
  return value.length === 0 || (value.charCodeAt(0) <= 0x20 && value.trim().length === 0);
}

export class FieldView {
  private constructor(
    private readonly top: Map<string, unknown>,
    private readonly props: Map<string, unknown> | null,
  ) {}

  /** The view of `raw`, or a short message when its `properties` cannot be read. */
  static of(raw: Record<string, unknown>): FieldView | string {
    const top = lowerCaseKeys(raw);
    const properties = top.get('properties');
    if (isAbsent(properties)) return new FieldView(top, null);
    let object: unknown = properties;
    if (typeof properties === 'string') {
      try {
        object = JSON.parse(properties);
      } catch {
        return 'properties: a string that is not valid JSON';
      }
    }
    if (object === null) return new FieldView(top, null);
    if (typeof object !== 'object' || Array.isArray(object)) return 'properties: not a JSON object';
    return new FieldView(top, lowerCaseKeys(object as Record<string, unknown>));
  }

  /**
   * The first present value among `names` (lower case, in order of preference). A common field is looked
   * up at the top level first, then in `properties`; a service field the other way round.
   */
  get(names: readonly string[], common: boolean): unknown {
    const first = common ? this.top : this.props;
    const second = common ? this.props : this.top;
    if (first !== null) {
      for (const name of names) {
        const value = first.get(name);
        if (!isAbsent(value)) return value;
      }
    }
    if (second !== null) {
      for (const name of names) {
        const value = second.get(name);
        if (!isAbsent(value)) return value;
      }
    }
    return undefined;
  }

  /** The first present value among `names`, at the top level only. */
  getTop(names: readonly string[]): unknown {
    for (const name of names) {
      const value = this.top.get(name);
      if (!isAbsent(value)) return value;
    }
    return undefined;
  }

  /** Whether any of `names` (lower case) is a key of the record or its properties, whatever its value. */
  hasAny(names: readonly string[]): boolean {
    for (const name of names) {
      if (this.top.has(name) || (this.props !== null && this.props.has(name))) return true;
    }
    return false;
  }

  /** Whether any key of the record or its properties starts with `prefix` (lower case). */
  hasKeyStartingWith(prefix: string): boolean {
    for (const key of this.top.keys()) if (key.startsWith(prefix)) return true;
    if (this.props !== null) for (const key of this.props.keys()) if (key.startsWith(prefix)) return true;
    return false;
  }
}

/**
 * Lower-case spellings of the keys seen so far. Records repeat a few dozen keys, so after the first
 * records every key costs one Map get instead of a new string. Bounded against hostile input.
 */
const LOWER_CASE_KEYS = new Map<string, string>();
const LOWER_CASE_KEYS_LIMIT = 4096;

function lowerCase(key: string): string {
  let lower = LOWER_CASE_KEYS.get(key);
  if (lower === undefined) {
    lower = key.toLowerCase();
    if (LOWER_CASE_KEYS.size < LOWER_CASE_KEYS_LIMIT) LOWER_CASE_KEYS.set(key, lower);
  }
  return lower;
}

/** Keys lower-cased; of two keys equal but for case, the first present value wins. */
function lowerCaseKeys(object: Record<string, unknown>): Map<string, unknown> {
  const map = new Map<string, unknown>();
  for (const key of Object.keys(object)) {
    const lower = lowerCase(key);
    const value = object[key];
    if (!map.has(lower) || (isAbsent(map.get(lower)) && !isAbsent(value))) map.set(lower, value);
  }
  return map;
}
