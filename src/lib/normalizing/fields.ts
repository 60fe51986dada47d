/**
 * A case-insensitive view of one raw record: its top level and, for storage-format records, its
 * `properties` (an object, or a JSON string holding one).
 *
 * Fast because the work that depends only on an object's keys is done once per key list (a shape), not
 * once per record: records of a file share a handful of key lists, so per record the view costs
 * `Object.keys` and `Object.values` of each object and a comparison with the shapes seen last; a field is
 * then read by its position in the values, with no string work and no lookup by key.
 */

/** Absent: missing, null, or a string that is empty or only whitespace. */
export function isAbsent(value: unknown): value is undefined | null | string {
  if (value === undefined || value === null) return true;
  if (typeof value !== 'string') return false;
  // A whitespace-only string starts with whitespace, so most strings cost one comparison.
  return value.length === 0 || (value.charCodeAt(0) <= 0x20 && value.trim().length === 0);
}

const NO_POSITIONS: readonly number[] = [];
const NO_VALUES: readonly unknown[] = [];
const PROPERTIES = ['properties'] as const;

/** What a list of keys implies: where the keys of each lower-case name are, in the object's key order. */
class Shape {
  /** Lower-case name to the positions of the keys equal to it but for case (see lowerCase), in key order. */
  private readonly byLower = new Map<string, number[]>();
  /** Per list of names (by identity; names lists are constants): their positions, in order of preference. */
  private readonly resolved = new Map<readonly string[], readonly number[]>();
  /** Field lists located in records with this shape (see FieldView.locate), most recent first. */
  readonly located: Located[] = [];

  constructor(readonly keys: readonly string[]) {
    keys.forEach((key, position) => {
      const lower = lowerCase(key);
      const same = this.byLower.get(lower);
      if (same === undefined) this.byLower.set(lower, [position]);
      else same.push(position);
    });
  }

  /** The positions to read, in order, for the first present value among `names` (lower case). */
  positionsOf(names: readonly string[]): readonly number[] {
    let positions = this.resolved.get(names);
    if (positions === undefined) {
      const found: number[] = [];
      for (const name of names) found.push(...(this.byLower.get(name) ?? NO_POSITIONS));
      positions = found.length === 0 ? NO_POSITIONS : found;
      if (this.resolved.size < RESOLVED_LIMIT) this.resolved.set(names, positions);
    }
    return positions;
  }

  has(name: string): boolean {
    return this.byLower.has(name);
  }

  hasKeyStartingWith(prefix: string): boolean {
    for (const lower of this.byLower.keys()) if (lower.startsWith(prefix)) return true;
    return false;
  }
}

const RESOLVED_LIMIT = 256;

/**
 * The shapes seen last, most recent first. A file's records repeat a few key lists; the bound keeps
 * hostile input (a new key list per record) at one short scan per record.
 */
const SHAPES: Shape[] = [];
const SHAPES_LIMIT = 16;
/** Records have a few dozen keys: a longer list is not kept, as 16 lists of 100,000 keys would hold 100 MB. */
const SHAPE_KEYS_LIMIT = 1024;

