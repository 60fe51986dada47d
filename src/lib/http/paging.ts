import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ViewFilters } from '../querying/filters.js';
import type { RowGroup } from '../querying/views.js';

/**
 * Paging over a view's sorted rows, with no server-side cursor that must be there. A view that
 * streams (views.ts: the bucket views for one resource) is read from the group the token names
 * until the page is full and the next row is known, so a page costs the same wherever it is. Any
 * other view is evaluated whole and sliced (views are aggregate-sized: one row per bucket, room or
 * call, not per record); the server keeps that answer for a while (pagedSnapshots.ts) and names it
 * in the token, so later pages are cut from it while it is kept. A streamed page, or one of a view
 * evaluated again (its kept answer gone), starts right after the last row of the page before, found
 * by its key (a streamed row's RowKey, else the fields that name it: views.ts `identity`) wherever rows
 * written since have moved it, so no row is seen twice or passed over (a row written before that
 * place since is not shown); only a row whose own place changed (a room's creation time) can still
 * appear twice or be skipped. A page past the end is empty.
 *
 * The continuation token is opaque to clients: base64url of `{"v":1,"o":<offset>,"g":<group>,"a":<after>,"s":<snapshot>,"d":<digest>}`:
 * the page starts `o` rows into group `g` of a streamed view (right after the row whose key digests
 * to `a`, when the group has it), or `o` rows into the view (no `g`), the answer kept as `s` when this
 * server still has it.
 * The digest (SHA-256, 128 bits, base64url) covers the view, the normalized filters, the page size
 * and the position itself (with the snapshot's name). A token presented with other filters, another view or another page
 * size, or edited by hand, does not match and is refused. The digest is not a secret: anyone may
 * page anywhere, so it guards against mistakes, not attackers, and needs no key.
 */

export const MIN_PAGE_SIZE = 1;
export const MAX_PAGE_SIZE = 5000;
export const DEFAULT_PAGE_SIZE = 1000;
/** A real token is under 100 characters; anything much longer is not one of ours. */
const MAX_TOKEN_LENGTH = 256;
const TOKEN_VERSION = 1;

/** What a page is cut from: the view, its filters and the page size, as one stable string. */
export interface PageScope {
  view: string;
  filters: ViewFilters;
  pageSize: number;
}

export interface Page {
  scope: PageScope;
  /** Index of the page's first row in the view's rows, or in group `group`'s rows when there is one. */
  offset: number;
  /** The group of a streamed view the page starts in. */
  group?: string;
  /** The kept answer of a view evaluated whole that the page is cut from, when this server still has it (pagedSnapshots.ts). */
  snapshot?: string;
  /** The digest of the key of the row before the page (in group `group` of a streamed view): the page starts right after it, wherever it now is. */
  after?: string;
}

export interface PageOf<T> {
  rows: T[];
  /** Token of the next page, or `null` on the last page. */
  next: string | null;
}

const tokenSchema = z
  .object({
    v: z.literal(TOKEN_VERSION),
    o: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    g: z
      .string()
      .regex(/^[\w.:-]{1,64}$/)
      .optional(),
    s: z
      .string()
      .regex(/^[A-Za-z0-9_-]{22}$/)
      .optional(),
    a: z
      .string()
      .regex(/^[A-Za-z0-9_-]{22}$/)
      .optional(),
    d: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
  })
  .strict();

/** The view and its normalized filters as one stable string: requests with the same key read the same rows. */
export function queryKey(view: string, filters: ViewFilters): string {
  // Fixed order, absent as null: the same request always gives the same key.
  return JSON.stringify([view, filters.granularity, filters.from ?? null, filters.to ?? null, filters.resourceId ?? null, filters.correlationId ?? null]);
}

function scopeKey(scope: PageScope): string {
  const { view, filters, pageSize } = scope;
  // Fixed order, absent as null: the same request always gives the same key (tokens issued before stay valid).
  return JSON.stringify([
    view,
    filters.granularity,
    filters.from ?? null,
    filters.to ?? null,
    filters.resourceId ?? null,
    filters.correlationId ?? null,
    pageSize,
  ]);
}

function digest(scope: PageScope, offset: number, group: string | undefined, snapshot?: string, after?: string): string {
  // Tokens without a snapshot (or a row to start after) keep the digest they had before those were kept.
  const position =
    (group === undefined ? `${offset}` : `${offset}@${group}`) + (snapshot === undefined ? '' : `~${snapshot}`) + (after === undefined ? '' : `^${after}`);
  return createHash('sha256')
    .update(`${scopeKey(scope)}#${position}`)
    .digest()
    .subarray(0, 16)
    .toString('base64url');
}

