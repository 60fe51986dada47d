import { z } from 'zod';
import { parseViewFilters } from '../querying/filterInput.js';
import { restoreOffsetPlus } from '../querying/queryTimeText.js';
import type { ViewFilters } from '../querying/filters.js';
import { VIEW_NAMES, VIEWS, type ViewDefinition } from '../querying/views.js';
import { decodeContinuationToken, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, MIN_PAGE_SIZE, type Page } from './paging.js';
import { badRequest, errorResult, quote, type ErrorDetail, type HeaderGetter, type HttpResult } from './responses.js';

/** The filters, spelled as the CLI's flags without dashes; validated by the schema the CLI uses. */
export const FILTER_PARAMETERS = ['granularity', 'from', 'to', 'resource', 'correlationId'] as const;
export const OPTION_PARAMETERS = ['format', 'pageSize', 'continuationToken', 'fields'] as const;
export const QUERY_PARAMETERS: readonly string[] = [...FILTER_PARAMETERS, ...OPTION_PARAMETERS];
/** With `authLevel: 'function'` the key may come as `?code=`; the host hands it on like any parameter. */
const HOST_PARAMETERS: ReadonlySet<string> = new Set(['code']);
const KNOWN_PARAMETERS: ReadonlySet<string> = new Set(QUERY_PARAMETERS);

export const FORMATS = ['json', 'csv'] as const;
export type ResponseFormat = (typeof FORMATS)[number];

export interface QueryRequest {
  view: string;
  definition: ViewDefinition;
  filters: ViewFilters;
  format: ResponseFormat;
  page: Page;
  /** `granularity` was in the query (a view without buckets says it changes nothing). */
  granularityGiven: boolean;
  /** The fields each row is cut to (`fields=`), in the order asked; absent, every column of the view. */
  fields?: readonly string[];
}

export type QueryRequestResult = { success: true; request: QueryRequest } | { success: false; response: HttpResult };

/** The API's own parameters, built once. Values arrive as strings (or not at all). */
const optionsSchema = z.object({
  format: z.string().trim().toLowerCase().pipe(z.enum(FORMATS)).optional(),
  pageSize: z
    .string()
    .trim()
    .regex(/^\d{1,9}$/)
    .transform(Number)
    .pipe(z.number().int().min(MIN_PAGE_SIZE).max(MAX_PAGE_SIZE))
    .optional(),
  continuationToken: z.string().trim().optional(),
});

const OPTION_MESSAGES: Readonly<Record<string, string>> = {
  format: `format must be ${FORMATS.join(' or ')}`,
  pageSize: `pageSize must be a whole number from ${MIN_PAGE_SIZE} to ${MAX_PAGE_SIZE}`,
  continuationToken: 'continuationToken must be a string',
};

/**
 * Validates `GET /api/query/{view}`: the view, every query parameter (unknown or repeated ones are
 * refused, naming them), the filters (with the CLI's schema), format, pageSize and the continuation
 * token. Pure and synchronous. Every problem found is reported at once.
 */
export function parseQueryRequest(asked: string | undefined, params: URLSearchParams, header: HeaderGetter, rawQuery = ''): QueryRequestResult {
  // In any case, as the CLI takes it (`/api/query/Rooms`); answered under its own name.
  const view = VIEW_NAMES.find((name) => name === asked?.toLowerCase());
  const definition = view === undefined ? undefined : VIEWS[view];
  if (view === undefined || definition === undefined) return { success: false, response: unknownView(asked ?? '') };

  const undecodable = undecodableParameters(rawQuery);
  if (undecodable.length > 0) return { success: false, response: badRequest(undecodable) };
  const problems: ErrorDetail[] = [...parameterProblems(params)];
  const value = (name: string): string | undefined => params.get(name) ?? undefined;

  const filterResult = parseViewFilters(
    view,
    {
      granularity: value('granularity'),
      from: fromQuery(value('from')),
      to: fromQuery(value('to')),
      resource: value('resource'),
      correlationId: value('correlationId'),
    },
    (field) => field,
  );
  // The parameters are spelled as the schema's fields, so an issue's field is its parameter.
  if (!filterResult.success) problems.push(...filterResult.issues.map((issue) => ({ parameter: issue.field, message: issue.message })));

  const options = optionsSchema.safeParse({ format: value('format'), pageSize: value('pageSize'), continuationToken: value('continuationToken') });
  if (!options.success) {
    const reported = new Set<string>();
    for (const issue of options.error.issues) {
      const parameter = String(issue.path[0]);
      if (reported.has(parameter)) continue;
      reported.add(parameter);
      problems.push({ parameter, message: `${OPTION_MESSAGES[parameter] ?? `${parameter} is invalid`}, got ${quote(value(parameter) ?? '')}` });
    }
  }

  const fieldsAsked = value('fields');
  const fields = fieldsAsked === undefined ? { names: undefined, problems: [] } : parseFields(view, definition, fieldsAsked);
  problems.push(...fields.problems);

  if (problems.length > 0 || !filterResult.success || !options.success) return { success: false, response: badRequest(problems) };

  const filters = filterResult.filters;
  const scope = { view, filters, pageSize: options.data.pageSize ?? DEFAULT_PAGE_SIZE };
  let page: Page = { scope, offset: 0 };
  // An empty token is the first page, so `?continuationToken=${token ?? ''}` works.
  const token = options.data.continuationToken;
  if (token) {
    const decoded = decodeContinuationToken(token, scope);
    if (!decoded.success) return { success: false, response: badRequest([{ parameter: 'continuationToken', message: decoded.message }]) };
    const { offset, group, snapshot, after } = decoded;
    page = {
      scope,
      offset,
      ...(group === undefined ? {} : { group }),
      ...(snapshot === undefined ? {} : { snapshot }),
      ...(after === undefined ? {} : { after }),
    };
  }
  const format = options.data.format ?? preferredFormat(header('accept'));
  return {
    success: true,
    request: {
      view,
      definition,
      filters,
      format,
      page,
      granularityGiven: params.has('granularity'),
      ...(fields.names === undefined ? {} : { fields: fields.names }),
    },
  };
}

