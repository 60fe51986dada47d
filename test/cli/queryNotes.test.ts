import { describe, expect, it } from 'vitest';
import { nothingFound } from '../../src/cli/queryNotes.js';

const WHERE = 'tables Acs* of the embedded store in ./d (--data-dir)';
const FROM = '2030-01-01T00:00:00.000Z';
const TO = '2030-02-01T00:00:00.000Z';

describe('what a query that found nothing says it searched for', () => {
  it('reads a time range as one, not as "for from X" or "for to Y"', () => {
    const filters = { granularity: 'day' as const };
    expect(nothingFound('usage', { ...filters, from: FROM }, WHERE)).toBe(`no usage rows from ${FROM} on in ${WHERE}`);
    expect(nothingFound('usage', { ...filters, to: TO }, WHERE)).toBe(`no usage rows before ${TO} in ${WHERE}`);
    expect(nothingFound('usage', { ...filters, from: FROM, to: TO }, WHERE)).toBe(`no usage rows from ${FROM} to ${TO} (exclusive) in ${WHERE}`);
    expect(nothingFound('usage', { ...filters, resourceId: 'x', from: FROM }, WHERE)).toBe(
      `no usage rows for resource named x (the last segment of its id, any case) from ${FROM} on in ${WHERE}`,
    );
    expect(nothingFound('usage', filters, WHERE)).toMatch(/^no usage rows at all in .*: nothing processed into them makes a row/);
  });
});
