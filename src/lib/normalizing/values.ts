/**
 * Tolerant conversions of raw field values: numbers and booleans written as strings, blanks as absent.
 * Each returns `null` for an absent value, the converted value when it can, and otherwise the value
 * unchanged, so that the category's zod schema rejects it and the message can show it.
 */
import { isAbsent } from './fields.js';
import { parseLogTime } from './time.js';

/** A plain decimal number: "200", "-5", "73872.94", ".5", "1e3". No hex, no "Infinity", no blanks. */
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * The word `null` (any case, with blanks) read as absent: the call logs write `"null"` for missing ids.
 * Only the first present value of a field is read, so this is what a record means by it.
 */
export function withoutNullWord(value: unknown): unknown {
  if (typeof value === 'string' && value.length <= 8 && value.trim().toLowerCase() === 'null') return undefined;
  return value;
}

export function toText(value: unknown): unknown {
  if (isAbsent(value)) return null;
  if (typeof value === 'string') return value;
  // An integer past 2^53 may have lost digits to JSON.parse (99466898241024501 reads as ...500), so two ids would read as one: the schema refuses it.
  if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) return value;
  if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') return String(value);
  return value;
}

export function toNumber(value: unknown): unknown {
  if (isAbsent(value)) return null;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const text = value.trim();
    if (DECIMAL.test(text)) return Number(text);
  }
  return value;
}

export function toBoolean(value: unknown): unknown {
  if (isAbsent(value)) return null;
  if (typeof value === 'boolean') return value;
  // 1 and 0 as well: Microsoft's own Rooms queries test the bool column as `PstnDialOutEnabled == 1`.
  if (value === 1) return true;
  if (value === 0) return false;
  if (typeof value === 'string') {
    const text = value.trim().toLowerCase();
    if (text === 'true' || text === '1') return true;
    if (text === 'false' || text === '0') return false;
  }
  return value;
}

export function toTime(value: unknown): unknown {
  if (isAbsent(value)) return null;
  const ms = parseLogTime(value);
  if (ms !== null) return ms;
  // A number is no time here, as in `time` (epoch seconds or milliseconds? nothing says): as text,
  // the schema's number refuses it instead of taking it for milliseconds.
  return typeof value === 'number' ? String(value) : value;
}

/** A value for a message: strings quoted and cut to 40 characters, objects named by their kind. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
