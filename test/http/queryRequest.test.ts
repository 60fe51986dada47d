import { describe, expect, it } from 'vitest';
import { parseQueryRequest, preferredFormat, type QueryRequest } from '../../src/lib/http/queryRequest.js';
import { encodeContinuationToken } from '../../src/lib/http/paging.js';
import { VIEW_NAMES, VIEWS } from '../../src/lib/querying/views.js';
import { errorOf } from './support.js';

const noHeaders = (): null => null;

function parse(view: string | undefined, query: string, accept?: string) {
  return parseQueryRequest(view, new URLSearchParams(query), (name) => (name.toLowerCase() === 'accept' ? accept : undefined));
}

function ok(view: string, query: string, accept?: string): QueryRequest {
  const result = parse(view, query, accept);
  if (!result.success) throw new Error(`expected success, got ${result.response.body}`);
  return result.request;
}

describe('parseQueryRequest', () => {
  it('accepts every view of the registry with no parameters: day granularity, JSON, 1000 rows from the start', () => {
    for (const view of VIEW_NAMES) {
      const request = ok(view, '');
      expect(request).toMatchObject({ view, format: 'json', filters: { granularity: 'day' }, page: { offset: 0, scope: { view, pageSize: 1000 } } });
      expect(request.definition).toBe(VIEWS[view]);
    }
  });

  it('normalizes the filters as the CLI does, and reads format and pageSize', () => {
    const request = ok(
      'calls',
      'granularity=%20HOUR&from=2024-05-25&to=2024-05-25T04:00%2B02:00&resource=%20R%20&correlationId=a%2Fb%2Bc&format=CSV&pageSize=%2025',
    );
    expect(request.filters).toEqual({
      granularity: 'hour',
      from: '2024-05-25T00:00:00.000Z',
      to: '2024-05-25T02:00:00.000Z',
      resourceId: 'R',
      correlationId: 'a/b+c',
    });
    expect(request.format).toBe('csv');
    expect(request.page.scope.pageSize).toBe(25);
  });

  it('reads a zone offset whose + arrived as a space (typed unencoded)', () => {
    expect(ok('rooms', 'from=2024-05-25T04:00+02:00&to=2024-05-25T09:30:00.5+0130').filters).toMatchObject({
      from: '2024-05-25T02:00:00.000Z',
      to: '2024-05-25T08:00:00.500Z',
    });
    // An offset of hours alone, as the CLI takes it.
    expect(ok('rooms', 'from=2024-05-25T04:00+05&to=2024-05-25T09:00:00+05').filters).toMatchObject({
      from: '2024-05-24T23:00:00.000Z',
      to: '2024-05-25T04:00:00.000Z',
    });
  });

  it('ignores the function key parameter `code`, and treats an empty continuation token as the first page', () => {
    expect(ok('rooms', 'code=secret&continuationToken=').page.offset).toBe(0);
  });

  it('takes CSV from the Accept header when no format is given; format wins over Accept', () => {
    expect(ok('rooms', '', 'text/csv').format).toBe('csv');
    expect(ok('rooms', 'format=json', 'text/csv').format).toBe('json');
    expect(ok('rooms', 'format=csv', 'application/json').format).toBe('csv');
  });

  it.each([
    [undefined, 'json'],
    ['', 'json'],
    ['*/*', 'json'],
    ['text/csv', 'csv'],
    ['TEXT/CSV; charset=utf-8', 'csv'],
    ['application/json', 'json'],
    ['text/csv, application/json', 'json'],
    ['application/json;q=0.5, text/csv', 'csv'],
    ['text/csv;q=0.9, application/json;q=0.8', 'csv'],
    ['text/csv;q=0', 'json'],
    ['text/html, */*;q=0.8', 'json'],
  ])('Accept %j gives %s', (accept, format) => {
    expect(preferredFormat(accept)).toBe(format);
  });

  describe('refuses bad input with 400, naming the parameter', () => {
    it.each([
      ['rooms', 'granularity=week', 'granularity', /^granularity must be hour or day$/],
      ['rooms', 'granularity=', 'granularity', /^granularity must be hour or day$/],
      ['rooms', 'from=yesterday', 'from', /^from must be an ISO-8601 date or date-time/],
      ['rooms', 'to=2024-02-30', 'to', /^to is not a valid date: no such day, hour or minute/],
      ['rooms', 'from=2024-05-26&to=2024-05-25', 'from', /^from must be before to$/],
      ['rooms', 'from=2024-05-25&to=2024-05-25', 'from', /^from must be before to$/],
      ['rooms', 'resource=%20', 'resource', /^resource must not be empty$/],
      ['rooms', 'correlationId=abc', 'correlationId', /^correlationId applies only to: calls$/],
      ['usage', 'correlationId=abc', 'correlationId', /^correlationId applies only to: calls$/],
      ['rooms', 'pageSize=0', 'pageSize', /^pageSize must be a whole number from 1 to 5000, got "0"$/],
      ['rooms', 'pageSize=9999', 'pageSize', /^pageSize must be a whole number from 1 to 5000, got "9999"$/],
      ['rooms', 'pageSize=x', 'pageSize', /^pageSize must be a whole number from 1 to 5000, got "x"$/],
      ['rooms', 'pageSize=10.5', 'pageSize', /^pageSize must be a whole number from 1 to 5000/],
      ['rooms', 'pageSize=-1', 'pageSize', /^pageSize must be a whole number from 1 to 5000/],
      ['rooms', 'pageSize=', 'pageSize', /^pageSize must be a whole number from 1 to 5000, got ""$/],
      ['rooms', 'format=xml', 'format', /^format must be json or csv, got "xml"$/],
      [
        'rooms',
        'granularty=hour',
        'granularty',
        /^unknown query parameter "granularty": the parameters are granularity, from, to, resource, correlationId, format, pageSize, continuationToken, fields$/,
      ],
      ['rooms', 'pagesize=10', 'pagesize', /^unknown query parameter "pagesize": did you mean pageSize\?$/],
      ['rooms', 'resourceId=R', 'resourceId', /^unknown query parameter "resourceId"/],
      ['rooms', 'from=2024-05-25&from=2024-05-26', 'from', /^from must be given at most once$/],
      ['rooms', 'continuationToken=not-a-token', 'continuationToken', /^invalid continuation token: not a token this API issued$/],
    ])('%s ?%s', (view, query, parameter, message) => {
      const result = parse(view, query);
      expect(result.success).toBe(false);
      if (result.success) return;
      expect(result.response.status).toBe(400);
      expect(result.response.headers['content-type']).toBe('application/json; charset=utf-8');
      const error = errorOf(result.response);
      expect(error.code).toBe('bad_request');
      expect(error.message).toMatch(message);
      expect(error.details).toHaveLength(1);
      expect(error.details[0]?.parameter).toBe(parameter);
      expect(error.details[0]?.message).toMatch(message);
    });
  });

  it('reports every problem at once, one detail each, and the message joins them', () => {
    const result = parse('rooms', 'granularity=week&from=nope&pageSize=0&format=xml&extra=1');
    expect(result.success).toBe(false);
    if (result.success) return;
    const error = errorOf(result.response);
    expect(error.details.map((detail) => detail.parameter)).toEqual(['extra', 'granularity', 'from', 'format', 'pageSize']);
    expect(error.message).toBe(error.details.map((detail) => detail.message).join('; '));
  });

  it('names every bad filter at once, each with its own message, the correlation id among them', () => {
    const result = parse('rooms', 'granularity=week&from=yesterday&to=2024-02-30&resource=%20&correlationId=abc&pageSize=x&format=xml&Format=csv');
    expect(result.success).toBe(false);
    if (result.success) return;
    const error = errorOf(result.response);
    expect(error.details).toEqual([
      { parameter: 'Format', message: 'unknown query parameter "Format": did you mean format?' },
      { parameter: 'granularity', message: 'granularity must be hour or day' },
      { parameter: 'from', message: expect.stringMatching(/^from must be an ISO-8601 date or date-time/) },
      { parameter: 'to', message: 'to is not a valid date: no such day, hour or minute (2024-02-30, 25:00)' },
      { parameter: 'resource', message: 'resource must not be empty' },
      { parameter: 'correlationId', message: 'correlationId applies only to: calls' },
      { parameter: 'format', message: 'format must be json or csv, got "xml"' },
      { parameter: 'pageSize', message: 'pageSize must be a whole number from 1 to 5000, got "x"' },
    ]);
    expect(error.message).toBe(error.details.map((detail) => detail.message).join('; '));
  });

  it('clips echoed values, so a huge parameter does not make a huge answer', () => {
    const result = parse('rooms', `pageSize=${'9'.repeat(10_000)}`);
    expect(result.success).toBe(false);
    if (!result.success) expect(result.response.body.length).toBeLessThan(500);
  });

  it.each([
    ['Rooms', 'rooms'],
    ['CALL-VOLUME', 'call-volume'],
    ['Recordings-Per-Call', 'recordings-per-call'],
  ])('a view named in another case (%j) is taken, as the CLI takes it, under its own name', (asked, view) => {
    const request = ok(asked, 'granularity=hour');
    expect(request.view).toBe(view);
    expect(request.definition).toBe(VIEWS[view]);
  });

  it.each(['nope', '', 'Rooms ', 'TOSTRING', 'toString', '__proto__', 'constructor'])('an unknown view %j is 404 with the list of views', (view) => {
    const result = parse(view, 'granularity=hour');
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.response.status).toBe(404);
    const error = errorOf(result.response);
    expect(error).toEqual({
      code: 'not_found',
      message: `unknown view ${JSON.stringify(view)}: choose one of ${VIEW_NAMES.join(', ')}`,
      details: [],
      views: [...VIEW_NAMES],
    });
  });

  it('an absent view (no route parameter) is 404 too', () => {
    const result = parseQueryRequest(undefined, new URLSearchParams(), noHeaders);
    expect(result.success ? 200 : result.response.status).toBe(404);
  });

  it('checks the view before the parameters', () => {
    const result = parse('nope', 'bogus=1');
    expect(result.success ? 200 : result.response.status).toBe(404);
  });

  it('a continuation token is accepted with the same view, filters and page size, in any spelling of them', () => {
    const scope = ok('rooms', 'from=2024-05-25&granularity=hour&pageSize=10').page.scope;
    const token = encodeContinuationToken(scope, 30);
    expect(ok('rooms', `granularity=hour&pageSize=10&from=2024-05-25T00:00:00Z&continuationToken=${token}`).page.offset).toBe(30);
  });
});
