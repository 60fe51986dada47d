import fc from 'fast-check';
import { parseJsonTolerant } from '../../../src/lib/reading/decodeUnit.js';

/** Bytes the Framer treats as blank (a line of only these is skipped, not a unit). */
export function isBlankLine(line: Buffer): boolean {
  for (const b of line) if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return false;
  return true;
}

/**
 * Splits into lines as the Framer cuts them: at `\n`, and where a `\r` lies in a run of spaces, tabs
 * and `\r`s between a `}` or `]` ending the line so far and a `{` or `[` (the line ends before the run's
 * first `\r`, the next starts at that byte); the last piece is kept too.
 */
export function splitLines(data: Buffer): { start: number; bytes: Buffer }[] {
  const lines: { start: number; bytes: Buffer }[] = [];
  const inline = (b: number | undefined): boolean => b === 0x20 || b === 0x09 || b === 0x0d;
  let from = 0;
  for (let i = 0; i < data.length; i++) {
    if (data[i] === 0x0a) {
      lines.push({ start: from, bytes: data.subarray(from, i) });
      from = i + 1;
      continue;
    }
    if (data[i] !== 0x0d) continue;
    let before = i - 1;
    while (before >= from && inline(data[before])) before--;
    let after = i + 1;
    while (after < data.length && inline(data[after])) after++;
    const closes = before >= from && (data[before] === 0x7d || data[before] === 0x5d);
    if (closes && (data[after] === 0x7b || data[after] === 0x5b)) {
      lines.push({ start: from, bytes: data.subarray(from, i) });
      from = after;
      i = after - 1;
    }
  }
  if (from < data.length) lines.push({ start: from, bytes: data.subarray(from) });
  return lines;
}

/**
 * How many outcomes (record, quarantined line or unsupported record) a non-blank line must produce:
 * one, except a JSON array or `{"records":[...]}` wrapper, which gives one per element (an element that
 * is not an object is a bad record of its own).
 */
export function expectedOutcomes(line: Buffer, maxUnitBytes: number): number {
  const content = line.length > 0 && line[line.length - 1] === 0x0d ? line.subarray(0, line.length - 1) : line;
  if (content.length > maxUnitBytes) return 1;
  let text = content.toString('utf8');
  // A BOM starting a line is a joined file's: the line is read without it.
  if (text.startsWith('\ufeff')) text = text.slice(1);
  let value: unknown;
  try {
    value = parseJsonTolerant(text);
  } catch {
    return valuesOneAfterAnother(text) ?? 1;
  }
  return outcomesOfValue(value);
}

/**
 * Objects and arrays written one after another on a line give the outcomes of each: the values are
 * found as the shortest prefixes that parse (JSON objects and arrays end where they close), not by
 * counting brackets as the reader does. Undefined unless the line is two or more of them.
 */
function valuesOneAfterAnother(text: string): number | undefined {
  const skipSpace = (at: number): number => {
    while (at < text.length && ' \t\r\n'.includes(text[at] as string)) at++;
    return at;
  };
  let start = skipSpace(0);
  let values = 0;
  let outcomes = 0;
  while (start < text.length) {
    if (text[start] !== '{' && text[start] !== '[') return undefined;
    let end = -1;
    let value: unknown;
    for (let at = start + 2; at <= text.length && end < 0; at++) {
      if (text[at - 1] !== '}' && text[at - 1] !== ']') continue;
      try {
        value = parseJsonTolerant(text.slice(start, at));
        end = at;
      } catch {
        // not closed yet
      }
    }
    if (end < 0) return undefined;
    values++;
    outcomes += outcomesOfValue(value);
    start = skipSpace(end);
  }
  return values >= 2 ? outcomes : undefined;
}

function outcomesOfValue(value: unknown): number {
  const elements = Array.isArray(value)
    ? value
    : value !== null && typeof value === 'object'
      ? Object.entries(value).find(([key, v]) => key.toLowerCase() === 'records' && Array.isArray(v))?.[1]
      : undefined;
  if (!Array.isArray(elements)) return 1;
  return elements.length;
}