export function encodeContinuationToken(scope: PageScope, offset: number, group?: string, snapshot?: string, after?: string): string {
  const token = {
    v: TOKEN_VERSION,
    o: offset,
    ...(group === undefined ? {} : { g: group }),
    ...(snapshot === undefined ? {} : { s: snapshot }),
    ...(after === undefined ? {} : { a: after }),
    d: digest(scope, offset, group, snapshot, after),
  };
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

export type TokenResult = { success: true; offset: number; group?: string; snapshot?: string; after?: string } | { success: false; message: string };

/** The offset a token points at, when the token was issued for exactly this scope. */
export function decodeContinuationToken(token: string, scope: PageScope): TokenResult {
  const invalid = (why: string): TokenResult => ({ success: false, message: `invalid continuation token: ${why}` });
  if (token.length > MAX_TOKEN_LENGTH || !/^[A-Za-z0-9_-]+$/.test(token)) return invalid('not a token this API issued');
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    return invalid('not a token this API issued');
  }
  const parsed = tokenSchema.safeParse(decoded);
  if (!parsed.success) return invalid('not a token this API issued');
  const { o: offset, g: group, s: snapshot, a: after, d } = parsed.data;
  if (d !== digest(scope, offset, group, snapshot, after)) {
    return invalid('it was issued for another view, other filters or another pageSize; repeat the parameters of the first request');
  }
  return {
    success: true,
    offset,
    ...(group === undefined ? {} : { group }),
    ...(snapshot === undefined ? {} : { snapshot }),
    ...(after === undefined ? {} : { after }),
  };
}

/**
 * One page of `rows` (already sorted by the view), and the token of the next page when there is one;
 * `snapshot` names where the rows are kept for the next pages (pagedSnapshots.ts), if they are.
 * `identify` names a row (views.ts: `identity`): the page starts right after the row the token
 * names, wherever the view evaluated again has put it, else at the token's offset.
 */
export function pageRows<T>(rows: readonly T[], page: Page, snapshot?: string, identify?: (row: T) => string): PageOf<T> {
  const start = pageStart(rows, page, identify);
  const end = start + page.scope.pageSize;
  const last = identify !== undefined && end > 0 && end < rows.length ? rows[end - 1] : undefined;
  return {
    rows: rows.slice(start, end),
    next:
      end < rows.length
        ? encodeContinuationToken(page.scope, end, undefined, snapshot, last === undefined ? undefined : positionDigest(identify?.(last) ?? ''))
        : null,
  };
}

/** Where in `rows` the page starts (pageRows): right after the row its token names, when `identify` can find it, else at its offset. */
export function pageStart<T>(rows: readonly T[], page: Page, identify?: (row: T) => string): number {
  return page.after !== undefined && identify !== undefined ? startAfter(rows, page.offset, page.after, identify) : page.offset;
}

/** Where the page after the row named `after` starts: where it was (`offset`) when it has not moved, else wherever it now is, else at `offset`. */
function startAfter<T>(rows: readonly T[], offset: number, after: string, identify: (row: T) => string): number {
  const named = (row: T | undefined): boolean => row !== undefined && positionDigest(identify(row)) === after;
  if (offset > 0 && named(rows[offset - 1])) return offset;
  const found = rows.findIndex((row) => named(row));
  return found >= 0 ? found + 1 : offset;
}

/**
 * One page of a streamed view: reads `groups` (in the view's order, from the page's group on) until
 * the page is full and the first row after it is found, whose position is the next token; then
 * stops, so the rest of the view is never read. In the token's group the page starts right after
 * the row the token names by its key (rows written before it since the last page move it, not the
 * page), else at the token's offset. When the token's group is gone, the page starts at the group after it.
 */
export async function pageGroups<T>(groups: AsyncIterable<RowGroup<T>>, page: Page): Promise<PageOf<T>> {
  const { pageSize } = page.scope;
  const rows: T[] = [];
  // Rows to pass over: from the start of the view, or within the token's group only.
  let skip = page.offset;
  for await (const group of groups) {
    let start = page.group === undefined || group.key === page.group ? Math.min(skip, group.rows.length) : 0;
    if (page.after !== undefined && group.key === page.group && group.rowKeys !== undefined) {
      const before = group.rowKeys.findIndex((rowKey) => positionDigest(rowKey) === page.after);
      if (before >= 0) start = before + 1;
    }
    skip = page.group === undefined ? skip - start : 0;
    const end = Math.min(group.rows.length, start + pageSize - rows.length);
    for (let i = start; i < end; i++) rows.push(group.rows[i] as T);
    if (rows.length === pageSize && end < group.rows.length) {
      const last = end > 0 ? group.rowKeys?.[end - 1] : undefined;
      return { rows, next: encodeContinuationToken(page.scope, end, group.key, undefined, last === undefined ? undefined : positionDigest(last)) };
    }
  }
  return { rows, next: null };
}

/** A row's key (or the fields that name it) as a token names it: short whatever its length (its dimensions come from the logs). */
function positionDigest(rowKey: string): string {
  return createHash('sha256').update(rowKey).digest().subarray(0, 16).toString('base64url');
}
