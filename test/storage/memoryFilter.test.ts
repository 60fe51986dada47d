import { describe, expect, it } from 'vitest';
import { compileFilter, UnsupportedFilterError, type FilterValue } from '../../src/lib/storage/memoryFilter.js';

const row = (values: Record<string, FilterValue>) => (name: string) => values[name];

describe('the in-memory store filter', () => {
  it('reads quoted strings with doubled quotes, booleans, numbers, not and parentheses', () => {
    const subject = row({ PartitionKey: "it's", flag: false, n: 7 });
    expect(compileFilter("PartitionKey eq 'it''s'")(subject)).toBe(true);
    expect(compileFilter('flag eq false and n gt 6.5')(subject)).toBe(true);
    expect(compileFilter('not (flag eq false) or n le 7')(subject)).toBe(true);
    expect(compileFilter('not (flag eq false or n le 7)')(subject)).toBe(false);
    expect(compileFilter(undefined)(subject)).toBe(true);
  });

  it('a missing property, or one of another type than the value, matches nothing (not even ne)', () => {
    const subject = row({ n: 7, s: '7' });
    expect(compileFilter("n eq '7'")(subject)).toBe(false);
    expect(compileFilter('s eq 7')(subject)).toBe(false);
    expect(compileFilter("missing ne 'x'")(subject)).toBe(false);
  });

  it('refuses, naming the filter, what the code never builds', () => {
    for (const filter of ["startswith(RowKey, 'a')", "RowKey eq 'a", "RowKey eq 'a' and", "RowKey has 'a'", "(RowKey eq 'a'", "RowKey eq 'a' extra"]) {
      expect(() => compileFilter(filter), filter).toThrow(UnsupportedFilterError);
    }
    expect(() => compileFilter("RowKey gt 'a' or")).toThrow(/in-memory table store: .*RowKey gt 'a' or/);
  });
});