const NASTY_KEYS = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'TIME',
  'Time',
  'CATEGORY',
  'Properties',
  'PROPERTIES',
  'resourceID',
  'records',
  'valueOf',
];
const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\ud800',
  '\udfff',
  '💥',
  'null',
  '1e309',
  '-0',
  'NaN',
  '2024-13-45T25:61:61Z',
  '9999-12-31T23:59:59.9999999Z',
  '0000-01-01T00:00:00Z',
  '2024-05-25T00:00:00.0000000Z',
  '2024-05-25T00:00:00',
  '/',
  '\\',
  '#',
  '?',
  '~',
  '|',
  'x'.repeat(5000),
];

export const anyJson = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(...NASTY_STRINGS),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, -1, 0, 1.5, 1e308, -1e308),
);

export type Mutation =
  | { kind: 'none' }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'flipByte'; at: number; byte: number }
  | { kind: 'setField'; path: string[]; value: unknown }
  | { kind: 'deleteField'; path: string[] }
  | { kind: 'garbage'; bytes: Uint8Array }
  | { kind: 'crlf' }
  | { kind: 'huge'; size: number };

const FIELD_PATHS: string[][] = [
  ['time'],
  ['category'],
  ['resourceId'],
  ['operationName'],
  ['correlationId'],
  ['resultType'],
  ['resultSignature'],
  ['durationMs'],
  ['level'],
  ['properties'],
  ['properties', 'roomId'],
  ['properties', 'recordingId'],
  ['properties', 'recordingLength'],
  ['properties', 'usageType'],
  ['properties', 'quantity'],
  ['properties', 'callConnectionId'],
  ['properties', 'startTime'],
  ['properties', 'endReason'],
  ...NASTY_KEYS.map((key) => [key]),
  ...NASTY_KEYS.map((key) => ['properties', key]),
];

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.constant<Mutation>({ kind: 'none' }) },
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(2000) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(2000),
    text: fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom(',', '}', '{', '"', '\\', '\r', '\n', '\u0000', ',]', '\ufeff')),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(2000), count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('flipByte' as const), at: fc.nat(2000), byte: fc.integer({ min: 0, max: 255 }) }),
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('setField' as const), path: fc.constantFrom(...FIELD_PATHS), value: anyJson }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('deleteField' as const), path: fc.constantFrom(...FIELD_PATHS) }) },
  fc.record({ kind: fc.constant('garbage' as const), bytes: fc.uint8Array({ maxLength: 200 }) }),
  fc.record({ kind: fc.constant('crlf' as const) }),
  fc.record({ kind: fc.constant('huge' as const), size: fc.integer({ min: 1, max: 3 }) }),
);

/** Applies one mutation to one JSON line (without its `\n`). The result may contain `\n` (then it is several lines). */
export function mutate(line: string, m: Mutation, maxUnitBytes: number): Buffer {
  const bytes = Buffer.from(line, 'utf8');
  switch (m.kind) {
    case 'none':
      return bytes;
    case 'truncate':
      return bytes.subarray(0, m.at % (bytes.length + 1));
    case 'insert': {
      const at = m.at % (bytes.length + 1);
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(m.text, 'utf8'), bytes.subarray(at)]);
    }
    case 'delete': {
      const at = m.at % (bytes.length + 1);
      return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + m.count)]);
    }
    case 'flipByte': {
      const copy = Buffer.from(bytes);
      if (copy.length > 0) copy[m.at % copy.length] = m.byte;
      return copy;
    }
    case 'setField':
    case 'deleteField': {
      const record = JSON.parse(line) as Record<string, unknown>;
      let target: Record<string, unknown> = record;
      for (const key of m.path.slice(0, -1)) {
        const next = target[key];
        if (next === null || typeof next !== 'object' || Array.isArray(next)) target[key] = {};
        target = target[key] as Record<string, unknown>;
      }
      const last = m.path[m.path.length - 1] as string;
      if (m.kind === 'deleteField') delete target[last];
      else Object.defineProperty(target, last, { value: m.value, enumerable: true, configurable: true, writable: true });
      return Buffer.from(JSON.stringify(record), 'utf8');
    }
    case 'garbage':
      return Buffer.from(m.bytes);
    case 'crlf':
      return Buffer.concat([bytes, Buffer.from('\r')]);
    case 'huge': {
      const record = JSON.parse(line) as Record<string, unknown>;
      record['padding'] = 'p'.repeat(maxUnitBytes * m.size);
      return Buffer.from(JSON.stringify(record), 'utf8');
    }
  }
}

