import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { removeTestDir } from '../support/embedded.js';
import { cli } from '../support/cli.js';
import { asJsonLines, blobPath, roomsRecords } from '../support/roomsLogs.js';
import { azuriteConnectionString, uniquePrefix } from '../support/storage.js';

// Root reads any folder whatever its mode, so the refusal a user without the permission meets is made here.
vi.mock('node:fs/promises', async (original) => {
  const fs = await original<typeof import('node:fs/promises')>();
  const readdir = ((folder: string, options: unknown) =>
    path.basename(String(folder)) === 'denied'
      ? Promise.reject(Object.assign(new Error(`EACCES: permission denied, scandir '${String(folder)}'`), { code: 'EACCES', path: String(folder) }))
      : fs.readdir(folder, options as never)) as typeof fs.readdir;
  return { ...fs, readdir, default: { ...fs, readdir } };
});

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'acs-logs-unreadable-'));
});
afterAll(async () => {
  await removeTestDir(work);
});

describe('a folder that cannot be listed', () => {
  it('does not stop the files beside it: they are processed, the folder is named, and the run exits 1', async () => {
    const root = path.join(work, 'tree');
    for (const [i, folder] of ['fine', 'denied', 'also-fine'].entries()) {
      const file = path.join(root, folder, 'insights-logs-roomsoperational', blobPath(1));
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, asJsonLines(roomsRecords(10, 700 + i)));
    }
    const run = await cli(['process', root, '--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()]);
    expect(run.stdout).toMatch(/2 file\(s\), 2 with new data: 20 records, .*, 1 folder\(s\) or link\(s\) could not be listed/);
    expect(run.stderr).toContain(`error: cannot list ${path.join(root, 'denied')}: EACCES`);
    expect(run.stderr.trim().split('\n').at(-1)).toMatch(/^acs-logs: 1 folder\(s\) or link\(s\) could not be listed, .*denied/);
    expect(run.code).toBe(1);
  });

  it('a broken symbolic link is named as one (its target gone, as when a disk of a download is not mounted), not as a permission problem', async () => {
    const root = path.join(work, 'linked');
    const file = path.join(root, 'insights-logs-roomsoperational', blobPath(1));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, asJsonLines(roomsRecords(10, 710)));
    const gone = path.join(work, 'unmounted', 'PT1H.json');
    await symlink(gone, path.join(root, 'elsewhere.json'));
    const run = await cli(['process', root, '--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()]);
    expect(run.stdout).toMatch(/1 file\(s\), 1 with new data: 10 records, /);
    expect(run.stderr).toContain(`error: cannot list ${path.join(root, 'elsewhere.json')}: broken symbolic link: its target ${gone} does not exist`);
    expect(run.stderr.trim().split('\n').at(-1)).toMatch(
      /folder\(s\) or link\(s\) could not be listed, .*elsewhere\.json; fix their permissions, links or names/,
    );
    expect(run.code).toBe(1);
  });

  it('given as the input itself, it is a usage error: nothing could be read', async () => {
    const denied = path.join(work, 'denied');
    await mkdir(denied, { recursive: true });
    const run = await cli(['process', denied, '--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/cannot read .*denied.*EACCES/);
  });
});