/** The names a `fields` list may hold for a view: its columns, then the fields only a list can ask for. */
export function fieldNames(definition: ViewDefinition): string[] {
  return [...definition.columns, ...Object.keys(definition.listFields ?? {})];
}

/**
 * `fields=a,b,c`: names of the view's fields (fieldNames), each once, spaces around them ignored.
 * Every problem is one detail: an empty list or name, an unknown name (with the right case when only
 * the case is wrong, else the names there are), a name given twice.
 */
function parseFields(view: string, definition: ViewDefinition, asked: string): { names: string[] | undefined; problems: ErrorDetail[] } {
  const known = fieldNames(definition);
  const names = asked.split(',').map((name) => name.trim());
  if (names.every((name) => name === ''))
    return { names: undefined, problems: [{ parameter: 'fields', message: `fields must name at least one field of ${view}: ${known.join(', ')}` }] };
  const problems: ErrorDetail[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    if (problems.length >= MAX_REPORTED_PROBLEMS) break;
    if (name === '') problems.push({ parameter: 'fields', message: `fields has an empty name in ${quote(asked)}: separate names with single commas` });
    else if (!known.includes(name)) {
      const meant = known.find((field) => field.toLowerCase() === name.toLowerCase());
      problems.push({
        parameter: 'fields',
        message: `${view} has no field ${quote(name)}: ${meant === undefined ? `its fields are ${known.join(', ')}` : `did you mean ${meant}?`}`,
      });
    } else if (seen.has(name)) problems.push({ parameter: 'fields', message: `fields names ${quote(name)} twice` });
    seen.add(name);
  }
  return problems.length > 0 ? { names: undefined, problems } : { names, problems };
}

/** A time parameter, its offset's `+` restored when it arrived as a space. */
function fromQuery(value: string | undefined): string | undefined {
  return value === undefined ? undefined : restoreOffsetPlus(value);
}

export function unknownView(view: string): HttpResult {
  return errorResult(404, 'not_found', `unknown view ${quote(view)}: choose one of ${VIEW_NAMES.join(', ')}`, [], { views: [...VIEW_NAMES] });
}

/**
 * Parameters whose percent-escapes are not UTF-8 (`%ff`, a lone surrogate's `%ED%A0%80`): decoded,
 * they would become U+FFFD and match nothing, so they are refused instead. `rawQuery` is the query
 * string as sent (`?a=b&c`), when the caller has it.
 */
export function undecodableParameters(rawQuery: string): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  for (const part of rawQuery.replace(/^\?/, '').split('&')) {
    try {
      decodeURIComponent(part.replace(/\+/g, ' '));
    } catch {
      const name = part.split('=')[0] ?? '';
      problems.push({ parameter: decodeOrRaw(name), message: `${quote(part, 40)} is not valid percent-encoded UTF-8` });
      if (problems.length >= MAX_REPORTED_PROBLEMS) break;
    }
  }
  return problems;
}

function decodeOrRaw(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** Problems listed in one answer at most: a URL of thousands of unknown parameters gets a short answer. */
const MAX_REPORTED_PROBLEMS = 20;

/** Unknown parameters (with a hint when only the case is wrong) and parameters given twice. */
function parameterProblems(params: URLSearchParams): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  const seen = new Set<string>();
  let unreported = 0;
  for (const name of params.keys()) {
    if (seen.has(name) || HOST_PARAMETERS.has(name)) continue;
    seen.add(name);
    if (problems.length >= MAX_REPORTED_PROBLEMS) {
      if (!KNOWN_PARAMETERS.has(name) || params.getAll(name).length > 1) unreported++;
      continue;
    }
    if (!KNOWN_PARAMETERS.has(name)) {
      const meant = QUERY_PARAMETERS.find((known) => known.toLowerCase() === name.toLowerCase());
      const hint = meant ? `did you mean ${meant}?` : `the parameters are ${QUERY_PARAMETERS.join(', ')}`;
      problems.push({ parameter: name, message: `unknown query parameter ${quote(name)}: ${hint}` });
    } else if (params.getAll(name).length > 1) {
      problems.push({ parameter: name, message: `${name} must be given at most once` });
    }
  }
  if (unreported > 0) problems.push({ parameter: '', message: `and ${unreported} more unknown or repeated parameter(s)` });
  return problems;
}

/**
 * JSON unless the `Accept` header prefers CSV: `text/csv` with a q-value above `application/json`'s
 * (0 when absent). Wildcards do not choose CSV.
 */
export function preferredFormat(accept: string | null | undefined): ResponseFormat {
  if (!accept) return 'json';
  let csv = 0;
  let json = 0;
  for (const range of accept.split(',')) {
    const [type = '', ...parameters] = range.split(';').map((part) => part.trim().toLowerCase());
    let q = 1;
    for (const parameter of parameters) {
      const match = /^q\s*=\s*([01](?:\.\d{0,3})?)$/.exec(parameter);
      if (match) q = Number(match[1]);
    }
    if (type === 'text/csv') csv = Math.max(csv, q);
    else if (type === 'application/json') json = Math.max(json, q);
  }
  return csv > json ? 'csv' : 'json';
}
