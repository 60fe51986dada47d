import { describe, expect, it } from 'vitest';
import { normalizeRecord, recordingIdFromUri, resourceIdFromBlobPath } from '../../src/lib/normalizing/index.js';

const ID = '/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000000/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/ACS1';
const BLOB = `resourceId=${ID}/y=2024/m=05/d=25/h=04/m=00/PT1H.json`;

describe('resourceIdFromBlobPath', () => {
  it.each([
    [`insights-logs-roomsoperational/${BLOB}`],
    [BLOB],
    [`/${BLOB}`],
    [`/insights-logs-usage/${BLOB}`],
    [`https://account.blob.core.windows.net/insights-logs-callrecordingsummary/${BLOB}`],
    [`insights-logs-roomsoperational/${BLOB}`.toLowerCase()],
    [`insights-logs-roomsoperational/resourceId%3D${encodeURIComponent(ID)}%2Fy%3D2024%2Fm%3D05/d=25/h=04/m=00/PT1H.json`],
    [`insights-logs-usage/resourceId=${ID}`],
    [`insights-logs-usage/resourceId=${ID}/`],
    [`insights-logs-usage/RESOURCEID=${ID}/y=2024/m=05/d=25/h=04/m=00/PT1H.json`],
  ])('%s', (path) => {
    expect(resourceIdFromBlobPath(path)).toBe(ID);
  });

  it.each([
    ['insights-logs-usage/y=2024/m=05/d=25/h=04/m=00/PT1H.json'],
    ['insights-logs-usage/resourceId=/y=2024/m=05/PT1H.json'],
    ['insights-logs-usage/resourceId='],
    [''],
    ['insights-logs-usage/notresourceId=/SUBSCRIPTIONS/X/y=2024/PT1H.json'],
  ])('%s -> undefined', (path) => {
    expect(resourceIdFromBlobPath(path)).toBeUndefined();
  });
});

describe('recordingIdFromUri', () => {
  it.each([
    ['https://acs1.communication.azure.com/calling/recordings/abc123:resume?api-version=2023-03-06', 'abc123'],
    ['https://acs1.communication.azure.com/calling/recordings/abc123:pause?api-version=2023-03-06', 'abc123'],
    ['https://acs1.communication.azure.com/calling/recordings/abc123?api-version=2023-03-06', 'abc123'],
    ['https://acs1.communication.azure.com/calling/recordings/abc123', 'abc123'],
    ['/calling/recordings/abc123', 'abc123'],
    ['recordings/abc123:stop', 'abc123'],
    ['https://acs1.communication.azure.com/calling/Recordings/AbC123?x=1', 'AbC123'],
    ['https://acs1.communication.azure.com/calling/recordings/a%2Fb%3Dc:resume?api-version=1', 'a/b=c'],
    ['https://acs1.communication.azure.com/calling/recordings/abc123/sub?x=1', 'abc123'],
    ['https://acs1.communication.azure.com/calling/recordings/abc123#frag', 'abc123'],
    [
      'https://acsresouce.communication.azure.com/calling/recordings/   eyJQbGF0Zm9ybUVuZHBviI0MjFmMTIwMC04MjhiLTRmZGItOTZjYi0...:resume?api-version=2023-03-06',
      'eyJQbGF0Zm9ybUVuZHBviI0MjFmMTIwMC04MjhiLTRmZGItOTZjYi0...',
    ],
    ['https://x/calling/recordings/bad%zzescape:stop', 'bad%zzescape'],
  ])('%s -> %s', (uri, expected) => {
    expect(recordingIdFromUri(uri)).toBe(expected);
  });

  it.each([
    ['https://acs1.communication.azure.com/calling/recordings?api-version=2023-03-06'],
    ['https://acs1.communication.azure.com/calling/recordings/'],
    ['https://acs1.communication.azure.com/calling/recordings/:start'],
    ['https://acs1.communication.azure.com/calling/callConnections/abc'],
    ['https://acs1.communication.azure.com/calling/myrecordings/abc'],
    [''],
  ])('%s -> null', (uri) => {
    expect(recordingIdFromUri(uri)).toBeNull();
  });
});

describe('resource id precedence in normalizeRecord', () => {
  const raw = { time: '2024-05-25T04:32:49Z', category: 'RoomsOperational', operationName: 'GetRoom' };
  const fromPath = '/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/FROMPATH';
  const resourceIdOf = (record: Record<string, unknown>, context = {}) => {
    const result = normalizeRecord(record, context);
    if (!result.success) throw new Error(JSON.stringify(result));
    return result.record.resourceId;
  };

  it("the record's resourceId, upper-cased, wins over the path", () => {
    expect(resourceIdOf({ ...raw, resourceId: ID.toLowerCase() }, { resourceIdFromPath: fromPath })).toBe(ID);
  });

  it("an ARM id without its leading slash (the call logs' samples) is the one with it, from the record or the path", () => {
    expect(ID.startsWith('/SUBSCRIPTIONS/')).toBe(true);
    expect(resourceIdOf({ ...raw, resourceId: ID.slice(1).toLowerCase() }, { resourceIdFromPath: fromPath })).toBe(ID);
    expect(resourceIdOf({ ...raw, resourceId: `  ${ID.slice(1)} ` })).toBe(ID);
    expect(resourceIdOf({ ...raw }, { resourceIdFromPath: fromPath.slice(1) })).toBe(fromPath);
    // Not an ARM id: kept as it is written (upper case).
    expect(resourceIdOf({ ...raw, resourceId: 'my-export' })).toBe('MY-EXPORT');
  });

  it('an ARM id with a trailing slash is the one without it, as --resource reads it', () => {
    expect(resourceIdOf({ ...raw, resourceId: `${ID}/` }, { resourceIdFromPath: fromPath })).toBe(ID);
    expect(resourceIdOf({ ...raw, resourceId: `${ID.slice(1).toLowerCase()}// ` })).toBe(ID);
    expect(resourceIdOf({ ...raw }, { resourceIdFromPath: `${fromPath}/` })).toBe(fromPath);
  });

  it('the Log Analytics _ResourceId counts as the record resource id', () => {
    expect(resourceIdOf({ ...raw, _ResourceId: ID.toLowerCase() }, { resourceIdFromPath: fromPath })).toBe(ID);
  });

  it('else the path', () => {
    expect(resourceIdOf({ ...raw }, { resourceIdFromPath: fromPath })).toBe(fromPath);
    expect(resourceIdOf({ ...raw, resourceId: '' }, { resourceIdFromPath: fromPath })).toBe(fromPath);
    expect(resourceIdOf({ ...raw, resourceId: '   ' }, { resourceIdFromPath: fromPath })).toBe(fromPath);
    expect(resourceIdOf({ ...raw }, { resourceIdFromPath: fromPath.toLowerCase() })).toBe(fromPath);
  });

  it("else 'unknown'", () => {
    expect(resourceIdOf({ ...raw })).toBe('unknown');
    expect(resourceIdOf({ ...raw }, { resourceIdFromPath: '' })).toBe('unknown');
  });

  it('works with resourceIdFromBlobPath', () => {
    const resourceIdFromPath = resourceIdFromBlobPath(`insights-logs-roomsoperational/${BLOB}`);
    expect(resourceIdOf({ ...raw }, { resourceIdFromPath })).toBe(ID);
  });
});
