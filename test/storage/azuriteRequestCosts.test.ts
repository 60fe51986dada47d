import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compiledModule, resolveAzuriteEntry } from '../../src/lib/storage/azurite.js';
import { fastBatchBoundary, pooledRandomBytes } from '../../src/lib/storage/azuriteRequestCosts.js';
import { entityBatchBody } from '../../src/lib/storage/entityBatch.js';

type Serializer = { batchBoundary: string; extractBatchBoundary(body: string): void };

/** Azurite's own BatchSerialization, as loaded by this test (not patched here). */
function azuriteSerialization(): new () => Serializer {
  const entry = resolveAzuriteEntry();
  const module = createRequire(entry)(path.join(path.dirname(entry), 'table/batch/BatchSerialization.js')) as { BatchSerialization: new () => Serializer };
  return module.BatchSerialization;
}

/** The boundary (or the error) each method finds in `body`. */
function boundaries(body: string): { own: string; fast: string } {
  const Serialization = azuriteSerialization();
  const outcome = (extract: (this: Serializer, body: string) => void): string => {
    const serializer = new Serialization();
    try {
      extract.call(serializer, body);
      return serializer.batchBoundary;
    } catch (error) {
      return `error: ${(error as Error).message}`;
    }
  };
  const own = Serialization.prototype.extractBatchBoundary;
  return { own: outcome(own), fast: outcome(fastBatchBoundary(own)) };
}

describe("Azurite's batch boundary, found without decoding the body", () => {
  it('finds what Azurite finds in the batches this product sends', () => {
    const body = entityBatchBody('http://127.0.0.1:10002/devstoreaccount1', 'AcsCalls', [
      { kind: 'create', entity: { partitionKey: 'p%41', rowKey: 'r 100%', text: 'é %zz %E2%9C%93' } },
      { kind: 'replace', entity: { partitionKey: 'p', rowKey: "it's", n: 1 }, etag: 'W/"datetime\'2024-05-25T00%3A00%3A00Z\'"' },
    ]).body;
    const { own, fast } = boundaries(body);
    expect(fast).toBe(own);
    expect(own).toMatch(/^--batch_[0-9a-f-]{36}$/);
  });

  it('leaves to Azurite the bodies decoding could change, with the same answer', () => {
    for (const body of [
      '--batch_abc%41def\r\n', // a percent right after the boundary decodes to a word character
      '%41--batch_x\r\n', // a percent before it
      '--batch_abc%\r\n%zz', // malformed: Azurite's decoding fails and it reads the body as it is
      '--batch_abc-%2D-x\r\n',
      'no boundary at all',
      '%2D%2Dbatch_encoded',
      '',
    ]) {
      const { own, fast } = boundaries(body);
      expect(fast, JSON.stringify(body)).toBe(own);
    }
  });

  it('agrees with Azurite on any text made of boundary-like pieces', () => {
    const piece = fc.constantFrom('--batch_', '--batch_a', '-', '_', 'ab', '7', '%', '%41', '%2D', '%zz', '%E2%9C%93', 'é', '\r\n', ' ', 'changeset_');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const { own, fast } = boundaries(pieces.join(''));
        expect(fast).toBe(own);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("Azurite's request ids from pooled random bytes", () => {
  it('gives 16 fresh bytes per call across refills of the pool', () => {
    const next = pooledRandomBytes(64);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const bytes = next();
      expect(bytes.length).toBe(16);
      seen.add(bytes.toString('hex'));
      // A copy: changing it (as uuid does) does not change what comes next.
      bytes.fill(0);
    }
    expect(seen.size).toBe(200);
  });

  it('makes Azurite produce distinct version-4 ids once installed, and patches its batch boundary', () => {
    const script = `
      import { createRequire } from 'node:module';
      import path from 'node:path';
      const { installRequestCosts } = await import(${JSON.stringify(pathToFileURL(compiledModule('azuriteRequestCosts.js')).href)});
      const entry = ${JSON.stringify(resolveAzuriteEntry())};
      const installed = installRequestCosts(entry);
      const require = createRequire(entry);
      const v4 = require('uuid/v4');
      const ids = Array.from({ length: 1000 }, () => v4());
      const { BatchSerialization } = require(path.join(path.dirname(entry), 'table/batch/BatchSerialization.js'));
      const serializer = new BatchSerialization();
      serializer.extractBatchBoundary('--batch_' + ids[0] + '\\r\\n' + '%'.repeat(10));
      console.log(JSON.stringify({ installed, ids, boundary: serializer.batchBoundary, patched: !String(BatchSerialization.prototype.extractBatchBoundary).includes('decodeURI') }));
    `;
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as {
      ids: string[];
      boundary: string;
      patched: boolean;
    };
    expect(new Set(out.ids).size).toBe(1000);
    for (const id of out.ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(out.boundary).toBe(`--batch_${out.ids[0]}`);
    expect(out.patched).toBe(true);
  });
});
