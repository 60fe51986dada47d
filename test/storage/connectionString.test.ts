import { describe, expect, it } from 'vitest';
import { connectionStringProblem, missingServiceEndpoint } from '../../src/lib/storage/connectionString.js';

describe('connectionStringProblem', () => {
  it('passes what the storage SDKs can use', () => {
    for (const sound of [
      'UseDevelopmentStorage=true',
      'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5;EndpointSuffix=core.windows.net',
      'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1',
      'BlobEndpoint=https://acct.blob.core.windows.net;SharedAccessSignature=sv=2022&sig=x',
      'BlobEndpoint=https://acct.blob.core.windows.net/;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1/;SharedAccessSignature=sv=2022&sig=x',
      'BlobEndpoint=https://acct.privatelink.blob.core.windows.net/;TableEndpoint=https://acct.z12.table.storage.azure.net;SharedAccessSignature=sv=2022&sig=x',
    ]) {
      expect(connectionStringProblem(sound)).toBeUndefined();
    }
  });

  it('tells a value that is no connection string from one the SDKs cannot use, never quoting it', () => {
    expect(connectionStringProblem('secret-garbage')?.code).toBe('none');
    const cases: Array<[string, RegExp]> = [
      ['DefaultEndpointProtocol=https;AccountName=a;AccountKey=c2VjcmV0;EndpointSuffix=x', /no DefaultEndpointsProtocol=https/],
      ['DefaultEndpointsProtocol=https;AccountKey=c2VjcmV0;EndpointSuffix=x;BlobEndpoint=https://a', /no AccountName/],
      ['DefaultEndpointsProtocol=ftp;AccountName=a;AccountKey=c2VjcmV0;EndpointSuffix=x', /must be https or http, got "ftp"/],
      ['DefaultEndpointsProtocol=https;AccountName=a;AccountKey=c2VjcmV0', /names no endpoint/],
      ['AccountName=a;TableEndpoint=https://a.table.core.windows.net', /neither an AccountKey nor a SharedAccessSignature/],
      ['AccountName=a;SharedAccessSignature=sv=1&sig=c2VjcmV0', /needs BlobEndpoint= and TableEndpoint=/],
      [
        'BlobEndpoint=https://a.blob.core.windows.net;TableEndpoint=https://a.table.core.windows.net;SharedAccessSignature=?sv=1&sig=c2VjcmV0',
        /SharedAccessSignature starts with "\?"/,
      ],
      [
        'BlobEndpoint=https://a.blob.core.windows.net/insights-logs-usage;TableEndpoint=https://a.table.core.windows.net;SharedAccessSignature=sv=1&sig=c2VjcmV0',
        /^its BlobEndpoint names a path after the account \(\/insights-logs-usage\): give the account's endpoint, https:\/\/a\.blob\.core\.windows\.net, without a container or table$/,
      ],
      [
        'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=c2VjcmV0;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1/AcsFiles',
        /^its TableEndpoint names a path after the account \(\/devstoreaccount1\/AcsFiles\): give the account's endpoint, http:\/\/127\.0\.0\.1:10002\/devstoreaccount1,/,
      ],
      [
        'BlobEndpoint=https://a.privatelink.blob.core.windows.net/insights-logs-usage;TableEndpoint=https://a.table.core.windows.net;SharedAccessSignature=sv=1&sig=c2VjcmV0',
        /^its BlobEndpoint names a path after the account \(\/insights-logs-usage\): give the account's endpoint, https:\/\/a\.privatelink\.blob\.core\.windows\.net,/,
      ],
      [
        'BlobEndpoint=https://a.z12.blob.storage.azure.net/insights-logs-usage;TableEndpoint=https://a.z12.table.storage.azure.net;SharedAccessSignature=sv=1&sig=c2VjcmV0',
        /^its BlobEndpoint names a path after the account \(\/insights-logs-usage\): give the account's endpoint, https:\/\/a\.z12\.blob\.storage\.azure\.net,/,
      ],
    ];
    for (const [value, reason] of cases) {
      const problem = connectionStringProblem(value);
      expect(problem?.code).toBe('unusable');
      expect(problem?.reason).toMatch(reason);
      expect(problem?.reason).not.toContain('c2VjcmV0');
    }
  });
});

describe('missingServiceEndpoint', () => {
  it('names an account key string\'s missing endpoint of a service when nothing derives it, as the SDKs said only "Invalid EndpointSuffix"', () => {
    const blobOnly = 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=c2VjcmV0;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1';
    expect(missingServiceEndpoint(blobOnly, ['blob'])).toBeUndefined();
    expect(missingServiceEndpoint(blobOnly, ['table'])).toMatch(/^it has no TableEndpoint= for the aggregate tables, nor an EndpointSuffix to make one from/);
    const tableOnly = 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=c2VjcmV0;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1';
    expect(missingServiceEndpoint(tableOnly, ['table'])).toBeUndefined();
    expect(missingServiceEndpoint(tableOnly, ['blob', 'table'])).toMatch(/^it has no BlobEndpoint= for the log blobs, nor an EndpointSuffix/);
    // The suffix makes the endpoint, with an http or https protocol only.
    expect(missingServiceEndpoint(`${blobOnly};EndpointSuffix=core.windows.net`, ['blob', 'table'])).toBeUndefined();
    expect(missingServiceEndpoint(blobOnly.replace('=http;', '=ftp;') + ';EndpointSuffix=x', ['table'])).toMatch(
      /^it has no TableEndpoint= for the aggregate tables, and DefaultEndpointsProtocol "ftp" cannot make one/,
    );
    for (const service of ['blob', 'table'] as const) expect(missingServiceEndpoint(blobOnly, [service]) ?? '').not.toContain('c2VjcmV0');
    expect(missingServiceEndpoint('UseDevelopmentStorage=true', ['blob', 'table'])).toBeUndefined();
  });
});
