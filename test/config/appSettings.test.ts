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

  it('names the spellings a count takes (no fraction), and a count too large to be exact as too large', () => {
    expect(() => readAppSettings({ ACS_LOGS_FILE_CONCURRENCY: '0' })).toThrow(
      'ACS_LOGS_FILE_CONCURRENCY must be a positive number, got "0" (plain digits such as 4096: no fraction, exponent, hex or sign)',
    );
    expect(() => readAppSettings({ ACS_LOGS_MAX_LINE_BYTES: '9007199254740993' })).toThrow(
      'ACS_LOGS_MAX_LINE_BYTES must be at most 268,435,456, got "9007199254740993"',
    );
  });

  it('refuses a line limit longer than a string can be: such a line failed its file for ever instead of being quarantined', () => {
    expect(readAppSettings({ ACS_LOGS_MAX_LINE_BYTES: '268435456' }).process.maxUnitBytes).toBe(256 * 1024 * 1024);
    expect(() => readAppSettings({ ACS_LOGS_MAX_LINE_BYTES: '700000000' })).toThrow('ACS_LOGS_MAX_LINE_BYTES must be at most 268,435,456, got "700000000"');
  });

  it('refuses a line limit shorter than any record: at 1 byte a broken last line waited as pending instead of being quarantined', () => {
    expect(readAppSettings({ ACS_LOGS_MAX_LINE_BYTES: '256' }).process.maxUnitBytes).toBe(256);
    expect(() => readAppSettings({ ACS_LOGS_MAX_LINE_BYTES: '1' })).toThrow('ACS_LOGS_MAX_LINE_BYTES must be at least 256, got "1"');
    expect(() => readAppSettings({ ACS_LOGS_MAX_LINE_BYTES: '255' })).toThrow('ACS_LOGS_MAX_LINE_BYTES must be at least 256, got "255"');
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

  it.each([
    ['ACS_LOGS_SWEEP_INTERVAL_MINUTES', '100000000000000000000000000'],
    ['ACS_LOGS_SEAL_AFTER_MINUTES', '10081'],
  ])('rejects %s=%s, which would mean never, naming the longest taken', (name, value) => {
    expect(() => readAppSettings({ [name]: value })).toThrow(`${name} must be at most 10,080 minutes (a week), got "${value}"`);
  });

  it('takes a week exactly', () => {
    const settings = readAppSettings({ ACS_LOGS_SWEEP_INTERVAL_MINUTES: '10080', ACS_LOGS_SEAL_AFTER_MINUTES: '10080' });
    expect(settings.sweepIntervalMs).toBe(7 * 24 * 3_600_000);
    expect(settings.process.sealAfterMs).toBe(7 * 24 * 3_600_000);
  });

  it.each([
    ['ACS_LOGS_CONTAINER_USAGE', 'Insights-Logs-Usage'],
    ['ACS_LOGS_CONTAINER_ROOMS', 'insights--logs'],
    ['ACS_LOGS_CONTAINER_CALL_SUMMARY', 'ab'],
    ['ACS_LOGS_CONTAINER_CALL_DIAGNOSTICS', 'logs/calls'],
  ])('rejects %s=%s: storage would refuse the name on every run, and stop every other container with it', (name, value) => {
    expect(() => readAppSettings({ [name]: value })).toThrow(
      new SettingError(
        name,
        `${name} must be a container name (3 to 63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit), got "${value}"`,
      ),
    );
  });

  it('rejects a container setting of local: the name local files are kept under, whose entries replay and naming would take for local files', () => {
    expect(() => readAppSettings({ ACS_LOGS_CONTAINER_USAGE: 'local' })).toThrow(
      new SettingError(
        'ACS_LOGS_CONTAINER_USAGE',
        'ACS_LOGS_CONTAINER_USAGE cannot be "local": the name is reserved for the local files `process` reads; copy the logs to a container of another name',
      ),
    );
  });

  it('reads the timer schedule as the host does (six or five NCRONTAB fields, or a time span), an empty one as the default, and names a typo', () => {
    for (const schedule of ['0 */5 * * * *', '*/1 * * * *', '0 30 9 * Jan Mon', '00:05:00', '1.00:00:00']) {
      expect(readAppSettings({ ACS_LOGS_TAIL_SCHEDULE: schedule }).tailSchedule).toBe(schedule);
    }
    expect(readAppSettings({ ACS_LOGS_TAIL_SCHEDULE: '' }).tailSchedule).toBe('0 */1 * * * *');
    for (const schedule of ['every minute', '0 */5 * * *  * *', '5m', '0 */5 * * * * 2026']) {
      expect(() => readAppSettings({ ACS_LOGS_TAIL_SCHEDULE: schedule })).toThrow(
        `ACS_LOGS_TAIL_SCHEDULE must be an NCRONTAB schedule ({second} {minute} {hour} {day} {month} {day-of-week}, such as "0 */5 * * * *") or a time span such as "00:05:00", got "${schedule}"`,
      );
    }
  });

  it('finds a connection where the Functions host does: AzureWebJobs<Name> first, then <Name>, else the host storage', () => {
    const connection = 'UseDevelopmentStorage=true';
    expect(readAppSettings({ AzureWebJobsLogsStorage: connection, LogsStorage: connection }).logsConnection).toBe('AzureWebJobsLogsStorage');
    expect(readAppSettings({ AzureWebJobsAggregatesStorage__tableServiceUri: 'https://a.table.core.windows.net' }).aggregatesConnection).toBe(
      'AzureWebJobsAggregatesStorage',
    );
    expect(readAppSettings({ LogsStorage__blobServiceUri: 'https://a.blob.core.windows.net' }).logsConnection).toBe('LogsStorage');
    expect(readAppSettings({}).logsConnection).toBe('AzureWebJobsStorage');
  });

  it('reads a container setting, and an empty one as the default', () => {
    const settings = readAppSettings({ ACS_LOGS_CONTAINER_USAGE: 'usage-logs-2024', ACS_LOGS_CONTAINER_ROOMS: '' });
    expect([settings.containers.Usage, settings.containers.RoomsOperational]).toEqual(['usage-logs-2024', 'insights-logs-roomsoperational']);
  });

  it('reads an empty table prefix or trigger source as the default, as every other setting', () => {
    const settings = readAppSettings({ ACS_LOGS_TABLE_PREFIX: '', ACS_LOGS_TRIGGER_SOURCE: '' });
    expect([settings.tablePrefix, settings.triggerSource]).toEqual(['Acs', 'EventGrid']);
  });

  it('reads whole counts and fractional minutes', () => {
    const settings = readAppSettings({ ACS_LOGS_FILE_CONCURRENCY: ' 8 ', ACS_LOGS_MAX_LINE_BYTES: '4194304', ACS_LOGS_SEAL_AFTER_MINUTES: '0.5' });
    expect([settings.fileConcurrency, settings.process.maxUnitBytes, settings.process.sealAfterMs]).toEqual([8, 4194304, 30_000]);
  });
});
