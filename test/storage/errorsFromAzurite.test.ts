import { generateTableSas, AzureNamedKeyCredential, TableClient } from '@azure/data-tables';
import { BlobServiceClient, ContainerSASPermissions, generateBlobSASQueryParameters, StorageSharedKeyCredential } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { classifyError } from '../../src/lib/storage/errors.js';
import { azuriteConnectionString } from '../support/storage.js';

/** What Azurite really answers, classified: one line with status, code, message and where; no raw OData JSON or XML. */
describe('classifyError on real answers', () => {
  it('an invalid table name', async () => {
    const client = TableClient.fromConnectionString(azuriteConnectionString(), 'bad-name', { allowInsecureConnection: true });
    const error = await client.createTable().then(
      () => undefined,
      (e: unknown) => e,
    );
    const classified = classifyError(error);
    expect(classified.kind).toBe('configuration');
    expect(classified.message).toMatch(/^storage refused a table or container name \(400 \w+: .+\) \(account devstoreaccount1\)/);
    expect(classified.message).not.toMatch(/odata|[{}<>]|RequestId|\n/);
  });

  it('a row in a table that does not exist names the table', async () => {
    const client = TableClient.fromConnectionString(azuriteConnectionString(), 'NoSuchTable1', { allowInsecureConnection: true });
    const error = await client.getEntity('a', 'b').then(
      () => undefined,
      (e: unknown) => e,
    );
    const classified = classifyError(error);
    expect(classified.message).toMatch(/^404 \w+: .+ \(account devstoreaccount1, table NoSuchTable1\)$/);
    expect(classified.message).not.toMatch(/[{}<>]|RequestId/);
  });

  it('an entity added to a table (a POST to the bare table name, as an emulator spells it) names the table, not a container', async () => {
    const client = TableClient.fromConnectionString(azuriteConnectionString(), 'NoSuchTable2', { allowInsecureConnection: true });
    const error = await client.createEntity({ partitionKey: 'a', rowKey: 'b' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(classifyError(error).message).toMatch(/\(account devstoreaccount1, table NoSuchTable2\)$/);
  });

  it('a SAS that expired says so, blobs and tables alike, rather than only to check it', async () => {
    const service = BlobServiceClient.fromConnectionString(azuriteConnectionString());
    const key = service.credential as StorageSharedKeyCredential;
    const expiresOn = new Date(Date.now() - 60_000);
    const blobSas = generateBlobSASQueryParameters(
      { containerName: 'expired-sas', permissions: ContainerSASPermissions.parse('rl'), expiresOn },
      key,
    ).toString();
    const blobError = await new BlobServiceClient(`${service.url.replace(/\/$/, '')}?${blobSas}`)
      .getContainerClient('expired-sas')
      .exists()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    const tableSas = generateTableSas(
      'ExpiredSas',
      new AzureNamedKeyCredential(key.accountName, /AccountKey=([^;]+)/.exec(azuriteConnectionString())?.[1] ?? ''),
      { permissions: { query: true }, expiresOn },
    );
    const tableEndpoint = /TableEndpoint=([^;]+)/.exec(azuriteConnectionString())?.[1] ?? '';
    const tableError = await TableClient.fromConnectionString(
      `TableEndpoint=${tableEndpoint};SharedAccessSignature=${tableSas.replace(/^\?/, '')}`,
      'ExpiredSas',
      {
        allowInsecureConnection: true,
      },
    )
      .getEntity('a', 'b')
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    for (const error of [blobError, tableError]) {
      const classified = classifyError(error);
      expect(classified.kind).toBe('configuration');
      expect(classified.message).toMatch(
        /^storage refused the credentials \(403 .*\) \(account devstoreaccount1.*\): the SAS expired at \d{4}-\d\d-\d\dT[\d:]+\.\d+Z: make a new one$/,
      );
    }
  });

  it('a SAS that starts later says so (storage refuses it until then)', async () => {
    const service = BlobServiceClient.fromConnectionString(azuriteConnectionString());
    const key = service.credential as StorageSharedKeyCredential;
    const startsOn = new Date(Date.now() + 600_000);
    const sas = generateBlobSASQueryParameters(
      { containerName: 'later-sas', permissions: ContainerSASPermissions.parse('rl'), startsOn, expiresOn: new Date(Date.now() + 3_600_000) },
      key,
    ).toString();
    const error = await new BlobServiceClient(`${service.url.replace(/\/$/, '')}?${sas}`)
      .getContainerClient('later-sas')
      .exists()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(classifyError(error).message).toMatch(
      /^storage refused the credentials \(403 .*\) \(account devstoreaccount1, container later-sas\): the SAS is valid only from \d{4}-\d\d-\d\dT[\d:.]+Z: wait, or make one that starts earlier/,
    );
  });

  it("a blob's properties refused (an answer to HEAD, without a body) name the service's code, from its header", async () => {
    const service = BlobServiceClient.fromConnectionString(azuriteConnectionString());
    const key = service.credential as StorageSharedKeyCredential;
    // A SAS that lists but may not read.
    const sas = generateBlobSASQueryParameters(
      { containerName: 'head-refused', permissions: ContainerSASPermissions.parse('l'), expiresOn: new Date(Date.now() + 3_600_000) },
      key,
    ).toString();
    const error = await new BlobServiceClient(`${service.url.replace(/\/$/, '')}?${sas}`)
      .getContainerClient('head-refused')
      .getBlobClient('PT1H.json')
      .getProperties()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    const classified = classifyError(error);
    expect(classified).toMatchObject({ kind: 'configuration', code: 'AuthorizationPermissionMismatch' });
    expect(classified.message).toMatch(
      /^storage refused the credentials \(403 AuthorizationPermissionMismatch: Forbidden\) \(account devstoreaccount1, container head-refused\)/,
    );
  });
});
