import { describe, expect, it } from 'vitest';
import { normalizeRecord, timeBoundsAt, DEFAULT_EARLIEST_RECORD_TIME, DEFAULT_MAX_FUTURE_MS } from '../../src/lib/normalizing/index.js';
import { PLANS } from '../../src/lib/normalizing/mapping.js';
import { CATEGORIES } from '../../src/lib/normalizing/types.js';

const NOW = Date.UTC(2024, 4, 25, 12);
const BOUNDS = timeBoundsAt(NOW);

function rooms(time: string, context = { timeBounds: BOUNDS }) {
  return normalizeRecord({ time, category: 'RoomsOperational', operationName: 'CreateRoom' }, context);
}
function outOfRange(message: string) {
  return { success: false, kind: 'invalid', code: 'time_out_of_range', message };
}

describe('record time bounds', () => {
  it('default to 2015-01-01T00:00:00Z and 24 hours ahead of the processing time', () => {
    expect(DEFAULT_EARLIEST_RECORD_TIME).toBe(Date.parse('2015-01-01T00:00:00Z'));
    expect(DEFAULT_MAX_FUTURE_MS).toBe(24 * 3_600_000);
    expect(BOUNDS).toEqual({ earliest: Date.parse('2015-01-01T00:00:00Z'), latest: Date.parse('2024-05-26T12:00:00Z') });
  });

  it('accept both ends and quarantine what is outside, naming the time and the bounds', () => {
    expect(rooms('2015-01-01T00:00:00Z').success).toBe(true);
    expect(rooms('2024-05-26T12:00:00Z').success).toBe(true);
    expect(rooms('2014-12-31T23:59:59.999Z')).toStrictEqual(
      outOfRange('time: 2014-12-31T23:59:59.999Z is outside 2015-01-01T00:00:00.000Z .. 2024-05-26T12:00:00.000Z'),
    );
    expect(rooms('2024-05-26T12:00:00.001Z')).toMatchObject({ code: 'time_out_of_range' });
    expect(rooms('9999-12-31T23:59:59.9999999Z')).toMatchObject({ code: 'time_out_of_range', message: /^time: 9999-12-31T23:59:59\.999Z is outside/ });
    expect(rooms('1600-01-01T00:00:00Z')).toMatchObject({ code: 'time_out_of_range', message: /^time: 1600-01-01T00:00:00\.000Z/ });
    expect(rooms('0000-01-01T00:00:00Z')).toMatchObject({ code: 'time_out_of_range' });
    expect(rooms('1969-12-31T23:30:00Z')).toMatchObject({ code: 'time_out_of_range' });
  });

  it('are configurable: with an earlier bound a 1969 time is read, as a negative epoch time', () => {
    const result = rooms('1969-12-31T23:30:00Z', { timeBounds: timeBoundsAt(NOW, Date.UTC(1900, 0, 1), 0) });
    expect(result.success && result.record.time).toBe(-1_800_000);
    expect(rooms('2024-05-25T12:00:00.001Z', { timeBounds: timeBoundsAt(NOW, Date.UTC(1900, 0, 1), 0) })).toMatchObject({ code: 'time_out_of_range' });
  });

  it('never reach past year 9999 or before year 0, however far the settings allow: keys hold a four-digit year', () => {
    const far = timeBoundsAt(NOW, Number.MIN_SAFE_INTEGER, 100_000_000 * 3_600_000);
    expect(far).toEqual({ earliest: Date.parse('0000-01-01T00:00:00Z'), latest: Date.parse('9999-12-31T23:59:59.999Z') });
    expect(rooms('9999-12-31T23:30:00Z', { timeBounds: far }).success).toBe(true);
    // 9999-12-31T23:30-05:00 is 10000-01-01T04:30Z.
    expect(rooms('9999-12-31T23:30:00-05:00', { timeBounds: far })).toMatchObject({ code: 'time_out_of_range' });
  });

  it("a number in a record's other times is refused, as in time: epoch seconds or milliseconds, nothing says which", () => {
    const summary = (start: unknown) =>
      normalizeRecord(
        { time: '2024-05-25T00:00:00Z', category: 'CallRecordingSummary', recordingId: 'r', properties: { recordingStartTime: start } },
        { timeBounds: BOUNDS },
      );
    expect(summary(Date.UTC(2024, 4, 25))).toStrictEqual({
      success: false,
      kind: 'invalid',
      code: 'schema_invalid',
      message: `RecordingStartTime: expected a date-time, got "${Date.UTC(2024, 4, 25)}"`,
    });
    expect(summary(1716595200)).toMatchObject({ code: 'schema_invalid' });
    expect(rooms(Date.UTC(2024, 4, 25) as never)).toMatchObject({ code: 'time_invalid' });
  });

  it('an unreadable time is still time_invalid', () => {
    expect(rooms('2024-13-01T00:00:00Z')).toMatchObject({ code: 'time_invalid' });
  });

  it('without bounds in the context, the defaults apply from the moment of the call', () => {
    expect(rooms('2014-06-01T00:00:00Z', {} as never)).toMatchObject({ code: 'time_out_of_range' });
    expect(rooms(new Date(Date.now() + 2 * DEFAULT_MAX_FUTURE_MS).toISOString(), {} as never)).toMatchObject({ code: 'time_out_of_range' });
    expect(rooms(new Date(Date.now()).toISOString(), {} as never).success).toBe(true);
  });

  it('cover every time a record carries: RecordingStartTime, StartTime, EndTime', () => {
    const context = { timeBounds: BOUNDS };
    const summary = (start: string) =>
      normalizeRecord({ time: '2024-05-25T00:00:00Z', category: 'CallRecordingSummary', recordingId: 'r', properties: { recordingStartTime: start } }, context);
    expect(summary('2024-05-24T22:00:00Z').success).toBe(true);
    expect(summary('1600-01-01T00:00:00Z')).toStrictEqual(
      outOfRange('RecordingStartTime: 1600-01-01T00:00:00.000Z is outside 2015-01-01T00:00:00.000Z .. 2024-05-26T12:00:00.000Z'),
    );
    const usage = (startTime: string, endTime: string) =>
      normalizeRecord(
        { time: '2024-05-25T00:00:00Z', category: 'Usage', properties: { usageType: 'Chat', unitType: 'Message', quantity: 1, startTime, endTime } },
        context,
      );
    expect(usage('2024-05-24T23:00:00Z', '2024-05-25T00:00:00Z').success).toBe(true);
    expect(usage('1969-12-31T23:00:00Z', '2024-05-25T00:00:00Z')).toMatchObject({
      code: 'time_out_of_range',
      message: /^StartTime: 1969-12-31T23:00:00\.000Z/,
    });
    expect(usage('2024-05-24T23:00:00Z', '9999-01-01T00:00:00Z')).toMatchObject({ code: 'time_out_of_range', message: /^EndTime: 9999-01-01T00:00:00\.000Z/ });
  });
});

describe('number ranges', () => {
  it('every number field of every category has a documented range', () => {
    for (const category of CATEGORIES) {
      for (const field of PLANS[category].fields) {
        if (field.kind === 'count' || field.kind === 'amount') expect(field.range, `${category}.${field.key}`).toBeDefined();
      }
    }
  });
});
