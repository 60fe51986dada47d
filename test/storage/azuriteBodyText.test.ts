import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { TableClient, type TableServiceClientOptions } from '@azure/data-tables';
import { describe, expect, it } from 'vitest';
import { azuriteConnectionString, uniquePrefix } from '../support/storage.js';

type Policy = NonNullable<TableServiceClientOptions['additionalPolicies']>[number]['policy'];

/** Sends a text body in two pieces, 50 ms apart, cut inside the first two-byte character: Azurite receives two chunks. */
const cutInsideACharacter: Policy = {
  name: 'cutInsideACharacter',
  async sendRequest(request, next) {
    if (typeof request.body === 'string' && request.body.includes('é')) {
      const bytes = Buffer.from(request.body, 'utf8');
      const cut = Buffer.from(request.body.slice(0, request.body.indexOf('é')), 'utf8').length + 1;
      request.body = () =>
        Readable.from(
          (async function* () {
            yield bytes.subarray(0, cut);
            await sleep(50);
            yield bytes.subarray(cut);
          })(),
        );
    }
    return next(request);
  },
};

describe('the embedded Azurite reads a single entity body as one UTF-8 text', () => {
  it('keeps a character cut between two chunks of the request whole', async () => {
    const options: TableServiceClientOptions = { allowInsecureConnection: true, additionalPolicies: [{ policy: cutInsideACharacter, position: 'perRetry' }] };
    const table = uniquePrefix() + 'Body';
    const client = TableClient.fromConnectionString(azuriteConnectionString(), table, options);
    await client.createTable();
    const text = 'a' + 'é'.repeat(20_000) + ' ü ✓ 😀';
    await client.upsertEntity({ partitionKey: 'p', rowKey: 'r', text }, 'Replace');
    const plain = TableClient.fromConnectionString(azuriteConnectionString(), table, { allowInsecureConnection: true });
    const row = await plain.getEntity<{ text: string }>('p', 'r');
    expect(row.text).toBe(text);
  });
});
