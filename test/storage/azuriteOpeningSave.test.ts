import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTestDir } from '../support/embedded.js';
import { startAzurite as startAzuriteAt, type AzuriteInstance } from '../../src/lib/storage/azurite.js';
import { openingSaveNeeded } from '../../src/lib/storage/azuriteOpeningSave.js';
import { saveFailedPath } from '../../src/lib/storage/azuriteStreamedSave.js';

describe('the save Azurite makes as its table store opens', () => {
  const clean = { autosaveDirty: () => false };
  const changed = { autosaveDirty: () => true };
  const none = (): boolean => false;

  it('is needed only when the load left something unsaved, or a failed save is on record', () => {
    expect(openingSaveNeeded({ initialized: false, lokiDBPath: '/d/db.json', db: clean }, none)).toBe(false);
    expect(openingSaveNeeded({ initialized: false, lokiDBPath: '/d/db.json', db: changed }, none)).toBe(true);
    expect(openingSaveNeeded({ initialized: false, lokiDBPath: '/d/db.json', db: clean }, (dbname) => dbname === '/d/db.json')).toBe(true);
  });

  it('leaves every other save, and a store it cannot read, to Azurite', () => {
    expect(openingSaveNeeded({ initialized: true, lokiDBPath: '/d/db.json', db: clean }, none)).toBe(true);
    expect(openingSaveNeeded({ lokiDBPath: '/d/db.json', db: clean }, none)).toBe(true);
    expect(openingSaveNeeded({ initialized: false, lokiDBPath: '/d/db.json', db: {} }, none)).toBe(true);
    expect(openingSaveNeeded({ initialized: false, db: clean }, none)).toBe(true);
  });
});

describe('the embedded Azurite opening a saved store', () => {
  let dir: string;
  // Every Azurite started, stopped at the end even when an assertion failed first.
  const started: AzuriteInstance[] = [];
  const startAzurite = async (options: { location: string }): Promise<AzuriteInstance> => {
    const azurite = await startAzuriteAt(options);
    started.push(azurite);
    return azurite;
  };
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'opening-save-'));
  });
  afterAll(async () => {
    await Promise.all(started.map((azurite) => azurite.stop()));
    await removeTestDir(dir);
  });

  const database = (location: string): string => path.join(location, '__azurite_db_table__.json');
  const written = async (file: string): Promise<string> => {
    const { ino, mtimeMs, size } = await stat(file);
    return `${ino}/${mtimeMs}/${size}`;
  };
  const table = (connectionString: string): TableClient => TableClient.fromConnectionString(connectionString, 'Opened', { allowInsecureConnection: true });

  it('does not rewrite a database it did not change, and saves one it did', async () => {
    const location = path.join(dir, 'store');
    const first = await startAzurite({ location });
    // A new database is saved as it opens, as Azurite always did.
    const made = await written(database(location));
    await table(first.connectionString).createTable();
    await table(first.connectionString).upsertEntity({ partitionKey: 'p', rowKey: 'r', n: 1 }, 'Replace');
    await first.stop();
    const saved = await written(database(location));
    expect(saved).not.toBe(made);

    // Opened and only read: the file is the one saved before, not rewritten as it opens or stops.
    const reader = await startAzurite({ location });
    expect(await written(database(location))).toBe(saved);
    expect((await table(reader.connectionString).getEntity('p', 'r'))['n']).toBe(1);
    await reader.stop();
    expect(await written(database(location))).toBe(saved);

    // Opened and written: saved when it stops.
    const writer = await startAzurite({ location });
    await table(writer.connectionString).upsertEntity({ partitionKey: 'p', rowKey: 'r', n: 2 }, 'Replace');
    await writer.stop();
    expect(await written(database(location))).not.toBe(saved);
    const again = await startAzurite({ location });
    expect((await table(again.connectionString).getEntity('p', 'r'))['n']).toBe(2);
    await again.stop();
  }, 120_000);

  it('saves as it opens when its last save failed, which clears the record of it', async () => {
    const location = path.join(dir, 'failed');
    const first = await startAzurite({ location });
    await table(first.connectionString).createTable();
    await first.stop();
    const record = saveFailedPath(database(location));
    await writeFile(record, JSON.stringify({ at: '2026-12-01T00:00:00.000Z', error: 'ENOSPC: no space left on device' }));
    const before = await written(database(location));

    const opened = await startAzurite({ location });
    await expect(readFile(record)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await written(database(location))).not.toBe(before);
    await opened.stop();
  }, 120_000);
});
