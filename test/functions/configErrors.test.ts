import { describe, expect, it } from 'vitest';
import { createRuntime } from '../../src/lib/config/runtime.js';
import { invocation, readableFailure } from '../../src/lib/config/invocation.js';
import { handleAnnouncedBlob } from '../../src/lib/processing/blobAnnounced.js';
import { handleHealth } from '../../src/lib/http/handlers.js';
import { tailAndSweep } from '../../src/lib/processing/tailAndSweep.js';
import { silentLogger } from '../../src/lib/logging.js';
import { appendToBlob, azuriteConnectionString, newContainer, uniquePrefix } from '../support/storage.js';
import { asJsonLines, blobPath, roomsRecords } from '../support/roomsLogs.js';

const WRONG_KEY = Buffer.from('not the key of this account, but base64 all the same').toString('base64');

function withWrongKey(connectionString: string): string {
  return connectionString.replace(/AccountKey=[^;]*/, `AccountKey=${WRONG_KEY}`);
}

describe('what an invocation says when a setting cannot work', () => {
  it('a wrong key of the logs account or of the aggregates account: one readable line naming the account and container or table', async () => {
    // A container of its own: the default log containers are swept by other tests' timers.
    const container = await newContainer();
    const path = blobPath(3);
    await appendToBlob(container, path, asJsonLines(roomsRecords(3, 1)));
    for (const [setting, expected] of [
      [
        'LogsStorage',
        /^configuration: storage refused the credentials \(403 .*\) \(account devstoreaccount1, container [a-z0-9-]+.*\): check the account key, SAS or the identity's roles$/,
      ],
      [
        'AggregatesStorage',
        /^configuration: storage refused the credentials \(403 .*\) \(account devstoreaccount1, table .*\): check the account key, SAS or the identity's roles$/,
      ],
    ] as const) {
      const env = {
        LogsStorage: azuriteConnectionString(),
        AggregatesStorage: azuriteConnectionString(),
        ACS_LOGS_TABLE_PREFIX: uniquePrefix(),
        [setting]: withWrongKey(azuriteConnectionString()),
      };
      const runtime = createRuntime(env, {
        blobs: { maxTries: 1, retryDelayInMs: 10, maxRetryDelayInMs: 10 },
        tables: { maxRetries: 0, retryDelayInMs: 10, maxRetryDelayInMs: 10 },
      });
      const deps = runtime.deps(silentLogger);
      const announced = await invocation(() => handleAnnouncedBlob(`${container.containerName}/${path}`, deps)).catch((error: unknown) => error as Error);
      expect(announced, setting).toBeInstanceOf(Error);
      expect((announced as Error).message, setting).toMatch(expected);
      const swept = await invocation(() =>
        tailAndSweep(deps, { containers: [container.containerName], sweepIntervalMs: 0, fileConcurrency: 2, deadline: Date.now() + 60_000 }),
      ).catch((error: unknown) => error as Error);
      expect(swept, setting).toBeInstanceOf(Error);
      expect((swept as Error).message, setting).toMatch(/storage refused the credentials/);
    }
  });

  it('health says degraded, and why, when the logs account refuses the app, though the tables read', async () => {
    const healthOf = async (logs: string): Promise<Record<string, unknown>> => {
      const runtime = createRuntime(
        { LogsStorage: logs, AggregatesStorage: azuriteConnectionString(), ACS_LOGS_TABLE_PREFIX: uniquePrefix() },
        {
          blobs: { maxTries: 1, retryDelayInMs: 10, maxRetryDelayInMs: 10 },
        },
      );
      const result = await handleHealth({
        open: () => ({
          tables: runtime.tables,
          containers: ['insights-logs-usage'],
          probeLogs: (signal) => runtime.source.containerExists('insights-logs-usage', signal),
        }),
        logger: silentLogger,
      });
      expect(result.status).toBe(200);
      return JSON.parse(result.body) as Record<string, unknown>;
    };
    const refused = await healthOf(withWrongKey(azuriteConnectionString()));
    expect(refused['status']).toBe('degraded');
    expect((refused['logsAccount'] as { error: string }).error).toMatch(
      /^storage refused the credentials \(403 .*account devstoreaccount1, container insights-logs-usage/,
    );
    const fine = await healthOf(azuriteConnectionString());
    expect(fine['status']).toBe('ok');
    expect(fine).not.toHaveProperty('logsAccount');
  });

  it('health waits a bounded time for the logs account, and says a setting that cannot work rather than "could not be reached"', async () => {
    const runtime = createRuntime({
      LogsStorage: azuriteConnectionString(),
      AggregatesStorage: azuriteConnectionString(),
      ACS_LOGS_TABLE_PREFIX: uniquePrefix(),
    });
    const started = Date.now();
    const slow = await handleHealth({
      open: () => ({
        tables: runtime.tables,
        containers: ['insights-logs-usage'],
        probeLogs: (signal) => new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(new Error('aborted')))),
      }),
      logger: silentLogger,
      logsProbeMs: 200,
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(JSON.parse(slow.body)).toMatchObject({ status: 'degraded', logsAccount: { error: 'the logs account did not answer within 0.2 s' } });
    const misconfigured = await handleHealth({
      open: () => ({ tables: createRuntime({ LogsStorage: 'not a connection string', AggregatesStorage: azuriteConnectionString() }).tables, containers: [] }),
      logger: silentLogger,
    });
    expect(misconfigured.status).toBe(503);
    expect((JSON.parse(misconfigured.body) as { error: { message: string } }).error.message).toMatch(
      /^configuration: setting LogsStorage is not a storage connection string/,
    );
  });

  it('health names a connection that is not set, or a setting with a bad value, rather than saying storage could not be reached', async () => {
    const cases: Array<[NodeJS.ProcessEnv, RegExp]> = [
      [
        { LogsStorage: azuriteConnectionString(), AggregatesStorage: '' },
        /^configuration: connection "AggregatesStorage" is not configured: set AggregatesStorage or AggregatesStorage__tableServiceUri$/,
      ],
      [{ AggregatesStorage: azuriteConnectionString() }, /^configuration: connection "AzureWebJobsStorage" is not configured/],
      [
        {
          LogsStorage: azuriteConnectionString(),
          AggregatesStorage: 'BlobEndpoint=https://foo.blob.core.windows.net;SharedAccessSignature=sv=2022-11-02&sig=x',
        },
        /^configuration: setting AggregatesStorage is not a usable storage connection string: a SAS connection string needs TableEndpoint= for the aggregate tables/,
      ],
      [
        { AzureWebJobsStorage: azuriteConnectionString(), ACS_LOGS_TABLE_PREFIX: 'acs_logs' },
        /^configuration: ACS_LOGS_TABLE_PREFIX must be letters and digits/,
      ],
      [
        { AzureWebJobsStorage: azuriteConnectionString(), ACS_LOGS_FILE_CONCURRENCY: '1.5' },
        /^configuration: ACS_LOGS_FILE_CONCURRENCY must be a whole number/,
      ],
    ];
    for (const [env, message] of cases) {
      const answer = await handleHealth({ open: () => ({ tables: createRuntime(env).tables, containers: [] }), logger: silentLogger });
      expect(answer.status).toBe(503);
      expect((JSON.parse(answer.body) as { error: { message: string } }).error.message).toMatch(message);
      // An invocation says the same, as a setting to change.
      await expect(invocation(() => Promise.resolve(createRuntime(env)))).rejects.toThrow(message);
    }
  });

  it("keeps the app's own messages whole: the timer's list of problems is not cut to a line of 300 characters", () => {
    const own = new Error(
      `tail and sweep: ${Array.from({ length: 8 }, (_, i) => `sweep of insights-logs-c${i} failed: <Message>x</Message> storage unavailable`).join('; ')}`,
    );
    expect(own.message.length).toBeGreaterThan(300);
    expect(readableFailure(own)).toBe(own);
  });

  it('an identity endpoint or account name that cannot work is named with what it should be, not "Invalid URL" on every invocation', () => {
    const tables = { AggregatesStorage: azuriteConnectionString() };
    for (const [env, expected] of [
      [
        { LogsStorage__blobServiceUri: 'mystorageaccount.blob.core.windows.net' },
        /^setting LogsStorage__blobServiceUri must be the blob service's URL, such as https:/,
      ],
      [{ LogsStorage__serviceUri: 'https://my account.blob.core.windows.net' }, /^setting LogsStorage__serviceUri must be the blob service's URL/],
      [{ LogsStorage__serviceUri: 'ftp://account.blob.core.windows.net' }, /^setting LogsStorage__serviceUri must be the blob service's URL/],
      // The SDKs send a managed identity's token over https only: each request would fail with an error naming no setting.
      [
        { LogsStorage__serviceUri: 'http://127.0.0.1:10000/devstoreaccount1' },
        /^setting LogsStorage__serviceUri must be the blob service's URL, such as https:\/\/<account>\.blob\.core\.windows\.net, got "http:\/\/127\.0\.0\.1:10000\/devstoreaccount1": a managed identity's token is sent over https only$/,
      ],
      [
        { LogsStorage__accountName: 'My_Account' },
        /^setting LogsStorage__accountName must be a storage account name \(3 to 24 lower-case letters and digits\), got "My_Account"$/,
      ],
      [
        { LogsStorage__accountName: 'account', LogsStorage__credential: 'password' },
        /^setting LogsStorage__credential must be managedidentity \(or left out\), got "password"$/,
      ],
    ] as const) {
      expect(() => createRuntime({ ...tables, ...env }), JSON.stringify(env)).toThrow(expected);
    }
    expect(() =>
      createRuntime({ LogsStorage: azuriteConnectionString(), AggregatesStorage__tableServiceUri: 'http://account.table.core.windows.net' }),
    ).toThrow(
      /^setting AggregatesStorage__tableServiceUri must be the table service's URL, such as https:\/\/<account>\.table\.core\.windows\.net, got "http:\/\/account\.table\.core\.windows\.net": a managed identity's token is sent over https only$/,
    );
    // Another service's endpoint: each request would get that service's answer, naming no setting.
    expect(() => createRuntime({ LogsStorage: azuriteConnectionString(), AggregatesStorage__serviceUri: 'https://account.blob.core.windows.net' })).toThrow(
      /^setting AggregatesStorage__serviceUri must be the table service's URL, such as https:\/\/<account>\.table\.core\.windows\.net, got "https:\/\/account\.blob\.core\.windows\.net": that is the blob service's$/,
    );
    expect(() => createRuntime({ ...tables, LogsStorage__blobServiceUri: 'https://account.table.core.chinacloudapi.cn/' })).toThrow(
      /^setting LogsStorage__blobServiceUri must be the blob service's URL.*: that is the table service's$/,
    );
    // What works: an endpoint, an account name, the one credential the host knows, in any case.
    for (const env of [
      { LogsStorage__blobServiceUri: 'https://account.blob.core.windows.net' },
      { LogsStorage__serviceUri: 'https://127.0.0.1:10000/devstoreaccount1' },
      { LogsStorage__accountName: 'account1', LogsStorage__credential: 'ManagedIdentity', LogsStorage__clientId: '00000000-0000-0000-0000-000000000000' },
    ]) {
      expect(createRuntime({ ...tables, ...env }).settings.logsConnection).toBe('LogsStorage');
    }
  });

  it('a connection string the storage SDKs cannot use (a misspelt key) is named with what it lacks, its value never shown', () => {
    const aggregates = { AggregatesStorage: azuriteConnectionString() };
    const misspelt = 'DefaultEndpointProtocol=https;AccountName=foo;AccountKey=czNjcjN0;EndpointSuffix=core.windows.net';
    expect(() => createRuntime({ LogsStorage: misspelt, ...aggregates })).toThrow(
      /^setting LogsStorage is not a usable storage connection string: it has an AccountKey but no DefaultEndpointsProtocol=https/,
    );
    expect(() =>
      createRuntime({ LogsStorage: azuriteConnectionString(), AggregatesStorage: 'AccountName=foo;TableEndpoint=https://foo.table.core.windows.net' }),
    ).toThrow(/^setting AggregatesStorage is not a usable storage connection string: it has neither an AccountKey nor a SharedAccessSignature/);
    // A SAS names its endpoints one by one: one without the service a connection is used for failed each invocation with "Invalid URL" or "Invalid TableEndpoint".
    const sas = (endpoint: string): string => `${endpoint};SharedAccessSignature=sv=2022-11-02&ss=bt&sig=czNjcjN0`;
    expect(() => createRuntime({ LogsStorage: sas('TableEndpoint=https://foo.table.core.windows.net'), ...aggregates })).toThrow(
      /^setting LogsStorage is not a usable storage connection string: a SAS connection string needs BlobEndpoint= for the log blobs, and this one has none$/,
    );
    expect(() => createRuntime({ LogsStorage: azuriteConnectionString(), AggregatesStorage: sas('BlobEndpoint=https://foo.blob.core.windows.net') })).toThrow(
      /^setting AggregatesStorage is not a usable storage connection string: a SAS connection string needs TableEndpoint= for the aggregate tables, and this one has none$/,
    );
    // An account key string with another service's endpoint only, and no EndpointSuffix: each invocation failed with "Invalid EndpointSuffix", naming no setting.
    const blobOnly = 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=czNjcjN0;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1';
    expect(() => createRuntime({ LogsStorage: blobOnly, AggregatesStorage: blobOnly })).toThrow(
      /^setting AggregatesStorage is not a usable storage connection string: it has no TableEndpoint= for the aggregate tables, nor an EndpointSuffix to make one from/,
    );
    // One SAS string for both, each connection given the endpoint it uses, is taken.
    const both = sas('BlobEndpoint=https://foo.blob.core.windows.net;TableEndpoint=https://foo.table.core.windows.net');
    expect(createRuntime({ LogsStorage: both, AggregatesStorage: both }).settings.logsConnection).toBe('LogsStorage');
    try {
      createRuntime({ LogsStorage: misspelt, ...aggregates });
    } catch (error) {
      expect((error as Error).message).not.toContain('czNjcjN0');
    }
  });

  it('a setting that is not a connection string is named, its value never shown', () => {
    const env = { LogsStorage: 'not a connection string s3cr3t', AggregatesStorage: azuriteConnectionString() };
    expect(() => createRuntime(env)).toThrow(/^setting LogsStorage is not a storage connection string: expected AccountName=/);
    try {
      createRuntime(env);
    } catch (error) {
      expect((error as Error).message).not.toContain('s3cr3t');
    }
  });
});
