import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeContinuationToken, encodeContinuationToken, pageGroups, pageRows, type Page, type PageScope } from '../../src/lib/http/paging.js';
import type { RowGroup } from '../../src/lib/querying/views.js';
import { parseQueryRequest } from '../../src/lib/http/queryRequest.js';
import { errorOf } from './support.js';

const scope: PageScope = { view: 'rooms', filters: { granularity: 'day' }, pageSize: 1000 };

function request(query: string) {
  return parseQueryRequest('rooms', new URLSearchParams(query), () => null);
}

function tokenError(query: string): string {
  const result = request(query);
  if (result.success) throw new Error('expected a 400');
  expect(result.response.status).toBe(400);
  const error = errorOf(result.response);
  expect(error.details).toEqual([{ parameter: 'continuationToken', message: error.message }]);
  return error.message;
}

describe('paging', () => {
  it('walks every page of 2,345 rows with pageSize 1000 and reassembles them exactly', () => {
    const rows = Array.from({ length: 2345 }, (_, i) => ({ i, key: `row-${String(i).padStart(4, '0')}` }));
    const seen: object[] = [];
    const sizes: number[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const query: string = `granularity=day&pageSize=1000${token === null ? '' : `&continuationToken=${token}`}`;
      const parsed = request(query);
      if (!parsed.success) throw new Error(parsed.response.body);
      const page = pageRows(rows, parsed.request.page);
      seen.push(...page.rows);
      sizes.push(page.rows.length);
      token = page.next;
      pages++;
    } while (token !== null && pages < 10);
    expect(sizes).toEqual([1000, 1000, 345]);
    expect(seen).toEqual(rows);
  });

  it('an exact multiple of the page size has no empty last page; an empty view is one empty page', () => {
    const rows = Array.from({ length: 2000 }, (_, i) => i);
    const first = pageRows(rows, { scope, offset: 0 });
    expect(first.next).not.toBeNull();
    const second = pageRows(rows, { scope, offset: 1000 });
    expect(second.rows).toHaveLength(1000);
    expect(second.next).toBeNull();
    expect(pageRows([], { scope, offset: 0 })).toEqual({ rows: [], next: null });
  });

  it('a token past the end (the view shrank between pages) is an empty last page, not an error', () => {
    expect(pageRows([1, 2, 3], { scope, offset: 1000 })).toEqual({ rows: [], next: null });
  });

  it('tokens are opaque base64url, and decode only for their own scope', () => {
    const token = encodeContinuationToken(scope, 1000);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeContinuationToken(token, scope)).toEqual({ success: true, offset: 1000 });
    expect(decodeContinuationToken(token, { ...scope, pageSize: 999 }).success).toBe(false);
    expect(decodeContinuationToken(token, { ...scope, view: 'usage' }).success).toBe(false);
    expect(decodeContinuationToken(token, { ...scope, filters: { granularity: 'hour' } }).success).toBe(false);
    expect(decodeContinuationToken(token, { ...scope, filters: { granularity: 'day', resourceId: 'R' } }).success).toBe(false);
  });

  it('a token used with other filters, another page size or another view is 400 invalid continuation token', () => {
    const parsed = request('granularity=hour&pageSize=10&from=2024-05-25');
    if (!parsed.success) throw new Error(parsed.response.body);
    const token = pageRows(
      Array.from({ length: 25 }, (_, i) => i),
      parsed.request.page,
    ).next as string;
    const mismatch = /^invalid continuation token: it was issued for another view, other filters or another pageSize/;
    expect(tokenError(`granularity=hour&pageSize=10&from=2024-05-25&continuationToken=${token}`.replace('from=2024-05-25', 'from=2024-05-24'))).toMatch(
      mismatch,
    );
    expect(tokenError(`granularity=day&pageSize=10&from=2024-05-25&continuationToken=${token}`)).toMatch(mismatch);
    expect(tokenError(`granularity=hour&pageSize=11&from=2024-05-25&continuationToken=${token}`)).toMatch(mismatch);
    expect(tokenError(`granularity=hour&pageSize=10&continuationToken=${token}`)).toMatch(mismatch);
    const other = parseQueryRequest('usage', new URLSearchParams(`granularity=hour&pageSize=10&from=2024-05-25&continuationToken=${token}`), () => null);
    expect(other.success).toBe(false);
    if (!other.success) expect(errorOf(other.response).message).toMatch(mismatch);
  });

  it('a tampered token is 400: edited offset, edited digest, truncated, garbage', () => {
    const token = encodeContinuationToken(scope, 1000);
    const decoded = JSON.parse(Buffer.from(token, 'base64url').toString()) as { v: number; o: number; d: string };
    const reencode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    const base = 'granularity=day&pageSize=1000&continuationToken=';
    expect(tokenError(base + reencode({ ...decoded, o: 2000 }))).toMatch(/^invalid continuation token: it was issued for another/);
    expect(tokenError(base + reencode({ ...decoded, d: 'A'.repeat(22) }))).toMatch(/^invalid continuation token: it was issued for another/);
    expect(tokenError(base + reencode({ ...decoded, o: -1000 }))).toBe('invalid continuation token: not a token this API issued');
    expect(tokenError(base + reencode({ ...decoded, o: 1.5 }))).toBe('invalid continuation token: not a token this API issued');
    expect(tokenError(base + reencode({ ...decoded, v: 2 }))).toBe('invalid continuation token: not a token this API issued');
    expect(tokenError(base + reencode({ ...decoded, extra: 1 }))).toBe('invalid continuation token: not a token this API issued');
    expect(tokenError(base + reencode([1000]))).toBe('invalid continuation token: not a token this API issued');
    expect(tokenError(base + token.slice(0, -3))).toBe('invalid continuation token: not a token this API issued');
    expect(tokenError(base + encodeURIComponent('{"v":1}'))).toBe('invalid continuation token: not a token this API issued');
    expect(tokenError(base + 'A'.repeat(300))).toBe('invalid continuation token: not a token this API issued');
    // The untampered token is still fine.
    const parsed = request(base + token);
    expect(parsed.success && parsed.request.page.offset).toBe(1000);
  });
});

