import { createServer } from 'node:net';
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { beforeAll, describe, expect, it } from 'vitest';
import { handleHealth, handleQuery } from '../../src/lib/http/handlers.js';
import type { Logger } from '../../src/lib/logging.js';
import { refusingEveryRequest } from '../support/wrappedTableStore.js';
import { errorOf, headerOf } from './support.js';
import { getRuntime } from '../../src/lib/config/runtime.js';
import { ConfigurationError } from '../../src/lib/storage/errors.js';
import { TEST_BLOB_RETRY, TEST_TABLE_RETRY } from '../support/storage.js';

/** A port nothing listens on: storage that cannot be reached. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function recordingLogger(): Logger & { errors: { message: string; fields: Record<string, unknown> }[] } {
  const errors: { message: string; fields: Record<string, unknown> }[] = [];
  return { info() {}, warn() {}, error: (message, fields) => errors.push({ message, fields: fields ?? {} }), errors };
}

/** A store whose every request fails as the SDK does when storage refuses. */
const failingTables = refusingEveryRequest(() =>
  Object.assign(new Error('This request is not authorized to perform this operation.\n    at secret/stack.js:1:1'), {
    name: 'RestError',
    statusCode: 403,
    code: 'AuthorizationFailure',
  }),
);

describe('storage failures, without I/O', () => {
  it('a query whose storage read fails is 500 with a short message, and the failure is logged', async () => {
    const logger = recordingLogger();
    const failing = refusingEveryRequest(() =>
      Object.assign(new Error('One of the request inputs is not valid.'), { name: 'RestError', statusCode: 400, code: 'InvalidInput' }),
    );
    const result = await handleQuery('rooms', new URLSearchParams('granularity=hour'), () => null, { tables: () => failing, logger });
    expect(result.status).toBe(500);
    expect(errorOf(result)).toEqual({ code: 'storage_error', message: 'the aggregates could not be read; try again later', details: [] });
    expect(logger.errors).toEqual([{ message: 'query failed', fields: expect.objectContaining({ view: 'rooms', statusCode: 400, code: 'InvalidInput' }) }]);
  });

  it('refused credentials or a setting that cannot work are said so, not "try again later", and sent to health for which', async () => {
    const logger = recordingLogger();
    const result = await handleQuery('rooms', new URLSearchParams('granularity=hour'), () => null, { tables: () => failingTables, logger });
    expect(result.status).toBe(500);
    expect(errorOf(result)).toEqual({
      code: 'configuration_error',
      message: "the aggregates cannot be read with the app's storage settings or credentials; /api/health says which",
      details: [],
    });
    expect(result.body).not.toMatch(/stack|authorized|at /);
    expect(logger.errors).toEqual([
      { message: 'query failed', fields: expect.objectContaining({ view: 'rooms', statusCode: 403, code: 'AuthorizationFailure' }) },
    ]);
  });

  it('a misconfigured connection (the runtime cannot be built) is a 500 too, not a crash, naming no setting', async () => {
    const logger = recordingLogger();
    const result = await handleQuery('usage', new URLSearchParams(), () => null, {
      tables: () => {
        throw new ConfigurationError('connection "AggregatesStorage" is not configured: set AggregatesStorage or AggregatesStorage__tableServiceUri');
      },
      logger,
    });
    expect(result.status).toBe(500);
    expect(errorOf(result).code).toBe('configuration_error');
    expect(result.body).not.toMatch(/AggregatesStorage/);
    expect(logger.errors).toHaveLength(1);
  });

  it('a bad request never touches storage', async () => {
    let opened = 0;
    const result = await handleQuery('rooms', new URLSearchParams('granularity=week'), () => null, {
      tables: () => {
        opened++;
        return failingTables;
      },
      logger: recordingLogger(),
    });
    expect(result.status).toBe(400);
    expect(opened).toBe(0);
  });

  it('health is 503 when storage fails or the runtime cannot be built, and logs why', async () => {
    const logger = recordingLogger();
    const now = () => Date.UTC(2024, 4, 25, 12);
    const failed = await handleHealth({ open: () => ({ tables: failingTables, containers: ['c'] }), logger, now });
    expect(failed.status).toBe(503);
    // Refused credentials are a setting to change: said so (in one line, no stack), not "could not be reached".
    expect(JSON.parse(failed.body)).toEqual({
      status: 'unavailable',
      checkedAt: '2024-05-25T12:00:00.000Z',
      error: {
        // As /api/query says it: a monitor that reads the code does not wait for storage to come back.
        code: 'configuration_error',
        message: expect.stringMatching(/^configuration: storage refused the credentials \(403 AuthorizationFailure: /),
        details: [],
      },
    });
    expect(failed.body).not.toContain('stack.js');
    const misconfigured = await handleHealth({
      open: () => {
        throw new Error('bad settings');
      },
      logger,
      now,
    });
    expect(misconfigured.status).toBe(503);
    expect(logger.errors.map((entry) => entry.message)).toEqual(['health check could not read storage', 'health check could not read storage']);
  });
});

describe('the functions, with storage unreachable', () => {
  let query: typeof import('../../src/functions/queryApi.js').query;
  let health: typeof import('../../src/functions/health.js').health;

  beforeAll(async () => {
    const port = await closedPort();
    const connectionString =
      'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;' +
      'AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;' +
      `BlobEndpoint=http://127.0.0.1:${port}/devstoreaccount1;TableEndpoint=http://127.0.0.1:${port}/devstoreaccount1;`;
    process.env['LogsStorage'] = connectionString;
    process.env['AggregatesStorage'] = connectionString;
    process.env['ACS_LOGS_TABLE_PREFIX'] = 'Unreachable';
    // The functions' clients, built here first, with the tests' short back-off: the same attempts, no 30 s wait.
    getRuntime(process.env, { blobs: TEST_BLOB_RETRY, tables: TEST_TABLE_RETRY });
    ({ query } = await import('../../src/functions/queryApi.js'));
    ({ health } = await import('../../src/functions/health.js'));
  });

  function context(name: string, logged: unknown[][]): InvocationContext {
    return new InvocationContext({
      functionName: name,
      logHandler: (level, ...args) => {
        if (level === 'error') logged.push(args);
      },
    });
  }

  // The SDK retries a refused connection before giving up: both run at once.
  it.concurrent('GET /api/query/rooms is 503 with a short JSON message and Retry-After, logged', async () => {
    const logged: unknown[][] = [];
    const response: HttpResponseInit = await query(
      new HttpRequest({ method: 'GET', url: 'http://localhost/api/query/rooms', params: { view: 'rooms' } }),
      context('query', logged),
    );
    expect(response.status).toBe(503);
    expect(errorOf(response)).toEqual({
      code: 'storage_unavailable',
      message: 'storage could not be reached (ECONNREFUSED); try again in a few seconds',
      details: [],
    });
    expect(headerOf(response, 'retry-after')).toBe('5');
    expect(logged).toHaveLength(1);
    expect(String(logged[0]?.[1])).toMatch(/ECONNREFUSED/);
  });

  it.concurrent('GET /api/health is 503', async () => {
    const logged: unknown[][] = [];
    const response = await health(new HttpRequest({ method: 'GET', url: 'http://localhost/api/health' }), context('health', logged));
    expect(response.status).toBe(503);
    expect(JSON.parse(String(response.body))).toMatchObject({ status: 'unavailable', error: { code: 'storage_unavailable' } });
    expect(logged).toHaveLength(1);
  });
});