function shapeOf(keys: readonly string[]): Shape {
  for (let i = 0; i < SHAPES.length; i++) {
    const shape = SHAPES[i] as Shape;
    if (sameKeys(shape.keys, keys)) {
      // Move to front by hand: Array.prototype.copyWithin is far slower on arrays this short.
      for (let j = i; j > 0; j--) SHAPES[j] = SHAPES[j - 1] as Shape;
      SHAPES[0] = shape;
      return shape;
    }
  }
  const shape = new Shape(keys);
  if (keys.length > SHAPE_KEYS_LIMIT) return shape;
  if (SHAPES.length >= SHAPES_LIMIT) SHAPES.pop();
  SHAPES.unshift(shape);
  return shape;
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The first present value among `values` at `positions`. */
function firstPresent(values: readonly unknown[], positions: readonly number[]): unknown {
  for (let i = 0; i < positions.length; i++) {
    const value = values[positions[i] as number];
    if (!isAbsent(value)) return value;
  }
  return undefined;
}

/** A field to look up: its raw names (lower case, in order of preference) and which level wins. */
export interface FieldLookup {
  readonly names: readonly string[];
  /** Common fields are read from the top level first, service fields from `properties` first. */
  readonly common: boolean;
}

/**
 * Where each of a constant list of fields is in records of one pair of shapes (top level, properties):
 * the positions to read, in order; `p >= 0` is top-level value `p`, `p < 0` is `properties` value `-p - 1`.
 */
export class Located {
  readonly positions: (readonly number[])[] = [];
  /** The top-level shape when `properties` has a shape (which holds this), else null. */
  readonly other: Shape | null;

  constructor(
    readonly lookups: readonly FieldLookup[],
    topShape: Shape,
    propsShape: Shape | null,
  ) {
    this.other = propsShape === null ? null : topShape;
    for (const { names, common } of lookups) {
      const top = topShape.positionsOf(names);
      const props = (propsShape === null ? NO_POSITIONS : propsShape.positionsOf(names)).map((p) => -p - 1);
      this.positions.push(common ? [...top, ...props] : [...props, ...top]);
    }
  }
}

const LOCATED_LIMIT = 8;

export class FieldView {
  private constructor(
    private readonly topShape: Shape,
    /** The top level's values, in key order. */
    private readonly top: readonly unknown[],
    private readonly propsShape: Shape | null,
    private readonly props: readonly unknown[],
  ) {}

  /** The view of `raw`, or a short message when its `properties` cannot be read. */
  static of(raw: Record<string, unknown>): FieldView | string {
    const topShape = shapeOf(Object.keys(raw));
    const top = Object.values(raw);
    const properties = firstPresent(top, topShape.positionsOf(PROPERTIES));
    if (properties === undefined) return new FieldView(topShape, top, null, NO_VALUES);
    let object: unknown = properties;
    if (typeof properties === 'string') {
      try {
        object = JSON.parse(properties);
      } catch {
        return 'properties: a string that is not valid JSON';
      }
    }
    if (object === null) return new FieldView(topShape, top, null, NO_VALUES);
    if (typeof object !== 'object' || Array.isArray(object)) return 'properties: not a JSON object';
    return new FieldView(topShape, top, shapeOf(Object.keys(object)), Object.values(object));
  }

  /**
   * The first present value among `names` (lower case, in order of preference; a constant list). A common
   * field is looked up at the top level first, then in `properties`; a service field the other way round.
   */
  get(names: readonly string[], common: boolean): unknown {
    const propsShape = this.propsShape;
    if (propsShape === null) return firstPresent(this.top, this.topShape.positionsOf(names));
    if (common) {
      const value = firstPresent(this.top, this.topShape.positionsOf(names));
      return value !== undefined ? value : firstPresent(this.props, propsShape.positionsOf(names));
    }
    const value = firstPresent(this.props, propsShape.positionsOf(names));
    return value !== undefined ? value : firstPresent(this.top, this.topShape.positionsOf(names));
  }

  /** Where `lookups` (a constant list) are in this record: worked out once per pair of shapes. */
  locate(lookups: readonly FieldLookup[]): Located {
    // Kept with the properties' shape, which tells records apart more than the top level's.
    const owner = this.propsShape ?? this.topShape;
    const other = this.propsShape === null ? null : this.topShape;
    const cache = owner.located;
    for (let i = 0; i < cache.length; i++) {
      const located = cache[i] as Located;
      if (located.lookups === lookups && located.other === other) return located;
    }
    const located = new Located(lookups, this.topShape, this.propsShape);
    if (cache.length >= LOCATED_LIMIT) cache.pop();
    cache.unshift(located);
    return located;
  }

  /** The first present value of field `index` of `located` (which must come from this view's locate). */
  at(located: Located, index: number): unknown {
    const positions = located.positions[index] as readonly number[];
    for (let i = 0; i < positions.length; i++) {
      const p = positions[i] as number;
      const value = p >= 0 ? this.top[p] : this.props[-p - 1];
      if (!isAbsent(value)) return value;
    }
    return undefined;
  }

  /** The first present value among `names`, at the top level only. */
  getTop(names: readonly string[]): unknown {
    return firstPresent(this.top, this.topShape.positionsOf(names));
  }

  /** Whether any of `names` (lower case) is a key of the record or its properties, whatever its value. */
  hasAny(names: readonly string[]): boolean {
    for (const name of names) {
      if (this.topShape.has(name) || (this.propsShape !== null && this.propsShape.has(name))) return true;
    }
    return false;
  }

  /** Whether any key of the record or its properties starts with `prefix` (lower case). */
  hasKeyStartingWith(prefix: string): boolean {
    return this.topShape.hasKeyStartingWith(prefix) || (this.propsShape?.hasKeyStartingWith(prefix) ?? false);
  }
}

/**
 * Lower-case spellings of the keys seen so far. Records repeat a few dozen keys, so after the first
 * records every key costs one Map get instead of a new string. Bounded against hostile input.
 */
const LOWER_CASE_KEYS = new Map<string, string>();
const LOWER_CASE_KEYS_LIMIT = 4096;

/**
 * The zone the Log Analytics portal's export adds to the name of every datetime column:
 * `TimeGenerated [UTC]`, `RecordingStartTime [UTC]` (the Call Automation logs sample, MicrosoftDocs/azure-docs
 * articles/communication-services/concepts/analytics/logs/call-automation-logs.md). Such a column is
 * the column itself: its values are the display form time.ts reads as UTC.
 */
const EXPORTED_ZONE_SUFFIX = /\s*\[utc\]$/;

/** The name a key is matched by: lower case, without the export's zone suffix. */
function lowerCase(key: string): string {
  let lower = LOWER_CASE_KEYS.get(key);
  if (lower === undefined) {
    lower = key.toLowerCase();
    if (lower.endsWith(']')) lower = lower.replace(EXPORTED_ZONE_SUFFIX, '');
    // Keys are a few words: a long one is not kept, or 4,096 of them could hold gigabytes.
    if (LOWER_CASE_KEYS.size < LOWER_CASE_KEYS_LIMIT && key.length <= 256) LOWER_CASE_KEYS.set(key, lower);
  }
  return lower;
}