/** Random cut points of `length` bytes into chunks (as ranged reads of any size would deliver them). */
export const chunking = fc.array(fc.integer({ min: 1, max: 4096 }), { minLength: 1, maxLength: 20 });

export function cut(data: Buffer, sizes: readonly number[]): Buffer[] {
  const chunks: Buffer[] = [];
  let at = 0;
  let i = 0;
  while (at < data.length) {
    const size = sizes[i++ % sizes.length] as number;
    chunks.push(data.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

/** Numbers at and past the edges of every documented range, and the non-numbers that look like numbers. */
export const extremeNumber: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    1e308,
    -1e308,
    -1,
    -0,
    0,
    0.0005,
    Number.MAX_SAFE_INTEGER,
    2 ** 53 + 2,
    1e12,
    1e12 + 1,
    86_400_000,
    86_400_001,
    604_800,
    604_800.01,
    1_000_000,
    1_000_001,
    2_147_483_647,
    2_147_483_648,
  ),
  fc.constantFrom('1e999', '-1e999', 'NaN', 'Infinity', '-Infinity', '1e308', ' 12 ', '0x10', '1_000'),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
  fc.double(),
  fc.integer({ min: -10, max: 2_000_000 }),
);

/** Times from year 0000 to 9999 (as epoch ms, written in the storage form), weighted towards 1969-1970 and the present. */
export const extremeTime: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }),
  fc.integer({ min: -3 * 86_400_000, max: 3 * 86_400_000 }),
  fc.integer({ min: Date.UTC(2024, 4, 20), max: Date.UTC(2024, 4, 30) }),
  fc.constantFrom(
    Date.UTC(1969, 11, 31, 23, 30),
    -1,
    0,
    Date.UTC(1600, 0, 1),
    Date.UTC(9999, 11, 31, 23, 59, 59),
    Date.UTC(2015, 0, 1),
    Date.UTC(2015, 0, 1) - 1,
  ),
);

/** Where each number and time field sits in a storage-format record. */
export const NUMBER_PATHS: string[][] = [
  ['durationMs'],
  ['properties', 'recordingLength'],
  ['properties', 'quantity'],
  ['properties', 'chunkCount'],
  ['properties', 'audioChannelsCount'],
  ['properties', 'addedRoomParticipantsCount'],
  ['properties', 'removedRoomParticipantsCount'],
  ['properties', 'roomLifespan'],
  ['properties', 'roomParticipantsCount'],
];
export const TIME_PATHS: string[][] = [['time'], ['properties', 'recordingStartTime'], ['properties', 'startTime'], ['properties', 'endTime']];

/** Sets `value` at `path` in `record` (creating `properties` when needed). */
export function setAt(record: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let target = record;
  for (const key of path.slice(0, -1)) {
    const next = target[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) target[key] = {};
    target = target[key] as Record<string, unknown>;
  }
  target[path[path.length - 1] as string] = value;
}

/** The UTC hour and day of `time`, from Date's calendar fields (independent of the code under test). */
export function referenceHourAndDay(time: number): { hour: string; day: string } {
  const hour = new Date(time);
  hour.setUTCMinutes(0, 0, 0);
  const day = new Date(time);
  day.setUTCHours(0, 0, 0, 0);
  return { hour: hour.toISOString(), day: day.toISOString() };
}
