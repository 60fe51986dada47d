import { describe, expect, it } from 'vitest';
import { parseViewFilters } from '../../src/lib/querying/filterInput.js';

const asFlag = (field: string) => `--${field}`;

describe('view filter validation', () => {
  it('reads the years 0000 to 0099 as written (not as 1900 to 1999) and the last hour of 9999', () => {
    expect(parseViewFilters('rooms', { from: '0099-12-31', to: '9999-12-31T23:00Z' }, asFlag)).toEqual({
      success: true,
      filters: { granularity: 'day', from: '0099-12-31T00:00:00.000Z', to: '9999-12-31T23:00:00.000Z' },
    });
    expect(parseViewFilters('rooms', { from: '0000-02-29' }, asFlag)).toMatchObject({ success: true, filters: { from: '0000-02-29T00:00:00.000Z' } });
  });

  it('normalizes dates and date-times to UTC ISO and defaults the granularity to day', () => {
    expect(parseViewFilters('rooms', { from: '2024-05-25', to: '2024-05-25T04:00+02:00' }, asFlag)).toEqual({
      success: true,
      filters: { granularity: 'day', from: '2024-05-25T00:00:00.000Z', to: '2024-05-25T02:00:00.000Z' },
    });
    expect(parseViewFilters('calls', { granularity: 'hour', correlationId: ' abc ', resource: 'R' }, asFlag)).toEqual({
      success: true,
      // Kept as given: the calls query tries it so, then trimmed.
      filters: { granularity: 'hour', correlationId: ' abc ', resourceId: 'R' },
    });
  });

  it.each([
    ['rooms', { granularity: 'week' }, /--granularity must be hour or day/],
    ['rooms', { from: 'yesterday' }, /--from must be an ISO-8601/],
    ['rooms', { from: '2024-02-30' }, /--from is not a valid date|--from must be/],
    ['rooms', { from: '2024-05-26', to: '2024-05-25' }, /--from must be before --to$/],
    ['rooms', { from: '2024-05-26T10:00Z', to: '2024-05-26T10:00Z' }, /--from must be before --to$/],
    [
      'rooms',
      { from: '2024-05-26T10:00:00.0001Z', to: '2024-05-26T10:00:00.0009Z' },
      /--from must be before --to \(both are 2024-05-26T10:00:00\.000Z: times are kept to the millisecond\)$/,
    ],
    ['rooms', { from: '2024-05-26T12:00+02:00', to: '2024-05-26T10:00Z' }, /--from must be before --to \(both are 2024-05-26T10:00:00\.000Z\)$/],
    ['rooms', { to: '9999-12-31T23:00-05:00' }, /--to must be within the years 0000 to 9999 in UTC/],
    ['rooms', { from: '0000-01-01T00:00+01:00' }, /--from must be within the years 0000 to 9999 in UTC/],
    ['rooms', { resource: '  ' }, /--resource must not be empty/],
    ['rooms', { resource: '/' }, /^--resource must name a resource \(its full id or its name\), not slashes alone$/],
    ['usage', { resource: ' // ' }, /^--resource must name a resource \(its full id or its name\), not slashes alone$/],
    ['rooms', { correlationId: 'x' }, /--correlationId applies only to: calls/],
    ['nope', {}, /unknown view "nope"/],
  ])('rejects %s %j with a message naming the field', (view, input, message) => {
    const result = parseViewFilters(view, input, asFlag);
    expect(result.success).toBe(false);
    if (!result.success) expect(result.message).toMatch(message);
  });

  it('returns one issue per bad field, named by its schema path, and a message that joins them', () => {
    const result = parseViewFilters('usage', { granularity: 'week', from: 'yesterday', to: '2024-02-30', resource: ' ', correlationId: 'x' }, asFlag);
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.issues.map((issue) => issue.field)).toEqual(['granularity', 'from', 'to', 'resource', 'correlationId']);
    expect(result.issues[0]).toEqual({ field: 'granularity', message: '--granularity must be hour or day' });
    expect(result.issues[4]).toEqual({ field: 'correlationId', message: '--correlationId applies only to: calls' });
    expect(result.message).toBe(result.issues.map((issue) => issue.message).join('; '));
  });

  it('keeps a message whole when it holds the separator', () => {
    const result = parseViewFilters('rooms', { from: '2024-05-26', to: '2024-05-25' }, (field) => `${field}; really`);
    expect(result.success).toBe(false);
    if (!result.success) expect(result.issues).toEqual([{ field: 'from', message: 'from; really must be before to; really' }]);
  });
});
