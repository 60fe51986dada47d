import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boundedKey, encodeKeyPart } from '../../src/lib/storage/keys.js';
import { compileFilter } from '../../src/lib/storage/memoryFilter.js';
import {
  LOGICAL_PARTITION_PROPERTY,
  LOGICAL_ROW_PROPERTY,
  packedFilter,
  packedPartition,
  packedRowKey,
  packedRowRange,
  packedSelect,
} from '../../src/lib/storage/packedKeys.js';
import '../support/propertySeed.js';

/** Keys as the app stores them: encoded parts (spaces, `!` escapes and `|` joins included), bounded. */
const keyPart = fc.oneof(
  fc.string({ unit: fc.constantFrom(' ', 'a', 'b', '!', '|', '~', '/', 'é', '\u{1F600}', '"'), maxLength: 8 }),
  fc.string({ maxLength: 12 }),
  fc.uuid(),
);
const storedKey = fc.array(keyPart, { minLength: 1, maxLength: 3 }).map((parts) => boundedKey(parts.map(encodeKeyPart).join('|')));
const row = fc.record({ partitionKey: storedKey, rowKey: storedKey });

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

describe('packed keys', () => {
  it.each([0, 1, 2])('keep the logical order of (partition, row) with %i bucket characters', (bucketChars) => {
    fc.assert(
      fc.property(row, row, (a, b) => {
        const logical = compare(a.partitionKey, b.partitionKey) || compare(a.rowKey, b.rowKey);
        const physical =
          compare(packedPartition(a.partitionKey, bucketChars), packedPartition(b.partitionKey, bucketChars)) ||
          compare(packedRowKey(a.partitionKey, a.rowKey), packedRowKey(b.partitionKey, b.rowKey));
        expect(Math.sign(physical)).toBe(Math.sign(logical));
      }),
      { numRuns: 3000 },
    );
  });

  it('keep the logical order of a call key cut short for length against every key kept whole', () => {
    const prefix = 'k'.repeat(140);
    expect(packedRowKey(`${prefix}a`, 'call') < packedRowKey(`${prefix}${'z'.repeat(100)}`, 'call')).toBe(true);
    const tail = fc.string({ unit: fc.constantFrom(' ', 'a', 'z', '!', '|', '\u{1F600}', 'é'), maxLength: 60 }).map(encodeKeyPart);
    const longish = tail.map((t) => boundedKey(prefix + t));
    fc.assert(
      fc.property(longish, longish, (a, b) => {
        // Keys both cut short sort by their digests among those that share the kept prefix.
        if (a.length > 160 && b.length > 160 && a.slice(0, 160) === b.slice(0, 160)) return;
        expect(Math.sign(compare(packedRowKey(a, 'call'), packedRowKey(b, 'call')))).toBe(Math.sign(compare(a, b)));
      }),
      { numRuns: 3000 },
    );
  });

  it("put every row of a logical partition in its range, and no other partition's row", () => {
    fc.assert(
      fc.property(row, storedKey, (a, other) => {
        const range = packedRowRange(a.partitionKey);
        const key = packedRowKey(a.partitionKey, a.rowKey);
        expect(key >= range.low && key < range.high).toBe(true);
        const foreign = packedRowKey(other, a.rowKey);
        if (other !== a.partitionKey) expect(foreign >= range.low && foreign < range.high).toBe(false);
      }),
      { numRuns: 3000 },
    );
  });

  it('fit in a stored key (1 KiB) whatever the logical keys, and keep a long partition whole in its range', () => {
    const long = 'x'.repeat(500);
    const key = packedRowKey(long, 'y'.repeat(500));
    expect(key.length).toBeLessThanOrEqual(512);
    expect(boundedKey(key)).toBe(key);
    const range = packedRowRange(long);
    expect(key >= range.low && key < range.high).toBe(true);
    expect(packedRowKey(`${long.slice(0, -1)}z`, 'y') >= range.low && packedRowKey(`${long.slice(0, -1)}z`, 'y') < range.high).toBe(false);
  });
});

describe('packedFilter', () => {
  it('renames the logical keys outside string literals only, and narrows to the physical rows of a named partition', () => {
    const filter = "PartitionKey eq 'c 1' and (RowKey eq 'call' or RowKey ge 's|RowKey''PartitionKey')";
    const packed = packedFilter(filter, 0) as string;
    const range = packedRowRange('c 1');
    expect(packed).toBe(
      `PartitionKey eq 'p' and RowKey ge '${range.low}' and RowKey lt '${range.high}' and (${LOGICAL_PARTITION_PROPERTY} eq 'c 1' and (${LOGICAL_ROW_PROPERTY} eq 'call' or ${LOGICAL_ROW_PROPERTY} ge 's|RowKey''PartitionKey'))`,
    );
  });

  it('decides rows by their logical keys as the logical filter does', () => {
    const filters = fc.oneof(
      storedKey.map((key) => `PartitionKey eq '${key.replaceAll("'", "''")}'`),
      storedKey.map((key) => `PartitionKey gt '${key.replaceAll("'", "''")}' and RowKey eq 'call'`),
      storedKey.map((key) => `RowKey ge '${key.replaceAll("'", "''")}' and n gt 1`),
    );
    fc.assert(
      fc.property(filters, row, fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 2 }), (filter, r, n, bucketChars) => {
        const logical = compileFilter(filter);
        const physical = compileFilter(packedFilter(filter, bucketChars));
        const logicalRow: Record<string, unknown> = { PartitionKey: r.partitionKey, RowKey: r.rowKey, n };
        const physicalRow: Record<string, unknown> = {
          PartitionKey: packedPartition(r.partitionKey, bucketChars),
          RowKey: packedRowKey(r.partitionKey, r.rowKey),
          [LOGICAL_PARTITION_PROPERTY]: r.partitionKey,
          [LOGICAL_ROW_PROPERTY]: r.rowKey,
          n,
        };
        expect(physical((name) => physicalRow[name] as string)).toBe(logical((name) => logicalRow[name] as string));
      }),
      { numRuns: 2000 },
    );
  });

  it('asks for the logical keys in place of the physical ones', () => {
    expect(packedSelect(['PartitionKey', 'RowKey', 'firstAt'])).toEqual(['firstAt', LOGICAL_PARTITION_PROPERTY, LOGICAL_ROW_PROPERTY]);
    expect(packedSelect(undefined)).toBeUndefined();
    expect(packedFilter(undefined, 1)).toBeUndefined();
  });
});
