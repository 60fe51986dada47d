import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SortedKeys } from '../../src/lib/storage/sortedKeys.js';
import '../support/propertySeed.js';

/** Keys over a small alphabet (with a surrogate pair and a character past it), so that adds meet keys already held. */
const key = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'é', '\u{1F600}', '\uFFFD'), maxLength: 6 });
const step = fc.oneof(
  fc.record({ op: fc.constant('add' as const), key }),
  fc.record({ op: fc.constant('delete' as const), key }),
  fc.record({ op: fc.constant('from' as const), key: fc.option(key, { nil: undefined }) }),
);

/** What the set should hold: every key once, sorted by UTF-16 code units. */
function reference(keys: Set<string>): string[] {
  return [...keys].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
}

describe('SortedKeys', () => {
  it('holds what a sorted set would, through adds, deletes and reads from any key, whatever its chunks', () => {
    fc.assert(
      fc.property(fc.array(key, { maxLength: 50 }), fc.array(step, { maxLength: 200 }), fc.constantFrom(2, 4, 1024), (initial, steps, maxChunk) => {
        const keys = new SortedKeys(initial, maxChunk);
        const model = new Set(initial);
        for (const { op, key: k } of steps) {
          if (op === 'add') {
            keys.add(k);
            model.add(k);
          } else if (op === 'delete') {
            keys.delete(k);
            model.delete(k);
          } else {
            const expected = reference(model).filter((held) => k === undefined || held >= k);
            expect([...keys.from(k)]).toEqual(expected);
          }
          expect(keys.size).toBe(model.size);
        }
        expect([...keys.from()]).toEqual(reference(model));
      }),
    );
  });

  it('keeps its order across many chunks: ascending, descending and shuffled adds, then deletes of every other key', () => {
    const count = 5000;
    const names = Array.from({ length: count }, (_, i) => `k${String(i).padStart(5, '0')}`);
    const shuffled = [...names];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = (i * 7919) % (i + 1);
      [shuffled[i], shuffled[j]] = [shuffled[j] as string, shuffled[i] as string];
    }
    for (const order of [names, [...names].reverse(), shuffled]) {
      const keys = new SortedKeys();
      for (const name of order) keys.add(name);
      expect([...keys.from()]).toEqual(names);
      for (let i = 0; i < count; i += 2) keys.delete(names[i] as string);
      const odd = names.filter((_, i) => i % 2 === 1);
      expect([...keys.from()]).toEqual(odd);
      expect([...keys.from('k02500')]).toEqual(odd.filter((name) => name >= 'k02500'));
      expect([...keys.from('z')]).toEqual([]);
      expect(keys.size).toBe(odd.length);
    }
  });
});
