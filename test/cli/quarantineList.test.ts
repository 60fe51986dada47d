import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { quarantineListCommand } from '../../src/cli/commands/quarantine.js';
import { QuarantineStore } from '../../src/lib/processing/quarantine.js';
import { quarantineEntry } from '../support/quarantineEntries.js';
import { azuriteConnectionString, newTableStore, uniquePrefix } from '../support/storage.js';
import { waitFor } from '../support/embedded.js';

/** An output that takes its first write and then holds every further one until `release`. */
function heldOutput(): { out: Writable; chunks: string[]; release: () => void } {
  const chunks: string[] = [];
  let held: (() => void) | undefined;
  let released = false;
  const out = new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      if (chunks.length === 1 && !released) held = done;
      else done();
    },
  });
  return {
    out,
    chunks,
    release: () => {
      released = true;
      held?.();
    },
  };
}

describe('quarantine list', () => {
  it.each(['json', 'csv', 'table'] as const)(
    'writes each entry (%s) as the listing reaches it, not after reading every entry: an entry added behind the first page is listed too',
    async (format) => {
      const prefix = uniquePrefix();
      const tables = newTableStore(azuriteConnectionString(), prefix);
      const store = new QuarantineStore(tables);
      // Three pages of entries; the held output stops the listing at its first entry.
      await store.put(
        { container: 'local', path: '/logs/a.json' },
        Array.from({ length: 2_500 }, (_, i) => quarantineEntry('/logs/a.json', i)),
      );
      const { out, chunks, release } = heldOutput();
      const listing = quarantineListCommand({ format, connectionString: azuriteConnectionString(), tablePrefix: prefix, dataDir: './unused' }, out);
      await waitFor('the first entry written', () => (chunks.length > 0 ? true : undefined));
      // Sorts after every entry listed so far: only a listing still going reaches it.
      await store.put({ container: 'local', path: '/logs/z.json' }, [quarantineEntry('/logs/z.json', 7)]);
      release();
      await listing;
      const text = chunks.join('');
      if (format === 'json') {
        const rows = JSON.parse(text) as Array<{ path: string }>;
        expect(rows).toHaveLength(2_501);
        expect(rows.at(-1)?.path).toBe('/logs/z.json');
      } else if (format === 'csv') {
        expect(text.trimEnd().split('\n')).toHaveLength(2_502);
        expect(text).toContain('/logs/z.json');
      } else {
        expect(text.split('\n\n')).toHaveLength(2_501);
        expect(text).toContain('/logs/z.json');
      }
    },
  );
});
