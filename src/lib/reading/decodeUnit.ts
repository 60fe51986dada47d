import type { FramedUnit, FramingMode, RawRecord, RejectedElement } from './types.js';
import { jsonSample } from './jsonSample.js';
import { valueSpans } from './valueSpans.js';

/**
 * A unit's records, and the elements of its array or `records` wrapper that are not objects (each a
 * bad record of its own: the elements beside it are still records), in position order each.
 */
export type DecodeResult =
  { success: true; records: RawRecord[]; rejected: readonly RejectedElement[] } | { success: false; code: 'invalid_json' | 'not_an_object'; message: string };

function isJsonWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * The text without the commas that stand (ignoring whitespace) before `}` or `]` or at the very end,
 * outside strings; null when there is none.
 */
function removeTrailingCommas(text: string): string | null {
  let out = '';
  let last = 0;
  let removed = false;
  let inStr = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (inStr) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inStr = false;
      continue;
    }
    if (c === 0x22) {
      inStr = true;
    } else if (c === 0x2c) {
      let j = i + 1;
      while (j < n && isJsonWs(text.charCodeAt(j))) j++;
      const next = j < n ? text.charCodeAt(j) : -1;
      if (next === -1 || next === 0x7d || next === 0x5d) {
        out += text.slice(last, i);
        last = i + 1;
        removed = true;
      }
    }
  }
  return removed ? out + text.slice(last) : null;
}

/**
 * `JSON.parse`, tolerating trailing commas (before `}` or `]`, or at the end of the text), as in the
 * Log Analytics exports of the ACS documentation. Throws JSON.parse's SyntaxError when it cannot.
 */
export function parseJsonTolerant(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const fixed = removeTrailingCommas(text);
    if (fixed !== null) {
      try {
        return JSON.parse(fixed) as unknown;
      } catch {
        // report the error in the text as written
      }
    }
    throw err;
  }
}

/**
 * The first character, described, when no JSON text can start with it; else null. Junk lines fail
 * here without `JSON.parse`, whose exceptions cost microseconds each: a flood of them would be slow.
 */
