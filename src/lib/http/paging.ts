import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ViewFilters } from '../querying/filters.js';

/**
 * Paging over a view's sorted rows. Views are aggregate-sized (one row per bucket, room or call, not
 * per record), so each page re-evaluates the view and slices it: no server-side cursor, nothing to
 * expire. Pages are therefore not a snapshot: rows processed between two requests can shift the
 * later pages (a row may then appear twice or be skipped), and a page past the end is simply empty.
 *
 * The continuation token is opaque to clients: base64url of `{"v":1,"o":<offset>,"d":<digest>}`,
 * where the digest (SHA-256, 128 bits, base64url) covers the view, the normalized filters, the page
 * size and the offset itself. A token presented with other filters, another view or another page
 * size, or edited by hand, does not match and is refused. The digest is not a secret: anyone may
 * page anywhere, so it guards against mistakes, not attackers, and needs no key.
 */

export const MIN_PAGE_SIZE = 1;
export const MAX_PAGE_SIZE = 5000;
export const DEFAULT_PAGE_SIZE = 1000;
/** A real token is under 80 characters; anything much longer is not one of ours. */
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
  /** Index of the page's first row in the view's rows. */
  offset: number;
}

export interface PageOf<T> {
  rows: T[];
  /** Token of the next page, or `null` on the last page. */
  next: string | null;
}

const tokenSchema = z.object({
  v: z.literal(TOKEN_VERSION),
  o: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  d: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
}).strict();

function scopeKey(scope: PageScope): string {
  const { view, filters, pageSize } = scope;
  // Fixed order, absent as null: the same request always gives the same key.
  return JSON.stringify([view, filters.granularity, filters.from ?? null, filters.to ?? null, filters.resourceId ?? null, filters.correlationId ?? null, pageSize]);
}

function digest(scope: PageScope, offset: number): string {
  return createHash('sha256').update(`${scopeKey(scope)}#${offset}`).digest().subarray(0, 16).toString('base64url');
}

export function encodeContinuationToken(scope: PageScope, offset: number): string {
  return Buffer.from(JSON.stringify({ v: TOKEN_VERSION, o: offset, d: digest(scope, offset) })).toString('base64url');
}

export type TokenResult = { success: true; offset: number } | { success: false; message: string };

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
  if (parsed.data.d !== digest(scope, parsed.data.o)) {
    return invalid('it was issued for another view, other filters or another pageSize; repeat the parameters of the first request');
  }
  return { success: true, offset: parsed.data.o };
}

/** One page of `rows` (already sorted by the view), and the token of the next page when there is one. */
export function pageRows<T>(rows: readonly T[], page: Page): PageOf<T> {
  const end = page.offset + page.scope.pageSize;
  return {
    rows: rows.slice(page.offset, end),
    next: end < rows.length ? encodeContinuationToken(page.scope, end) : null,
  };
}
