import { describe, expect, it } from 'vitest';
import { QuarantineStore } from '../../src/lib/processing/quarantine.js';
import { cli } from '../support/cli.js';
import { quarantineEntry } from '../support/quarantineEntries.js';
import { azuriteConnectionString, newTableStore, uniquePrefix } from '../support/storage.js';

describe('quarantine list, dismiss and purge with a connection string that names only the table endpoint', () => {
  it('read and change the entries: they read no log file, so they need no blob endpoint', async () => {
    const prefix = uniquePrefix();
    const tablesOnly = azuriteConnectionString().replace(/BlobEndpoint=[^;]*;?/, '');
    expect(tablesOnly).toContain('TableEndpoint=');
    expect(tablesOnly).not.toContain('BlobEndpoint=');
    await new QuarantineStore(newTableStore(azuriteConnectionString(), prefix)).put({ container: 'local', path: '/logs/a.json' }, [
      quarantineEntry('/logs/a.json', 0),
      quarantineEntry('/logs/a.json', 20),
    ]);
    const storage = ['--connection-string', tablesOnly, '--table-prefix', prefix];

    const listed = await cli(['quarantine', 'list', '--format', 'json', ...storage]);
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toHaveLength(2);

    const dismissed = await cli(['quarantine', 'dismiss', '--container', 'local', '--reason', 'junk', ...storage]);
    expect(dismissed.stderr).toBe('');
    expect(dismissed.code).toBe(0);
    expect(dismissed.stdout).toMatch(/^dismissed 2 entries \(2 lines\)/);

    const purged = await cli(['quarantine', 'purge', ...storage]);
    expect(purged.stderr).toBe('');
    expect(purged.code).toBe(0);
    expect(purged.stdout).toMatch(/^purged the text of 2 entries \(2 lines\)/);
  });

  it('replay, which reads the blobs of its entries again, refuses it as usage, naming the endpoint it lacks', async () => {
    const tablesOnly = azuriteConnectionString().replace(/BlobEndpoint=[^;]*;?/, '');
    const replayed = await cli(['quarantine', 'replay', '--connection-string', tablesOnly, '--table-prefix', uniquePrefix()]);
    expect(replayed.code).toBe(2);
    expect(replayed.stderr).toMatch(/no BlobEndpoint= for the log blobs/);
  });
});
