import fc from 'fast-check';
import { memoryUsage } from 'node:process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { FieldView, isAbsent, type FieldLookup } from '../../src/lib/normalizing/fields.js';

// FieldView reads keys through shapes it caches per key list. These tests hold it to the plain reading:
// keys lower-cased into a Map per object, of keys equal but for case the first present value winning.

function lowerCaseKeys(object: Record<string, unknown>): Map<string, unknown> {
  const map = new Map<string, unknown>();
  for (const key of Object.keys(object)) {
    const lower = key.toLowerCase();
    const value = object[key];
    if (!map.has(lower) || (isAbsent(map.get(lower)) && !isAbsent(value))) map.set(lower, value);
  }
  return map;
}

/** The reference: what FieldView must answer, or its message. */
function reference(raw: Record<string, unknown>) {
  const top = lowerCaseKeys(raw);
  let props: Map<string, unknown> | null = null;
  const properties = top.get('properties');
  if (!isAbsent(properties)) {
    let object: unknown = properties;
    if (typeof properties === 'string') {
      try {
        object = JSON.parse(properties);
      } catch {
        return 'properties: a string that is not valid JSON';
      }
    }
    if (object !== null) {
      if (typeof object !== 'object' || Array.isArray(object)) return 'properties: not a JSON object';
      props = lowerCaseKeys(object as Record<string, unknown>);
    }
  }
  const first = (map: Map<string, unknown> | null, names: readonly string[]) => {
    if (map !== null) {
      for (const name of names) {
        const value = map.get(name);
        if (!isAbsent(value)) return value;
      }
    }
    return undefined;
  };
  return {
    get: (names: readonly string[], common: boolean) => (common ? (first(top, names) ?? first(props, names)) : (first(props, names) ?? first(top, names))),
    getTop: (names: readonly string[]) => first(top, names),
    hasAny: (names: readonly string[]) => names.some((n) => top.has(n) || (props?.has(n) ?? false)),
    hasKeyStartingWith: (prefix: string) => [...top.keys(), ...(props?.keys() ?? [])].some((k) => k.startsWith(prefix)),
  };
}

const NAMES = ['time', 'resourceid', 'category', 'roomid', 'recordingid', 'uri', 'quantity', 'properties', 'x'];
// Constant lists, as FieldView requires (it caches by list).
const LISTS: readonly (readonly string[])[] = [['time'], ['resourceid', '_resourceid'], ['roomid'], ['uri', 'x'], ['quantity'], ['category'], []];
const LOOKUPS: readonly FieldLookup[] = LISTS.flatMap((names) => [
  { names, common: true },
  { names, common: false },
]);

const spelling = fc
  .tuple(fc.constantFrom(...NAMES, '_resourceid'), fc.array(fc.boolean(), { maxLength: 12 }))
  .map(([name, upper]) => [...name].map((c, i) => (upper[i] === true ? c.toUpperCase() : c)).join(''));
const value = fc.oneof(
  fc.constantFrom(undefined, null, '', ' ', '\t\n', 'a', ' b ', 0, 1, true, false),
  fc.string({ maxLength: 3 }),
  fc.constant([1]),
  fc.constant({ nested: 1 }),
);
const key = fc.oneof({ weight: 5, arbitrary: spelling }, { weight: 1, arbitrary: fc.string({ maxLength: 3 }) });
const object = fc.dictionary(key, value, { maxKeys: 8, noNullPrototype: true });
const properties = fc.oneof(
  object,
  object.map((o) => JSON.stringify(o)),
  fc.constantFrom('{not json', 'null', '[1]', '3', '"s"', '', ' ', null, 7, true),
);
const propertiesKey = spelling.filter((k) => k.toLowerCase() === 'properties');
const record = fc
  .tuple(object, fc.option(fc.tuple(propertiesKey, properties), { nil: undefined }))
  .map(([o, p]) => (p === undefined ? o : { ...o, [p[0]]: p[1] }));

function same(actual: unknown, expected: unknown, what: string): void {
  if (!Object.is(actual, expected)) expect(actual, what).toStrictEqual(expected);
}

