import { stringify } from 'csv-stringify/sync';
import { wellFormedJson } from '../printable.js';
import { bucketNote, granularityIgnored } from '../querying/bucketNote.js';
import type { ViewFilters } from '../querying/filters.js';
import type { PageOf } from './paging.js';
import type { QueryRequest } from './queryRequest.js';
import { CONTINUATION_HEADER, csvResult, jsonResult, type HttpResult } from './responses.js';

/** The filters applied, in the query parameters' names, every one present (`null` when not given). */
export interface NormalizedFilters {
  granularity: ViewFilters['granularity'];
  from: string | null;
  to: string | null;
  resource: string | null;
  correlationId: string | null;
}

/** The JSON body of `GET /api/query/{view}`. */
export interface QueryResponseBody {
  view: string;
  filters: NormalizedFilters;
  /** What to know to read the rows right (a range inside a bucket counts the whole bucket); empty when nothing. */
  notes: string[];
  rows: object[];
  continuationToken: string | null;
}

/** The same notes for CSV, which has no room for them (ASCII, so a header can carry them). */
export const NOTE_HEADER = 'x-query-note';

export function normalizedFilters(filters: ViewFilters): NormalizedFilters {
  return {
    granularity: filters.granularity,
    from: filters.from ?? null,
    to: filters.to ?? null,
    resource: filters.resourceId ?? null,
    correlationId: filters.correlationId ?? null,
  };
}

/**
 * One page as JSON (`{ view, filters, rows, continuationToken }`) or CSV (header row with the view's
 * columns, then the rows; the next page's token only in the header). Either way the
 * `x-continuation-token` header is set when there is a next page.
 */
export function renderPage(request: QueryRequest, page: PageOf<object>, rowsCut = false): HttpResult {
  const headers: Record<string, string> = page.next === null ? {} : { [CONTINUATION_HEADER]: page.next };
  const notes = [
    bucketNote(request.filters, request.definition, (unit) => `granularity=${unit}`),
    request.granularityGiven ? granularityIgnored(request.view, request.definition, 'granularity') : undefined,
  ].filter((note): note is string => note !== undefined);
  // ` | ` between notes: a note itself may hold `; `.
  if (notes.length > 0) headers[NOTE_HEADER] = notes.join(' | ');
  const { fields } = request;
  // Rows kept cut hold their list fields computed already, and the fields naming a row besides.
  const rows = fields === undefined ? page.rows : cutRows(page.rows, fields, rowsCut ? undefined : request.definition.listFields);
  if (request.format === 'csv') return csvResult(200, toCsv(fields ?? request.definition.columns, rows), headers);
  const body: QueryResponseBody = {
    view: request.view,
    filters: normalizedFilters(request.filters),
    notes,
    rows,
    continuationToken: page.next,
  };
  return jsonResult(200, body, headers);
}

/** The rows with only the fields asked (`fields=`), in their order: a column as the full row has it, a list field computed from the row. */
export function cutRows(rows: readonly object[], fields: readonly string[], listFields: Readonly<Record<string, (row: object) => unknown>> = {}): object[] {
  return rows.map((row) => cutRow(row, fields, listFields));
}

function cutRow(row: object, fields: readonly string[], listFields: Readonly<Record<string, (row: object) => unknown>>): object {
  const cut: Record<string, unknown> = {};
  for (const field of fields) {
    const compute = Object.hasOwn(listFields, field) ? listFields[field] : undefined;
    cut[field] = compute === undefined ? (row as Record<string, unknown>)[field] : compute(row);
  }
  return cut;
}

/** Every page is a complete CSV document: the header row, then the page's rows (RFC 4180 quoting). */
export function toCsv(columns: readonly string[], rows: readonly object[]): string {
  const cells = rows.map((row) => columns.map((column) => csvCell((row as Record<string, unknown>)[column])));
  return stringify([[...columns], ...cells]);
}

/**
 * Absent values are empty cells; objects and arrays are JSON in one cell. Text that a spreadsheet
 * would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return: a logged
 * value such as `=HYPERLINK(...)`) gets a leading `'`, so it is shown as text; numbers are as they are.
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  // A lone surrogate as JSON writes it would make jq refuse the cell: `\ufffd`, as the JSON body has it.
  if (typeof value === 'object') return wellFormedJson(JSON.stringify(value));
  if (typeof value === 'string' && FORMULA_START.test(value)) return `'${value}`;
  return String(value);
}

const FORMULA_START = /^[=+\-@\t\r]/;
