import { printableJson } from '../printable.js';

/**
 * Framework-free HTTP results: what a handler returns, whatever hosts it (the Functions worker wires
 * it into an `HttpResponseInit`). Bodies are strings; headers are plain lower-case names.
 */
export interface HttpResult {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Reads one request header, any case; `null` or `undefined` when absent (as `Headers.get` does). */
export type HeaderGetter = (name: string) => string | null | undefined;

/** One problem with the request, naming the query parameter in the user's spelling. */
export interface ErrorDetail {
  parameter: string;
  message: string;
}

/** `{ "error": { "code", "message", "details", ...extra } }`: every error body of the API. */
export interface ErrorBody {
  error: { code: string; message: string; details: ErrorDetail[] } & Record<string, unknown>;
}

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';
export const CONTINUATION_HEADER = 'x-continuation-token';

/** Text from the logs is in these bodies: a browser must take them as the type they say, never sniff them as a page. */
const NO_SNIFF = { 'x-content-type-options': 'nosniff' };

/** Answers depend on data that changes as logs arrive: no cache may keep them. */
const NO_STORE = 'no-store';

export function jsonResult(status: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  // As the CLI's JSON: invisible characters from the logs as `\uXXXX` (the same JSON value), so that `curl` to a terminal shows what it holds.
  return {
    status,
    headers: { 'content-type': JSON_CONTENT_TYPE, 'cache-control': NO_STORE, ...NO_SNIFF, ...headers },
    body: printableJson(JSON.stringify(body)),
  };
}

export function csvResult(status: number, body: string, headers: Record<string, string> = {}): HttpResult {
  return { status, headers: { 'content-type': CSV_CONTENT_TYPE, 'cache-control': NO_STORE, ...NO_SNIFF, ...headers }, body };
}

export function errorResult(status: number, code: string, message: string, details: ErrorDetail[] = [], extra: Record<string, unknown> = {}): HttpResult {
  const body: ErrorBody = { error: { code, message, details, ...extra } };
  return jsonResult(status, body);
}

/** 400: the message joins every detail, so a client that shows only the message still shows all. */
export function badRequest(details: readonly ErrorDetail[]): HttpResult {
  return errorResult(400, 'bad_request', details.map((detail) => detail.message).join('; '), [...details]);
}

/** User text echoed in a message: quoted, and clipped so a huge parameter does not make a huge answer. */
export function quote(value: string, max = 80): string {
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
}
