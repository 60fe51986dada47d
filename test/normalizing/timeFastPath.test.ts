import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseLogTime } from '../../src/lib/normalizing/index.js';
import { parseCanonicalTime, parseTimeByPattern } from '../../src/lib/normalizing/time.js';

// parseCanonicalTime is a fast path in front of the regular expressions: wherever it answers, it must answer
// what they answer.

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** Canonical texts, valid or not as dates: fields range a little past their limits. */
const canonical = fc
  .tuple(
    fc.constantFrom(0, 1, 1900, 1969, 1970, 2000, 2023, 2024, 2100, 9999),
    fc.integer({ min: 0, max: 13 }),
    fc.integer({ min: 0, max: 32 }),
    fc.integer({ min: 0, max: 24 }),
    fc.integer({ min: 0, max: 60 }),
    fc.integer({ min: 0, max: 60 }),
    fc.option(fc.stringMatching(/^[0-9]{1,12}$/), { nil: undefined }),
  )
  .map(
    ([y, mo, d, h, mi, s, fraction]) =>
      `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}` + `${fraction === undefined ? '' : '.' + fraction}Z`,
  );

/** A canonical text with one character inserted, replaced or removed: mostly not canonical any more. */
const nearMiss = fc
  .tuple(
    canonical,
    fc.nat(40),
    fc.constantFrom('insert', 'replace', 'remove'),
    fc.constantFrom(' ', 'Z', 'z', 't', 'T', '.', ',', ':', '-', '+', '0', '9', 'a', '٣', '+00:00', '\u00a0'),
  )
  .map(([text, at, edit, c]) => {
    const i = at % (text.length + 1);
    if (edit === 'insert') return text.slice(0, i) + c + text.slice(i);
    if (edit === 'replace') return text.slice(0, i) + c + text.slice(i + 1);
    return text.slice(0, i) + text.slice(i + 1);
  });

const other = fc.constantFrom(
  '',
  'Z',
  '2024-05-25',
  '2024-05-25T04:32:49+00:00',
  '2024-05-25T04:32:49.Z',
  ' 2024-05-25T04:32:49Z',
  '2024-05-25T04:32:49Z ',
  '5/25/2023, 4:32:49.469 AM',
  '2024-05-25T04:32Z',
);

const text = fc.oneof({ weight: 4, arbitrary: canonical }, { weight: 4, arbitrary: nearMiss }, { weight: 1, arbitrary: other });

/** Runs of texts, many sharing a date and hour as a file's times do, with misses among them. */
const run = fc.array(
  fc.oneof(
    text,
    canonical.map((t) => '2024-05-25T04' + t.slice(13)),
  ),
  { minLength: 1, maxLength: 30 },
);

describe('parseCanonicalTime (the fast path) against parseTimeByPattern (the regexes)', () => {
  it('answers what the regexes answer, or leaves the text to them', () => {
    fc.assert(
      fc.property(run, (texts) => {
        for (const t of texts) {
          const fast = parseCanonicalTime(t);
          if (fast !== undefined) expect(fast).toBe(parseTimeByPattern(t));
          expect(parseLogTime(t)).toBe(parseTimeByPattern(t));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('answers every canonical text itself', () => {
    fc.assert(
      fc.property(run, canonical, (texts, t) => {
        for (const earlier of texts) parseCanonicalTime(earlier); // whatever came before
        expect(parseCanonicalTime(t)).not.toBeUndefined();
      }),
      { numRuns: 1000 },
    );
  });

  it('reads the fraction to milliseconds and rejects impossible dates and times', () => {
    expect(parseCanonicalTime('2024-02-30T04:00:00Z')).toBeNull();
    expect(parseCanonicalTime('2024-02-30T04:59:59.999Z')).toBeNull();
    expect(parseCanonicalTime('2024-02-28T04:00:00Z')).toBe(Date.UTC(2024, 1, 28, 4));
    expect(parseCanonicalTime('2024-02-28T04:60:00Z')).toBeNull();
    expect(parseCanonicalTime('2024-02-28T04:00:60Z')).toBeNull();
    expect(parseCanonicalTime('2024-02-28T04-00:00Z')).toBeUndefined();
    expect(parseCanonicalTime('2024-02-28T04:0x:00Z')).toBeUndefined();
    expect(parseCanonicalTime('2024-02-28T24:00:00Z')).toBeNull();
    expect(parseCanonicalTime('2024-02-28T04:00:00.1234567Z')).toBe(Date.UTC(2024, 1, 28, 4, 0, 0, 123));
    expect(parseCanonicalTime('2024-02-28T04:00:00.12Z')).toBe(Date.UTC(2024, 1, 28, 4, 0, 0, 120));
    expect(parseCanonicalTime('2024-02-28T04:00:00.1Z')).toBe(Date.UTC(2024, 1, 28, 4, 0, 0, 100));
    expect(parseCanonicalTime('2024-02-28T04:00:00.Z')).toBeUndefined();
    expect(parseCanonicalTime('2024-02-28T04:00:00.1x3Z')).toBeUndefined();
  });
});
