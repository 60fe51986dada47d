import { describe, expect, it } from 'vitest';
import { readAppSettings, SettingError } from '../../src/lib/config/appSettings.js';

describe('readAppSettings', () => {
  it.each([
    ['ACS_LOGS_FILE_CONCURRENCY', '0.5'],
    ['ACS_LOGS_MAX_LINE_BYTES', '0.5'],
    ['ACS_LOGS_MAX_LINE_BYTES', '1048576.5'],
  ])('rejects %s=%s: a count must be a whole number', (name, value) => {
    expect(() => readAppSettings({ [name]: value })).toThrow(new SettingError(name, `${name} must be a whole number > 0, got "${value}"`));
  });

  it.each([
    ['ACS_LOGS_FILE_CONCURRENCY', '0'],
    ['ACS_LOGS_MAX_LINE_BYTES', '-1'],
    ['ACS_LOGS_SEAL_AFTER_MINUTES', 'soon'],
    ['ACS_LOGS_FILE_CONCURRENCY', '1e3'],
    ['ACS_LOGS_FILE_CONCURRENCY', '0x10'],
    ['ACS_LOGS_MAX_LINE_BYTES', 'Infinity'],
    ['ACS_LOGS_SEAL_AFTER_MINUTES', '5 minutes'],
  ])('rejects %s=%s with the setting named', (name, value) => {
    expect(() => readAppSettings({ [name]: value })).toThrow(`${name} must be a positive number, got "${value}"`);
  });

  it('reads whole counts and fractional minutes', () => {
    const settings = readAppSettings({ ACS_LOGS_FILE_CONCURRENCY: ' 8 ', ACS_LOGS_MAX_LINE_BYTES: '4194304', ACS_LOGS_SEAL_AFTER_MINUTES: '0.5' });
    expect([settings.fileConcurrency, settings.process.maxUnitBytes, settings.process.sealAfterMs]).toEqual([8, 4194304, 30_000]);
  });
});
