import { statSync } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTestDir } from '../support/embedded.js';
import { cli, startCli } from '../support/cli.js';
import { resolveAzuriteEntry } from '../../src/lib/storage/azurite.js';
import {
  installStreamedSave,
  saveFailedPath,
  serializeInChunks,
  STREAMED_HEADER,
  StreamedFileAdapter,
  writeWhole,
  type SaveHandle,
} from '../../src/lib/storage/azuriteStreamedSave.js';

interface Doc {
  $loki?: number;
  meta?: unknown;
  [key: string]: unknown;
}
interface Collection {
  name: string;
  data: Doc[];
  insert(doc: Doc): Doc;
  find(): Doc[];
}
interface Loki {
  collections: Collection[];
  addCollection(name: string, options?: Record<string, unknown>): Collection;
  getCollection(name: string): Collection | null;
  saveDatabase(callback: (error: Error | null) => void): void;
  loadDatabase(options: Record<string, unknown>, callback: (error: unknown) => void): void;
  serialize(options: { serializationMethod: 'normal' }): string;
}
type LokiConstructor = new (filename: string, options?: Record<string, unknown>) => Loki;

// The LokiJS Azurite loads (the preload patches that copy).
const azuriteRequire = createRequire(createRequire(import.meta.url).resolve('azurite/package.json'));
const Loki = azuriteRequire('lokijs') as LokiConstructor;

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'acs-logs-loki-'));
});
afterAll(async () => {
  await removeTestDir(work);
});

const save = (db: Loki): Promise<Error | null> => new Promise((resolve) => db.saveDatabase((error) => resolve(error)));
const load = (db: Loki): Promise<unknown> => new Promise((resolve) => db.loadDatabase({}, (error) => resolve(error)));
const plain = (docs: Doc[]): Doc[] => docs.map(({ meta: _meta, ...rest }) => rest);

/** A filled database saved by an adapter that serves it, autosaving every `autosaveInterval` ms. */
function served(name: string, autosaveInterval: number): { file: string; adapter: StreamedFileAdapter; db: Loki } {
  const file = path.join(work, name);
  const adapter = new StreamedFileAdapter();
  const db = filled(file, { adapter, autosave: true, autosaveInterval });
  adapter.serve(db as never);
  return { file, adapter, db };
}
const close = (db: Loki): Promise<unknown> => new Promise((resolve) => (db as unknown as { close(callback: (error: unknown) => void): void }).close(resolve));
/** The rows of the calls table in the file as saved. */
async function savedRows(file: string): Promise<number> {
  const saved = new Loki(file, { adapter: new StreamedFileAdapter() });
  expect(await load(saved)).toBeNull();
  return (saved.getCollection('devstoreaccount1$AcsCalls') as Collection).data.length;
}

function filled(file: string, options: Record<string, unknown>): Loki {
  const db = new Loki(file, options);
  const entities = db.addCollection('$TABLES_COLLECTION$', { indices: ['table'] });
  const rows = db.addCollection('devstoreaccount1$AcsCalls');
  entities.insert({ table: 'AcsCalls', account: 'devstoreaccount1' });
  const odd = ['line\nbreak', 'carriage\rreturn', 'sep\u2028arator', '😀 emoji', '"quoted" \\ slash', '\u0000nul'];
  for (let i = 0; i < 500; i++)
    rows.insert({ PartitionKey: `p${i % 7}`, RowKey: `r${i}`, properties: { text: odd[i % odd.length], n: i, nested: { a: [i, null, true] } } });
  db.addCollection('empty');
  return db;
}

