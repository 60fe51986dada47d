import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkTablePrefix, classifyError, ConfigurationError } from '../../src/lib/storage/errors.js';
import { parseStoredRow } from '../../src/lib/storage/storedRows.js';

function restError(fields: { statusCode?: number; code?: string; message: string }): Error {
  return Object.assign(new Error(fields.message), { name: 'RestError', ...fields });
}

describe('classifyError', () => {
  it.each([
    ['a refused connection', restError({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1' }), 'transient', 'ECONNREFUSED'],
    ['a reset', restError({ code: 'ECONNRESET', message: 'socket hang up' }), 'transient', 'ECONNRESET'],
    ['a timeout', restError({ code: 'ETIMEDOUT', message: 'timed out' }), 'transient', 'ETIMEDOUT'],
    ['a 503', restError({ statusCode: 503, code: 'ServerBusy', message: 'busy' }), 'transient', 'ServerBusy'],
    ['a 500 from tables', restError({ statusCode: 500, message: '<Error><Code>InternalError</Code><Message>x</Message></Error>' }), 'transient', '500'],
    ['a cut answer', Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' }), 'transient', 'AbortError'],
    [
      'bad credentials (blobs)',
      restError({ statusCode: 403, code: 'AuthorizationFailure', message: 'Server failed to authenticate the request.' }),
      'configuration',
      'AuthorizationFailure',
    ],
    [
      'bad credentials (tables)',
      restError({ statusCode: 403, message: '<?xml version="1.0"?><Error><Code>AuthenticationFailed</Code><Message>no</Message></Error>' }),
      'configuration',
      'AuthenticationFailed',
    ],
    [
      'https to an endpoint that serves http',
      restError({ code: 'EPROTO', message: 'write EPROTO 80DCC4FED97F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number' }),
      'configuration',
      'EPROTO',
    ],
    [
      'http to an account that takes https only',
      restError({ statusCode: 400, code: 'AccountRequiresHttps', message: 'The account being accessed does not support http.' }),
      'configuration',
      'AccountRequiresHttps',
    ],
    ['a missing account', restError({ code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND nosuchaccount.blob.core.windows.net' }), 'configuration', 'ENOTFOUND'],
    [
      'an invalid table name',
      restError({
        statusCode: 400,
        message: '{"odata.error":{"code":"","message":{"lang":"en-US","value":"The specified resource name contains invalid characters.\\nRequestId:1"}}}',
      }),
      'configuration',
      'InvalidResourceName',
    ],
    ['a prefix checked before any request', new ConfigurationError('invalid table prefix "a-b"'), 'configuration', 'configuration'],
    [
      'a refused write',
      restError({ statusCode: 400, message: '{"odata.error":{"code":"PropertyValueTooLarge","message":{"lang":"en-US","value":"too large"}}}' }),
      'failure',
      'PropertyValueTooLarge',
    ],
    ['a bug', new TypeError('x is undefined'), 'failure', 'TypeError'],
  ])('%s', (_what, error, kind, code) => {
    const classified = classifyError(error);
    expect(classified).toMatchObject({ kind, code });
    expect(classified.message).not.toMatch(/\n/);
  });

  it('says what to check in a configuration error', () => {
    expect(classifyError(restError({ statusCode: 403, code: 'AuthorizationFailure', message: 'x' })).message).toMatch(/credentials .*account key/);
    expect(
      classifyError(restError({ statusCode: 400, code: 'AccountRequiresHttps', message: 'The account being accessed does not support http.' })).message,
    ).toBe(
      "storage refused the protocol (400 AccountRequiresHttps: The account being accessed does not support http.): check https or http in the connection string's DefaultEndpointsProtocol and endpoints",
    );
    expect(classifyError(restError({ code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND nohost.invalid' })).message).toMatch(
      /host not found .*nohost\.invalid/,
    );
  });
  it('keeps what is wrong with a stored row whose keys are long (a resource id in its partition)', () => {
    const partitionKey =
      '!2FSUBSCRIPTIONS!2FF5B5BB39-7EBF-472A-9093-6C3FB1A744EF!2FRESOURCEGROUPS!2FCONTOSO-RG!2FPROVIDERS!2FMICROSOFT.COMMUNICATION!2FCOMMUNICATIONSERVICES!2FCONTOSO-ACS|2024-05-25';
    const row = { partitionKey, rowKey: 'd|GetRoom|2023-06-14|Succeeded|200', etag: '*', data: { count: 'broken' } };
    let thrown: unknown;
    try {
      parseStoredRow(z.object({ count: z.number() }), 'RoomsOperations', row);
    } catch (error) {
      thrown = error;
    }
    const { message } = classifyError(thrown);
    expect(message).toMatch(/^row of table RoomsOperations \(partition '!2FSUBSCRIPTIONS/);
    expect(message).toMatch(/does not have the stored shape: count: .*expected number, received string \(table RoomsOperations\)$/);
    expect(message.length).toBeLessThanOrEqual(1000 + ' (table RoomsOperations)'.length);
  });
  it('a line past 1,000 characters keeps its start and its end, cut in the middle', () => {
    const { message } = classifyError(new Error(`start ${'x'.repeat(2000)} end of what went wrong`));
    expect(message).toHaveLength(1000);
    expect(message).toMatch(/^start x+…x+ end of what went wrong$/);
  });
});

describe('checkTablePrefix', () => {
  it.each(['Acs', 'T0a1b2', 'a'])('accepts %s', (prefix) => expect(() => checkTablePrefix(prefix)).not.toThrow());
  it.each(['a-b', '1abc', '', 'x'.repeat(41), 'ab_c'])('refuses "%s" with a readable reason', (prefix) => {
    expect(() => checkTablePrefix(prefix)).toThrow(/invalid table prefix .*letters and digits/);
  });
});
