import type { ErrorBody, HttpResult } from '../../src/lib/http/responses.js';

/** A strict RFC 4180 reader (quoted cells, doubled quotes, \n or \r\n records): checks the CSV independently of the writer. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      record.push(cell);
      records.push(record);
      record = [];
      cell = '';
    } else cell += c;
  }
  if (quoted) throw new Error('unterminated quoted cell');
  if (cell !== '' || record.length > 0) {
    record.push(cell);
    records.push(record);
  }
  return records;
}

/** What a row's cells must be in CSV: absent empty, objects and arrays as JSON, the rest as text. */
export function expectedCells(columns: readonly string[], rows: readonly object[]): string[][] {
  return rows.map((row) =>
    columns.map((column) => {
      const value = (row as Record<string, unknown>)[column];
      if (value === null || value === undefined) return '';
      return typeof value === 'object' ? JSON.stringify(value) : String(value);
    }),
  );
}

export function errorOf(result: { body?: unknown }): ErrorBody['error'] {
  return (JSON.parse(String(result.body)) as ErrorBody).error;
}

export function jsonOf<T = Record<string, unknown>>(result: HttpResult | { body?: unknown }): T {
  return JSON.parse(String(result.body)) as T;
}

/** Header lookup on a response's plain header record (handlers return lower-case names). */
export function headerOf(result: { headers?: unknown }, name: string): string | undefined {
  const headers = (result.headers ?? {}) as Record<string, string>;
  return headers[name.toLowerCase()];
}
