import { HttpRequest, InvocationContext } from '@azure/functions';
import {
  AccountSASPermissions,
  AccountSASResourceTypes,
  AccountSASServices,
  BlobServiceClient,
  generateAccountSASQueryParameters,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { beforeAll, describe, expect, it } from 'vitest';
import { azuriteConnectionString, newContainer, uniqueContainer, uniquePrefix } from '../support/storage.js';

let health: typeof import('../../src/functions/health.js').health;

/** The Azurite connection string with an account SAS of `permissions` on blobs in place of its key. */
function blobSasConnectionString(permissions: string): string {
  const service = BlobServiceClient.fromConnectionString(azuriteConnectionString());
  const credential = service.credential as StorageSharedKeyCredential;
  const sas = generateAccountSASQueryParameters(
    {
      expiresOn: new Date(Date.now() + 3_600_000),
      permissions: AccountSASPermissions.parse(permissions),
      services: AccountSASServices.parse('b').toString(),
      resourceTypes: AccountSASResourceTypes.parse('sco').toString(),
    },
    credential,
  ).toString();
  return `BlobEndpoint=${service.url.replace(/\/$/, '')};SharedAccessSignature=${sas}`;
}

const container = uniqueContainer();

beforeAll(async () => {
  await newContainer(undefined, container);
  // A SAS that reads blobs but may not list them: announced blobs read, every sweep is refused.
  process.env['LogsStorage'] = blobSasConnectionString('r');
  process.env['AggregatesStorage'] = azuriteConnectionString();
  process.env['ACS_LOGS_TABLE_PREFIX'] = uniquePrefix();
  process.env['ACS_LOGS_CONTAINER_ROOMS'] = container;
  ({ health } = await import('../../src/functions/health.js'));
});

describe('the health function', () => {
  it('says degraded when the logs account may be read but not listed, as every sweep lists it', async () => {
    const logged: unknown[][] = [];
    const context = new InvocationContext({ functionName: 'health', logHandler: (...entry: unknown[]) => void logged.push(entry) });
    const response = await health(new HttpRequest({ url: 'http://localhost/api/health', method: 'GET' }), context);
    expect(response.status).toBe(200);
    const body = JSON.parse(Buffer.from(response.body as Uint8Array).toString('utf8')) as { status: string; logsAccount?: { error: string } };
    expect(body.status).toBe('degraded');
    expect(body.logsAccount?.error).toMatch(new RegExp(`^storage refused the credentials \\(403 AuthorizationPermissionMismatch.*container ${container}`));
    expect(logged.map(([level, message]) => `${String(level)} ${String(message)}`)).toEqual(['error health check could not read the logs account']);
  });
});