function check(raw: Record<string, unknown>): void {
  const view = FieldView.of(raw);
  const expected = reference(raw);
  if (typeof expected === 'string') {
    expect(view).toBe(expected);
    return;
  }
  if (typeof view === 'string') throw new Error(`unexpected message ${view}`);
  const located = view.locate(LOOKUPS);
  LOOKUPS.forEach(({ names, common }, i) => {
    same(view.get(names, common), expected.get(names, common), `get ${names.join()} ${common}`);
    same(view.at(located, i), expected.get(names, common), `at ${names.join()} ${common}`);
  });
  for (const names of LISTS) {
    same(view.getTop(names), expected.getTop(names), `getTop ${names.join()}`);
    same(view.hasAny(names), expected.hasAny(names), `hasAny ${names.join()}`);
  }
  for (const prefix of ['r', 'room', 'q', 'prop', 'zz']) {
    same(view.hasKeyStartingWith(prefix), expected.hasKeyStartingWith(prefix), `hasKeyStartingWith ${prefix}`);
  }
}

describe('FieldView against the plain reading', () => {
  it('answers as lower-casing every key of every record would', () => {
    // Runs of records, some repeating a few key lists (cache hits) and some new (misses, evictions).
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 40 }), fc.nat(), (records, seed) => {
        for (let i = 0; i < records.length; i++) {
          const raw = records[i] as Record<string, unknown>;
          check(raw);
          // The same keys with other values: the shape is reused, the values must not be.
          const again = records[(seed + i) % records.length] as Record<string, unknown>;
          check(Object.fromEntries(Object.keys(raw).map((k, j) => [k, Object.values(again)[j] ?? null])));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('reads many different key lists in turn (more than it keeps)', () => {
    const records = Array.from({ length: 60 }, (_, i) => ({
      [`k${i}`]: i,
      Time: `t${i}`,
      properties: { [`p${i % 7}`]: i, ROOMID: `r${i}`, roomId: 'later' },
    }));
    for (let round = 0; round < 3; round++) for (const raw of records) check(raw);
  });

  it('keeps nothing of records with huge key lists once read (16 kept lists of 50,000 keys held about 100 MB)', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const huge = (n: number): Record<string, unknown> => {
      const properties: Record<string, unknown> = { roomId: `r${n}` };
      for (let i = 0; i < 50_000; i++) properties[`k${n}_${i}`] = i;
      return { time: `t${n}`, properties };
    };
    const read = (n: number): unknown => {
      const view = FieldView.of(huge(n));
      if (typeof view === 'string') throw new Error(view);
      return view.get(['roomid'], false);
    };
    gc();
    const before = memoryUsage().heapUsed;
    for (let n = 0; n < 16; n++) expect(read(n)).toBe(`r${n}`);
    gc();
    expect(memoryUsage().heapUsed - before).toBeLessThan(4 * 1024 * 1024);
    // Ordinary records are read as before after them.
    check({ Time: 't', properties: { ROOMID: 'r' } });
  });

  it('keeps no long key once lower-cased: 300 keys of 100,000 characters held 60 MB (the keys seen lately)', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const read = (n: number): unknown => {
      // Past a thousand keys an object is a dictionary, whose keys V8 keeps in no hidden class of its own.
      const properties: Record<string, unknown> = Object.fromEntries(Array.from({ length: 1_100 }, (_, i) => [`p${i}`, i]));
      properties['roomId'] = `r${n}`;
      properties[`K${n}${'k'.repeat(100_000)}`] = n;
      const view = FieldView.of({ time: 't', properties });
      if (typeof view === 'string') throw new Error(view);
      return view.get(['roomid'], false);
    };
    gc();
    const before = memoryUsage().heapUsed;
    for (let n = 0; n < 300; n++) expect(read(n)).toBe(`r${n}`);
    gc();
    expect(memoryUsage().heapUsed - before).toBeLessThan(4 * 1024 * 1024);
  });

  it('of two keys equal but for case, the first present value wins, wherever it is', () => {
    const raw = { TIME: ' ', time: 't2', Time: 't3', properties: '{"RoomId":null,"roomid":"r"}' };
    const view = FieldView.of(raw);
    if (typeof view === 'string') throw new Error(view);
    expect(view.get(['time'], true)).toBe('t2');
    expect(view.get(['roomid'], false)).toBe('r');
  });
});
