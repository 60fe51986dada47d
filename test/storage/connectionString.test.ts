import { describe, expect, it } from 'vitest';
import { connectionStringProblem } from '../../src/lib/storage/connectionString.js';

describe('connectionStringProblem', () => {
  it('passes what the storage SDKs can use', () => {
    for (const sound of [
      'UseDevelopmentStorage=true',
      'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5;EndpointSuffix=core.windows.net',
      'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1',
      'BlobEndpoint=https://acct.blob.core.windows.net;SharedAccessSignature=sv=2022&sig=x',
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
    ];
    for (const [value, reason] of cases) {
      const problem = connectionStringProblem(value);
      expect(problem?.code).toBe('unusable');
      expect(problem?.reason).toMatch(reason);
      expect(problem?.reason).not.toContain('c2VjcmV0');
    }
  });
});