function strayStart(text: string): string | null {
  let i = 0;
  while (i < text.length && isJsonWs(text.charCodeAt(i))) i++;
  if (i >= text.length) return null;
  const c = text.charCodeAt(i);
  const startsJson = c === 0x7b || c === 0x5b || c === 0x22 || c === 0x2d || (c >= 0x30 && c <= 0x39) || c === 0x74 || c === 0x66 || c === 0x6e;
  if (startsJson) return null;
  return c >= 0x20 && c < 0x7f ? `character '${String.fromCharCode(c)}'` : `character U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}

function recordsKey(obj: Record<string, unknown>): string | undefined {
  for (const k of Object.keys(obj)) {
    if (k.toLowerCase() === 'records' && Array.isArray(obj[k])) return k;
  }
  return undefined;
}

const NONE: readonly RejectedElement[] = [];

/** One array of records in a unit: its elements, and how a message names the array. */
interface ElementGroup {
  elements: unknown[];
  where: string;
}

function fromElements(unit: FramedUnit, groups: readonly ElementGroup[]): DecodeResult {
  const records: RawRecord[] = [];
  let rejected: RejectedElement[] | undefined;
  // Positions run on across the groups, so each element of the unit has its own.
  let index = 0;
  for (const { elements, where } of groups) {
    for (let i = 0; i < elements.length; i++, index++) {
      const el = elements[i];
      if (isObject(el)) {
        records.push({ position: unit.offset + index, offset: unit.offset, line: unit.line, value: el });
        continue;
      }
      rejected ??= [];
      rejected.push({
        position: unit.offset + index,
        code: 'not_an_object',
        message: `element ${i} of ${where} is ${describe(el)}, not an object`,
        text: jsonSample(el),
      });
    }
  }
  return { success: true, records, rejected: rejected ?? NONE };
}

/** A `records` key and its array's bracket, in any case and spacing. */
const RECORDS_KEY = /"records"\s*:\s*\[/gi;

/** Whether the text holds two `records` keys: only then can a wrapper hold more than one array. */
function hasSecondRecordsKey(text: string): boolean {
  RECORDS_KEY.lastIndex = 0;
  const found = RECORDS_KEY.exec(text) !== null && RECORDS_KEY.exec(text) !== null;
  RECORDS_KEY.lastIndex = 0;
  return found;
}

/** Whether the JSON string `keyText` (quotes included) is `records` in any case. */
function isRecordsKey(keyText: string): boolean {
  if (keyText.length > 64) return false;
  try {
    const key = JSON.parse(keyText) as unknown;
    return typeof key === 'string' && key.toLowerCase() === 'records';
  } catch {
    return false;
  }
}

/**
 * The arrays of the top-level members of the object in `text` whose key is `records` in any case,
 * in their order. JSON.parse keeps only the last of two equal keys and the object keeps `records`
 * and `Records` apart: read from the text, no array of records is left out. Null if a member's value
 * does not parse on its own (the unit is then read as JSON.parse reads it).
 */
function recordsArrays(text: string): ElementGroup[] | null {
  const groups: ElementGroup[] = [];
  const n = text.length;
  let depth = 0;
  let expectKey = false;
  let keyText: string | null = null;
  let valueStart = -1;
  let unreadable = false;
  const memberEnd = (end: number): void => {
    if (keyText !== null && valueStart >= 0 && isRecordsKey(keyText)) {
      let value: unknown;
      try {
        value = parseJsonTolerant(text.slice(valueStart, end));
      } catch {
        unreadable = true;
      }
      if (Array.isArray(value)) groups.push({ elements: value, where: keyText });
    }
    keyText = null;
    valueStart = -1;
  };
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const start = i;
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
      if (depth === 1 && expectKey) {
        keyText = text.slice(start, i + 1);
        expectKey = false;
      }
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth === 1) expectKey = true;
    } else if (c === 0x7d || c === 0x5d) {
      if (depth === 1) memberEnd(i);
      depth--;
    } else if (depth === 1) {
      if (c === 0x3a) valueStart = i + 1;
      else if (c === 0x2c) {
        memberEnd(i);
        expectKey = true;
      }
    }
  }
  return unreadable || groups.length === 0 ? null : groups;
}

/**
 * The records of objects and arrays written one after another in a unit (a writer that left out the
 * line breaks), each value's as a unit of its own would give them; undefined unless every value parses.
 */
function valuesOnOneLine(unit: FramedUnit, text: string): DecodeResult | undefined {
  const spans = valueSpans(text);
  if (spans === null) return undefined;
  const groups: ElementGroup[] = [];
  for (const [start, end] of spans) {
    let value: unknown;
    try {
      value = parseJsonTolerant(text.slice(start, end));
    } catch {
      return undefined;
    }
    const which = `value ${groups.length + 1} on the line`;
    if (Array.isArray(value)) groups.push({ elements: value, where: `the array (${which})` });
    else {
      const object = value as Record<string, unknown>;
      const key = recordsKey(object);
      groups.push(key === undefined ? { elements: [object], where: which } : { elements: object[key] as unknown[], where: `"${key}" (${which})` });
    }
  }
  return fromElements(unit, groups);
}

/** What a unit framed as one element of a document is, by its mode. */
const ELEMENT_OF: Partial<Record<FramingMode, string>> = { array: 'an element of the array', records: 'an element of "records"' };

/**
 * Parse one framed unit into records: a plain object is one record, a `{"records":[...]}` wrapper
 * or a JSON array gives one record per element that is an object, and rejects the others one by one.
 */
export function decodeUnit(unit: FramedUnit): DecodeResult {
  // A BOM starting a later line is a file with one, joined after another (`cat a.json b.json`, `type *.json`): its record is whole.
  const text = unit.text.charCodeAt(0) === 0xfeff ? unit.text.slice(1) : unit.text;
  const stray = strayStart(text);
  if (stray !== null) return { success: false, code: 'invalid_json', message: `invalid JSON: unexpected ${stray} at the start` };
  let value: unknown;
  try {
    value = parseJsonTolerant(text);
  } catch (err) {
    const sequence = valuesOnOneLine(unit, text);
    if (sequence !== undefined) return sequence;
    const reason = err instanceof Error ? err.message : String(err);
    return { success: false, code: 'invalid_json', message: `invalid JSON: ${reason}` };
  }
  if (Array.isArray(value)) return fromElements(unit, [{ elements: value, where: 'the array' }]);
  if (!isObject(value)) {
    // An element a document's framer took on its own is named as the element it is, as when its line is read whole.
    const element = unit.mode === undefined ? undefined : ELEMENT_OF[unit.mode];
    const message = element ? `${element} is ${describe(value)}, not an object` : `expected a JSON object, got ${describe(value)}`;
    return { success: false, code: 'not_an_object', message };
  }
  const key = recordsKey(value);
  if (key === undefined) return { success: true, records: [{ position: unit.offset, offset: unit.offset, line: unit.line, value }], rejected: NONE };
  const every = hasSecondRecordsKey(text) ? recordsArrays(text) : null;
  if (every !== null) return fromElements(unit, every);
  return fromElements(unit, [{ elements: value[key] as unknown[], where: `"${key}"` }]);
}
