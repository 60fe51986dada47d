import { describe, expect, it } from 'vitest';
import { readAppSettings, SETTING } from '../../src/lib/config/appSettings.js';

describe('record time bound settings', () => {
  it('default to 2015-01-01T00:00:00Z and 24 hours', () => {
    const { process } = readAppSettings({});
    expect(process.earliestRecordTime).toBe(Date.UTC(2015, 0, 1));
    expect(process.maxFutureMs).toBe(24 * 3_600_000);
  });

  it('read an ISO date or date-time and a number of hours', () => {
    const { process } = readAppSettings({ [SETTING.earliestRecordTime]: '1900-01-01', [SETTING.maxFutureHours]: '48' });
    expect(process.earliestRecordTime).toBe(Date.UTC(1900, 0, 1));
    expect(process.maxFutureMs).toBe(48 * 3_600_000);
    expect(readAppSettings({ [SETTING.earliestRecordTime]: '2020-06-01T12:00:00+02:00' }).process.earliestRecordTime).toBe(Date.UTC(2020, 5, 1, 10));
  });

  it.each(['yesterday', '2015', '1/1/2015', '2015-13-01', '1420070400000'])('reject an earliest time of %j with a clear message', (value) => {
    expect(() => readAppSettings({ [SETTING.earliestRecordTime]: value })).toThrow(/ACS_LOGS_EARLIEST_RECORD_TIME must be an ISO-8601 date/);
  });

  it.each(['0', '-1', 'soon', 'Infinity'])('reject a future allowance of %j', (value) => {
    expect(() => readAppSettings({ [SETTING.maxFutureHours]: value })).toThrow(/ACS_LOGS_MAX_FUTURE_HOURS must be a positive number/);
  });
});