describe('paging a streamed view', () => {
  /** Groups as a view streams them: from the group keyed `from` on, counting how many were read. */
  function source(groups: readonly RowGroup<number>[], read: { groups: number }) {
    return async function* (from?: string): AsyncGenerator<RowGroup<number>> {
      for (const group of groups) {
        if (from !== undefined && group.key < from) continue;
        read.groups++;
        yield group;
      }
    };
  }

  async function walkGroups(groups: readonly RowGroup<number>[], pageSize: number): Promise<{ rows: number[]; pages: number[][]; maxRead: number }> {
    const pages: number[][] = [];
    let page: Page = { scope: { ...scope, pageSize }, offset: 0 };
    let maxRead = 0;
    for (;;) {
      const read = { groups: 0 };
      const result = await pageGroups(source(groups, read)(page.group), page);
      maxRead = Math.max(maxRead, read.groups);
      pages.push(result.rows);
      if (result.next === null) break;
      const decoded = decodeContinuationToken(result.next, page.scope);
      if (!decoded.success) throw new Error(decoded.message);
      page = { scope: page.scope, offset: decoded.offset, ...(decoded.group === undefined ? {} : { group: decoded.group }) };
    }
    return { rows: pages.flat(), pages, maxRead };
  }

  const groupsOf = (sizes: readonly number[]): RowGroup<number>[] => {
    let next = 0;
    return sizes.map((size, i) => ({ key: `2024-05-${String(i + 1).padStart(2, '0')}`, rows: Array.from({ length: size }, () => next++) }));
  };

  it('walks to exactly every row, full pages but the last, reading at most the groups a page spans and one more', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(12), { maxLength: 20 }), fc.integer({ min: 1, max: 15 }), async (sizes, pageSize) => {
        const groups = groupsOf(sizes);
        const all = groups.flatMap((group) => group.rows);
        const { rows, pages, maxRead } = await walkGroups(groups, pageSize);
        expect(rows).toEqual(all);
        expect(pages.slice(0, -1).every((page) => page.length === pageSize)).toBe(true);
        expect(pages).toHaveLength(Math.max(1, Math.ceil(all.length / pageSize)));
        // Empty groups aside, a page reads the groups it takes rows from and the one holding the next row.
        const nonEmpty = sizes.filter((size) => size > 0);
        if (nonEmpty.length === sizes.length) expect(maxRead).toBeLessThanOrEqual(pageSize + 1);
      }),
      { numRuns: 200 },
    );
  });

  it('stops reading once the page and the next row are known', async () => {
    const read = { groups: 0 };
    const result = await pageGroups(source(groupsOf([3, 3, 3, 3, 3]), read)(), { scope: { ...scope, pageSize: 3 }, offset: 0 });
    expect(result.rows).toEqual([0, 1, 2]);
    expect(read.groups).toBe(2);
  });

  it('a token whose group is gone starts at the group after it; a token without a group counts from the start', async () => {
    const groups = groupsOf([2, 2, 2]);
    const pageScope = { ...scope, pageSize: 2 };
    const gone = await pageGroups(source(groups, { groups: 0 })('2024-05-01T'), { scope: pageScope, offset: 1, group: '2024-05-01T' });
    expect(gone.rows).toEqual([2, 3]);
    const byOffset = await pageGroups(source(groups, { groups: 0 })(), { scope: pageScope, offset: 3 });
    expect(byOffset.rows).toEqual([3, 4]);
  });

  it('a group in a token is covered by the digest: edited, it is refused', () => {
    const token = encodeContinuationToken(scope, 5, '2024-05-02');
    expect(decodeContinuationToken(token, scope)).toEqual({ success: true, offset: 5, group: '2024-05-02' });
    const decoded = JSON.parse(Buffer.from(token, 'base64url').toString()) as Record<string, unknown>;
    const edited = Buffer.from(JSON.stringify({ ...decoded, g: '2024-05-03' })).toString('base64url');
    expect(decodeContinuationToken(edited, scope)).toMatchObject({ success: false, message: expect.stringMatching(/issued for another/) });
    const odd = Buffer.from(JSON.stringify({ ...decoded, g: "x' or true" })).toString('base64url');
    expect(decodeContinuationToken(odd, scope)).toEqual({ success: false, message: 'invalid continuation token: not a token this API issued' });
  });
});
