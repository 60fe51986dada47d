import { appendFile, cp, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTestDir } from '../support/embedded.js';
import { expandLocalPaths, refForLocalPath } from '../../src/lib/storage/LocalLogSource.js';
import { randomBytes } from 'node:crypto';
import { processFile } from '../../src/lib/processing/processFile.js';
import { asJsonLines, blobPath, normalizeAll, roomsRecords } from '../support/roomsLogs.js';
import { cli } from '../support/cli.js';
import {
  appendToBlob,
  azuriteConnectionString,
  newContainer,
  newTableStore,
  readAggregates,
  referenceAggregates,
  testDeps,
  uniquePrefix,
} from '../support/storage.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'acs-logs-copies-'));
});
afterAll(async () => {
  await removeTestDir(work);
});

function recordsOf(stdout: string): number {
  const match = /: (\d+) records,/.exec(stdout);
  if (!match) throw new Error(`no summary in: ${stdout}`);
  return Number(match[1]);
}

describe('process: copies are the files they copy', () => {
  it("a download older than what the app read of its blob, processed into the app's tables, adds nothing: told by the blob's own bytes", async () => {
    const records = roomsRecords(30, 171);
    const text = asJsonLines(records);
    const container = await newContainer(azuriteConnectionString(), `insights-logs-roomsoperational-${randomBytes(4).toString('hex')}`);
    const tables = newTableStore();
    const file = { container: container.containerName, path: blobPath(2) };
    // The app read the blob whole; a download was taken while it was half written.
    await appendToBlob(container, file.path, text);
    expect((await processFile(file, testDeps(tables))).records).toBe(30);
    const download = path.join(work, 'half-download', container.containerName, ...file.path.split('/'));
    await mkdir(path.dirname(download), { recursive: true });
    await writeFile(download, text.slice(0, text.indexOf('\n', text.length / 2) + 1));
    const run = await cli(['process', path.join(work, 'half-download'), '--connection-string', azuriteConnectionString(), '--table-prefix', tables.prefix]);
    expect(run.code).toBe(0);
    expect(recordsOf(run.stdout)).toBe(0);
    expect(run.stdout).toContain('older copy of a file read further already');
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
  });

  it('a `cp -r` copy of a laid-out tree processed again reads no record twice', async () => {
    const tree = path.join(work, 'tree');
    expect((await cli(['generate', '--out', tree, '--hours', '1', '--seed', '8'])).code).toBe(0);
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix(), '--quiet'];
    const first = await cli(['process', tree, ...storage]);
    expect(recordsOf(first.stdout)).toBeGreaterThan(50);
    await cp(tree, path.join(work, 'tree-copy'), { recursive: true });

    const again = await cli(['process', path.join(work, 'tree-copy'), ...storage]);
    expect(again.code).toBe(0);
    expect(recordsOf(again.stdout)).toBe(0);
  });

  it('a second download or copy beside a blob in a laid-out tree (`PT1H (1).json`, `PT1H - Copy.json`) is that blob: nothing twice, only what it adds', async () => {
    const tree = path.join(work, 'beside');
    expect((await cli(['generate', '--out', tree, '--hours', '1', '--seed', '9'])).code).toBe(0);
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix(), '--quiet'];
    expect(recordsOf((await cli(['process', tree, ...storage])).stdout)).toBeGreaterThan(50);
    const blob = (await expandLocalPaths([tree])).find((file) => file.includes('insights-logs-roomsoperational'));
    if (!blob) throw new Error('no Rooms blob generated');
    for (const name of ['PT1H (1).json', 'PT1H - Copy.json', 'PT1H copy.json', 'PT1H 2.json', 'Copy of PT1H.json', 'Copy (2) of PT1H (1).json']) {
      await cp(blob, path.join(path.dirname(blob), name));
      expect(refForLocalPath(path.join(path.dirname(blob), name))).toEqual(refForLocalPath(blob));
    }
    expect(recordsOf((await cli(['process', tree, ...storage])).stdout)).toBe(0);
    // A later download, longer: only its new lines count.
    await appendFile(path.join(path.dirname(blob), 'PT1H (1).json'), asJsonLines(roomsRecords(7, 34)));
    expect(recordsOf((await cli(['process', path.join(path.dirname(blob), 'PT1H (1).json'), ...storage])).stdout)).toBe(7);
    expect(recordsOf((await cli(['process', tree, ...storage])).stdout)).toBe(0);
    // A file of another name is no copy: `PT1Hx.json` and `PT1H.json.bak` keep their own paths.
    expect(refForLocalPath(path.join(path.dirname(blob), 'PT1Hx.json')).path).toMatch(/PT1Hx\.json$/);
    expect(refForLocalPath(path.join(path.dirname(blob), 'PT1H.json.bak')).path).toMatch(/PT1H\.json\.bak$/);
    expect(refForLocalPath(path.join(path.dirname(blob), 'Copy of PT1Hx.json')).path).toMatch(/Copy of PT1Hx\.json$/);
  });

  it('a single file copied, moved or renamed elsewhere is the same file: only bytes beyond what was read count', async () => {
    const records = roomsRecords(60, 31);
    const original = path.join(work, 'exports', 'export.json');
    await mkdir(path.dirname(original), { recursive: true });
    await writeFile(original, asJsonLines(records.slice(0, 40)));
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix(), '--quiet'];
    expect(recordsOf((await cli(['process', original, ...storage])).stdout)).toBe(40);

    const copy = path.join(work, 'elsewhere', 'renamed.json');
    await mkdir(path.dirname(copy), { recursive: true });
    await cp(original, copy);
    expect(recordsOf((await cli(['process', copy, ...storage])).stdout)).toBe(0);

    await appendFile(copy, asJsonLines(records.slice(40)));
    const grown = await cli(['process', copy, ...storage.filter((flag) => flag !== '--quiet')]);
    expect(recordsOf(grown.stdout)).toBe(20);
    // Named by where its bytes were read, not by the file it copies.
    expect(grown.stdout).toContain(`${copy}: file processed`);
    expect(grown.stdout).not.toContain(`${original}:`);
    // The original itself is still what was read first: nothing new in it.
    expect(recordsOf((await cli(['process', original, ...storage])).stdout)).toBe(0);
  });

  it('a lone PT1H.json downloaded from a blob and the blob itself count every record once, whichever is read first', async () => {
    const records = roomsRecords(40, 35);
    const container = await newContainer(azuriteConnectionString(), `insights-logs-roomsoperational-${randomBytes(4).toString('hex')}`);
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix(), '--quiet'];
    const backfill = ['backfill', '--container', container.containerName, ...storage.slice(0, 4)];
    const backfilled = async (): Promise<number> => {
      const run = await cli(backfill);
      expect(run.code).toBe(0);
      return Number(/ (\d+) records,/.exec(run.stdout)?.[1]);
    };
    // Downloaded first (`az storage blob download -f PT1H.json`), processed, then the account backfilled.
    await appendToBlob(container, blobPath(1), asJsonLines(records.slice(0, 20)));
    const first = path.join(work, 'lone', 'first', 'PT1H.json');
    await mkdir(path.dirname(first), { recursive: true });
    await writeFile(first, asJsonLines(records.slice(0, 12)));
    expect(recordsOf((await cli(['process', first, ...storage])).stdout)).toBe(12);
    expect(await backfilled()).toBe(8);
    // The other way round: the blob backfilled, then a download of it processed.
    await appendToBlob(container, blobPath(2), asJsonLines(records.slice(20)));
    expect(await backfilled()).toBe(20);
    const second = path.join(work, 'lone', 'second', 'PT1H.json');
    await mkdir(path.dirname(second), { recursive: true });
    await writeFile(second, asJsonLines(records.slice(20)));
    expect(recordsOf((await cli(['process', second, ...storage])).stdout)).toBe(0);
    expect(await backfilled()).toBe(0);
    const query = await cli(['query', 'rooms-operations', '--format', 'json', '--from', '2024-05-24', '--to', '2024-05-27', ...storage.slice(0, 4)]);
    const rows = JSON.parse(query.stdout) as { count: number }[];
    expect(rows.reduce((sum, row) => sum + row.count, 0)).toBe(40);
  });

  it('copies given together are read once; a different file that starts the same is its own file', async () => {
    const records = roomsRecords(30, 32);
    const other = roomsRecords(30, 33);
    const dir = path.join(work, 'together');
    await mkdir(path.join(dir, 'a'), { recursive: true });
    await mkdir(path.join(dir, 'b'), { recursive: true });
    await writeFile(path.join(dir, 'a', 'export.json'), asJsonLines(records));
    await writeFile(path.join(dir, 'b', 'export.json'), asJsonLines(records));
    // Same first ten lines (far more than the 256 bytes the lookup uses), then other records.
    await writeFile(path.join(dir, 'b', 'longer.json'), asJsonLines([...records.slice(0, 10), ...other.slice(10)]));
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix(), '--quiet'];

    const run = await cli(['process', path.join(dir, 'a'), path.join(dir, 'b'), ...storage]);
    expect(run.code).toBe(0);
    expect(recordsOf(run.stdout)).toBe(60);
  });
});