describe('the embedded store saves a document per line (past V8 string limit)', () => {
  it('saves and loads every collection and document, and new inserts continue the ids', async () => {
    const file = path.join(work, 'round-trip.json');
    const db = filled(file, { adapter: new StreamedFileAdapter() });
    expect(await save(db)).toBeNull();
    expect((await readFile(file, 'utf8')).startsWith(STREAMED_HEADER)).toBe(true);

    const again = new Loki(file, { adapter: new StreamedFileAdapter() });
    expect(await load(again)).toBeNull();
    expect(again.collections.map((collection) => [collection.name, collection.data.length])).toEqual([
      ['$TABLES_COLLECTION$', 1],
      ['devstoreaccount1$AcsCalls', 500],
      ['empty', 0],
    ]);
    const rows = again.getCollection('devstoreaccount1$AcsCalls') as Collection;
    expect(plain(rows.find())).toEqual(plain((db.getCollection('devstoreaccount1$AcsCalls') as Collection).find()));
    expect(rows.insert({ PartitionKey: 'p', RowKey: 'new' }).$loki).toBe(501);
  });

  it('loads a database LokiJS saved as one JSON text, and saves it the new way', async () => {
    const file = path.join(work, 'legacy.json');
    const legacy = filled(file, { persistenceMethod: 'fs' });
    expect(await save(legacy)).toBeNull();
    expect((await readFile(file, 'utf8')).startsWith('{"filename":')).toBe(true);

    const db = new Loki(file, { adapter: new StreamedFileAdapter() });
    expect(await load(db)).toBeNull();
    expect(plain((db.getCollection('devstoreaccount1$AcsCalls') as Collection).find())).toEqual(
      plain((legacy.getCollection('devstoreaccount1$AcsCalls') as Collection).find()),
    );
    expect(await save(db)).toBeNull();
    expect((await readFile(file, 'utf8')).startsWith(STREAMED_HEADER)).toBe(true);
  });

  it('refuses a file cut inside a save, rather than loading part of it', async () => {
    const file = path.join(work, 'cut.json');
    expect(await save(filled(file, { adapter: new StreamedFileAdapter() }))).toBeNull();
    await truncate(file, (await stat(file)).size - 100);
    expect(String(await load(new Loki(file, { adapter: new StreamedFileAdapter() })))).toMatch(/ends inside a save|documents where its header counts/);
  });

  it('a save that fails is told to the caller and recorded beside the database, until one succeeds', async () => {
    const file = path.join(work, 'fails.json');
    // A folder where the file being written goes: the save fails as on a full or read-only disk.
    await mkdir(`${file}~`);
    const adapter = new StreamedFileAdapter();
    const db = filled(file, { adapter });
    adapter.serve(db as never);
    expect(await save(db)).toBeInstanceOf(Error);
    expect(JSON.parse(await readFile(saveFailedPath(file), 'utf8'))).toMatchObject({ error: expect.stringMatching(/EISDIR/) });
    // Still to be saved: the next autosave, or the save at close, tries again.
    expect(db.collections.every((collection) => (collection as unknown as { dirty: boolean }).dirty)).toBe(true);
    await rm(`${file}~`, { recursive: true });
    expect(await save(db)).toBeNull();
    await expect(stat(saveFailedPath(file))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('keeps a write made while a save is written to be saved next (the save holds the store as it was when it began)', async () => {
    const { file, db } = served('written-meanwhile.json', 3_600_000);
    const dirty = (): boolean[] => db.collections.map((collection) => (collection as unknown as { dirty: boolean }).dirty);
    const saving = save(db);
    // The save serialized the store at once and is writing it out: this row is not in it.
    (db.getCollection('devstoreaccount1$AcsCalls') as Collection).insert({ PartitionKey: 'p', RowKey: 'meanwhile' });
    expect(await saving).toBeNull();
    expect(dirty()).toEqual([false, true, false]);

    expect(await savedRows(file)).toBe(500);
    // So the save at close (or the next autosave) keeps it.
    expect(await close(db)).toBeNull();
    expect(await savedRows(file)).toBe(501);
  });

  it('a close while a save is written ends after that save is on disk, not before, and saves nothing twice', async () => {
    const { file, db } = served('closed-while-saving.json', 3_600_000);
    let savedAs: number | undefined;
    void save(db).then(() => (savedAs = statSync(file).ino));
    // Azurite exits when its databases have closed: a save still being written would be cut.
    await close(db);
    expect(savedAs).toBeDefined();
    // Nothing was written since that save began: it is not made again (on a GB, another 25 s).
    expect(statSync(file).ino).toBe(savedAs);
    expect(await savedRows(file)).toBe(500);
  });

  it('an idle store is not saved again and again (autosave ticking while saves are written)', async () => {
    // A tick every millisecond: every save, written over several turns of the event loop, outlasts one.
    const { file, adapter, db } = served('idle-autosave.json', 1);
    let saves = 0;
    const exportDatabase = adapter.exportDatabase.bind(adapter);
    adapter.exportDatabase = (dbname, dbref, callback) => {
      saves++;
      exportDatabase(dbname, dbref, callback);
    };
    const saving = save(db);
    // Written while that save is written: saved by the next one, and then nothing is left to save.
    (db.getCollection('devstoreaccount1$AcsCalls') as Collection).insert({ PartitionKey: 'p', RowKey: 'meanwhile' });
    expect(await saving).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 300));
    (db as unknown as { autosaveDisable(): void }).autosaveDisable();
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Two saves for the two moments of the store (three with a tick queued by the first one), not one after every save while it is idle.
    expect(saves).toBeLessThanOrEqual(3);
    expect(await savedRows(file)).toBe(501);
  });

  it('writes on when the disk takes fewer bytes than asked, and keeps the previous save when it takes none', async () => {
    const file = path.join(work, 'short.json');
    await writeFile(file, 'the previous save');
    const chunks = [Buffer.from('a'.repeat(5000)), Buffer.from('b'.repeat(3000))];
    // A disk with room for `room` more bytes: each write takes at most 700 of them, and none once full.
    const disk =
      (room: number) =>
      async (name: string): Promise<SaveHandle> => {
        const real = await open(name, 'w');
        let left = room;
        return {
          write: async (buffer, offset, length) => {
            const taken = Math.min(length, 700, left);
            left -= taken;
            return taken === 0 ? { bytesWritten: 0 } : real.write(buffer, offset, taken);
          },
          datasync: () => real.datasync(),
          stat: () => real.stat(),
          close: () => real.close(),
        };
      };
    await writeWhole(file, chunks, disk(1e6));
    expect(await readFile(file, 'utf8')).toBe('a'.repeat(5000) + 'b'.repeat(3000));
    // Full after 6,000 of the 8,000 bytes: the save fails, the previous one stays whole, the partial file goes.
    await writeFile(file, 'the previous save');
    await expect(writeWhole(file, chunks, disk(6000))).rejects.toThrow(/the disk took no more bytes \(6000 of the save written\)/);
    expect(await readFile(file, 'utf8')).toBe('the previous save');
    await expect(stat(`${file}~`)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('does not save into a folder that replaced the one it was loaded from (a data dir removed and made again)', async () => {
    const folder = path.join(work, 'replaced');
    await mkdir(folder);
    const file = path.join(folder, 'db.json');
    const adapter = new StreamedFileAdapter();
    const db = filled(file, { adapter });
    expect(await load(db)).toBeNull();
    // Its own folder: saved, and saved again (each save renames a file in it, which moves its change time).
    expect(await save(db)).toBeNull();
    const first = (await stat(file)).size;
    db.getCollection('empty')?.insert({ added: 'after the first save' });
    expect(await save(db)).toBeNull();
    expect((await stat(file)).size).toBeGreaterThan(first);
    await rm(folder, { recursive: true });
    await mkdir(folder);
    await writeFile(file, 'the new store');
    expect(await save(db)).toBeNull();
    expect(await readFile(file, 'utf8')).toBe('the new store');
    await expect(stat(saveFailedPath(file))).rejects.toMatchObject({ code: 'ENOENT' });
    // Removed and not made again: nothing is made.
    await rm(folder, { recursive: true });
    expect(await save(db)).toBeNull();
    await expect(stat(folder)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('the same for a new database, never loaded (Azurite loads only a file that exists)', async () => {
    installStreamedSave(resolveAzuriteEntry());
    const folder = path.join(work, 'replaced-new');
    await mkdir(folder);
    const file = path.join(folder, 'db.json');
    const db = filled(file, { persistenceMethod: 'fs' });
    expect(await save(db)).toBeNull();
    expect((await readFile(file, 'utf8')).startsWith(STREAMED_HEADER)).toBe(true);
    await rm(folder, { recursive: true });
    await mkdir(folder);
    expect(await save(db)).toBeNull();
    await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('builds the file from chunks of bounded size, never one string of the whole database', () => {
    const db = new Loki('chunks.json');
    const rows = db.addCollection('rows');
    const text = 'x'.repeat(100_000);
    for (let i = 0; i < 200; i++) rows.insert({ i, text });
    const chunks = serializeInChunks(db);
    expect(chunks.length).toBeGreaterThan(2);
    for (const chunk of chunks) expect(chunk.length).toBeLessThan(8 * 1024 * 1024 + 200_000);
    // The database itself is left as it was.
    expect(rows.data).toHaveLength(200);
  });
});

describe('the tables are never saved ahead of the blobs', () => {
  /** A store's blob and table databases in one folder, served as Azurite's are; no autosave. */
  async function store(name: string): Promise<{ folder: string; blobs: Loki; tables: Loki }> {
    const folder = path.join(work, name);
    await mkdir(folder);
    const open = (file: string): Loki => {
      const adapter = new StreamedFileAdapter();
      const db = new Loki(path.join(folder, file), { adapter });
      adapter.serve(db as never);
      return db;
    };
    return { folder, blobs: open('__azurite_db_blob__.json'), tables: open('__azurite_db_table__.json') };
  }
  const savedDocs = async (file: string, collection: string): Promise<Doc[]> => {
    const saved = new Loki(file, { adapter: new StreamedFileAdapter() });
    expect(await load(saved)).toBeNull();
    return saved.getCollection(collection)?.data ?? [];
  };

  it('a table save first saves the blob database beside it, taken after the tables: a checkpoint on disk never names bytes the blob on disk lacks', async () => {
    const { folder, blobs, tables } = await store('ordered');
    const listed = blobs.addCollection('$BLOBS_COLLECTION$');
    const checkpoints = tables.addCollection('devstoreaccount1$AcsFiles');
    // A blob appended to, then a checkpoint past its new bytes; only the tables are saved (as their timer would).
    listed.insert({ name: 'PT1H.json', contentLength: 300 });
    checkpoints.insert({ RowKey: 'PT1H.json', offset: 300 });
    expect(await save(tables)).toBeNull();
    expect(await savedDocs(path.join(folder, '__azurite_db_table__.json'), 'devstoreaccount1$AcsFiles')).toMatchObject([{ offset: 300 }]);
    expect(await savedDocs(path.join(folder, '__azurite_db_blob__.json'), '$BLOBS_COLLECTION$')).toMatchObject([{ contentLength: 300 }]);
    // Saved before the tables' file was written: a kill between the two leaves the blobs ahead, never behind.
    expect(statSync(path.join(folder, '__azurite_db_blob__.json')).mtimeMs).toBeLessThanOrEqual(
      statSync(path.join(folder, '__azurite_db_table__.json')).mtimeMs,
    );
  });

  it('a blob database that cannot be saved fails the table save too, leaving the saved tables as they were', async () => {
    const { folder, blobs, tables } = await store('blobs-unsaved');
    blobs.addCollection('$BLOBS_COLLECTION$').insert({ name: 'PT1H.json', contentLength: 300 });
    tables.addCollection('devstoreaccount1$AcsFiles').insert({ RowKey: 'PT1H.json', offset: 300 });
    // The blob database's file cannot be replaced: a folder stands where it would go.
    await mkdir(path.join(folder, '__azurite_db_blob__.json'));
    expect(await save(tables)).toBeInstanceOf(Error);
    await expect(stat(path.join(folder, '__azurite_db_table__.json'))).rejects.toThrow(/ENOENT/);
  });
});

describe('a failed save of the embedded store', () => {
  it('is told by the next command that uses the store, with what to do', async () => {
    const dataDir = path.join(work, 'data');
    await mkdir(path.join(dataDir, 'azurite'), { recursive: true });
    const failSave = (): Promise<void> =>
      writeFile(
        saveFailedPath(path.join(dataDir, 'azurite', '__azurite_db_table__.json')),
        JSON.stringify({ at: '2026-12-01T00:00:00.000Z', error: 'ENOSPC: no space left on device' }),
      );
    await failSave();
    const run = await startCli(['health', '--data-dir', dataDir]).done;
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('warning: the embedded store in');
    expect(run.stderr).toMatch(
      /could not save __azurite_db_table__\.json at 2026-12-01T00:00:00\.000Z \(ENOSPC: no space left on device\): what was written since its previous save was not kept/,
    );
    // Run in process, the warning is in the command's error stream, where its caller reads it.
    await failSave();
    const here = await cli(['health', '--data-dir', dataDir]);
    expect(here.code).toBe(0);
    expect(here.stderr).toContain('warning: the embedded store in');
  }, 120_000);
});
