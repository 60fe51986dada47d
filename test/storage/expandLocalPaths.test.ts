import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTestDir } from '../support/embedded.js';
import { expandLocalPaths } from '../../src/lib/storage/LocalLogSource.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'acs-logs-expand-'));
});
afterAll(async () => {
  await removeTestDir(work);
});

describe('expandLocalPaths', () => {
  it('lists a folder of 200,000 files (spread as arguments, they overflowed the stack)', async () => {
    // In memory where there is a tmpfs: 200,000 files take a second there, up to a minute on a busy disk.
    const base = await mkdtemp(path.join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'acs-logs-many-'));
    const folder = path.join(base, 'many', 'inner');
    await mkdir(folder, { recursive: true });
    execFileSync('bash', ['-c', 'seq -f %06g.json 1 200000 | xargs touch'], { cwd: folder });
    const files = await expandLocalPaths([path.join(base, 'many')]).finally(() => rm(base, { recursive: true, force: true }));
    expect(files).toHaveLength(200_000);
    expect(files[0]).toBe(path.join(folder, '000001.json'));
    expect(files[199_999]).toBe(path.join(folder, '200000.json'));
  }, 60_000);

  it('refuses an empty path instead of reading the working folder', async () => {
    await expect(expandLocalPaths([''])).rejects.toMatchObject({ code: 'EEMPTY', message: /empty path/ });
  });

  it('walks nested folders, skips hidden entries and lists each file once, sorted', async () => {
    const root = path.join(work, 'nested');
    await mkdir(path.join(root, 'b', '.hidden'), { recursive: true });
    await mkdir(path.join(root, 'a'), { recursive: true });
    await writeFile(path.join(root, 'b', 'two.json'), '');
    await writeFile(path.join(root, 'b', '.hidden', 'no.json'), '');
    await writeFile(path.join(root, 'a', 'one.json'), '');
    await writeFile(path.join(root, '.dot.json'), '');
    const files = await expandLocalPaths([root, path.join(root, 'a'), path.join(root, 'a', 'one.json')]);
    expect(files).toEqual([path.join(root, 'a', 'one.json'), path.join(root, 'b', 'two.json')]);
  });

  it('follows symbolic links to folders and files (a download spread over disks), each folder once, even in a loop', async () => {
    const root = path.join(work, 'linked');
    const elsewhere = path.join(work, 'other-disk', 'insights-logs-usage');
    await mkdir(path.join(root, 'insights-logs-roomsoperational'), { recursive: true });
    await mkdir(elsewhere, { recursive: true });
    await writeFile(path.join(root, 'insights-logs-roomsoperational', 'PT1H.json'), '');
    await writeFile(path.join(elsewhere, 'PT1H.json'), '');
    await symlink(elsewhere, path.join(root, 'insights-logs-usage'));
    await symlink(path.join(elsewhere, 'PT1H.json'), path.join(root, 'insights-logs-roomsoperational', 'linked.json'));
    await symlink(root, path.join(root, 'insights-logs-roomsoperational', 'loop'));
    const missing: string[] = [];
    await symlink(path.join(work, 'nowhere'), path.join(root, 'broken'));
    const files = await expandLocalPaths([root], { unreadable: (folder) => missing.push(folder.path) });
    expect(files).toEqual([
      path.join(root, 'insights-logs-roomsoperational', 'PT1H.json'),
      path.join(root, 'insights-logs-roomsoperational', 'linked.json'),
      path.join(root, 'insights-logs-usage', 'PT1H.json'),
    ]);
    expect(missing).toEqual([path.join(root, 'broken')]);
  });

  it('reads only files named as logs in folders, reports the others, and reads any file named on its own', async () => {
    const root = path.join(work, 'mixed');
    const hour = path.join(root, 'insights-logs-usage', 'y=2024', 'm=05', 'd=25', 'h=00', 'm=00');
    await mkdir(hour, { recursive: true });
    const logs = ['PT1H.json', 'PT1H (1).json', 'export.JSONL', 'more.ndjson', 'PT1H.json.gz', 'archive.zip', 'a.zst', 'b.xz', 'c.bz2'];
    const others = ['README.md', 'desktop.ini', 'Thumbs.db', 'checksums.sha256', 'PT1H.json.part', 'notes.txt', 'noextension'];
    for (const name of [...logs, ...others]) await writeFile(path.join(hour, name), '');
    const skipped: string[] = [];
    const files = await expandLocalPaths([root], { skipped: (file) => skipped.push(file) });
    expect(files).toEqual(logs.map((name) => path.join(hour, name)).sort());
    expect(skipped.sort()).toEqual(others.map((name) => path.join(hour, name)).sort());
    // Named on its own, a file is read whatever its name: the user chose it.
    expect(await expandLocalPaths([path.join(hour, 'notes.txt')])).toEqual([path.join(hour, 'notes.txt')]);
  });
  it('names a FIFO or device in a folder instead of leaving it unread unseen: one named as a log is reported, the others skipped', async () => {
    const root = path.join(work, 'special');
    await mkdir(root, { recursive: true });
    await writeFile(path.join(root, 'PT1H.json'), '');
    execFileSync('mkfifo', [path.join(root, 'pipe.json'), path.join(root, 'pipe')]);
    await symlink('/dev/zero', path.join(root, 'zero.jsonl'));
    const unreadable: string[] = [];
    const skipped: string[] = [];
    const files = await expandLocalPaths([root], { unreadable: (folder) => unreadable.push(folder.path), skipped: (file) => skipped.push(file) });
    expect(files).toEqual([path.join(root, 'PT1H.json')]);
    expect(unreadable.sort()).toEqual([path.join(root, 'pipe.json'), path.join(root, 'zero.jsonl')]);
    expect(skipped).toEqual([path.join(root, 'pipe')]);
  });

  it('reports a name that is not UTF-8 (Node reads it with U+FFFD, a name that opens nothing) instead of leaving it unread unseen', async () => {
    const root = path.join(work, 'latin1');
    await mkdir(root, { recursive: true });
    await writeFile(path.join(root, 'fine.json'), '');
    // Two names that differ only in a byte that is not UTF-8 read as one name.
    await copyFile(path.join(root, 'fine.json'), Buffer.from(`${root}/caf\xe9.json`, 'latin1'));
    await copyFile(path.join(root, 'fine.json'), Buffer.from(`${root}/caf\xe8.json`, 'latin1'));
    await mkdir(Buffer.from(`${root}/d\xff`, 'latin1'));
    await copyFile(path.join(root, 'fine.json'), Buffer.from(`${root}/notes\xe9.txt`, 'latin1'));
    const missing: { path: string; code: unknown }[] = [];
    const skipped: string[] = [];
    const files = await expandLocalPaths([root], {
      unreadable: (entry) => missing.push({ path: entry.path, code: (entry.error as NodeJS.ErrnoException).code }),
      skipped: (file) => skipped.push(file),
    });
    // A file not named as a log is skipped, as it would be whatever its name: no reason to fail the run.
    expect(skipped).toEqual([path.join(root, 'notes\ufffd.txt')]);
    expect(files).toEqual([path.join(root, 'fine.json')]);
    expect(missing).toEqual([
      { path: path.join(root, 'caf\ufffd.json'), code: 'ENOTUTF8' },
      { path: path.join(root, 'caf\ufffd.json'), code: 'ENOTUTF8' },
      { path: path.join(root, 'd\ufffd'), code: 'ENOTUTF8' },
    ]);
  });
  it('says why a name given that is not UTF-8 is not found (it reaches Node with U+FFFD), and a name truly holding U+FFFD is read', async () => {
    const root = path.join(work, 'latin1-given');
    await mkdir(root, { recursive: true });
    await writeFile(Buffer.from(`${root}/caf\xe9.json`, 'latin1'), '');
    await expect(expandLocalPaths([path.join(root, 'caf\ufffd.json')])).rejects.toMatchObject({
      code: 'ENOTUTF8',
      message: expect.stringMatching(/not UTF-8.*rename it/),
    });
    await expect(expandLocalPaths([path.join(root, 'gone.json')])).rejects.toMatchObject({ code: 'ENOENT' });
    await writeFile(path.join(root, 'real\ufffd.json'), '');
    expect(await expandLocalPaths([path.join(root, 'real\ufffd.json')])).toEqual([path.join(root, 'real\ufffd.json')]);
  });
});
