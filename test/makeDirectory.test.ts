import { existsSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeDirectory } from '../src/lib/makeDirectory.js';

async function scratch(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'acs-logs-mkdir-'));
}

/** makeDirectory as a promise, so that its failures read as rejections. */
const make = (target: string): Promise<void> => Promise.resolve().then(() => makeDirectory(target));

describe('makeDirectory', () => {
  it('creates every missing level, and is content with a directory that exists', async () => {
    const root = await scratch();
    const target = path.join(root, 'a', 'b', 'c');
    await make(target);
    expect(statSync(target).isDirectory()).toBe(true);
    await make(target);
    await make(root);
  });

  it('names a file in the way instead of treating it as a directory', async () => {
    const root = await scratch();
    const file = path.join(root, 'data');
    writeFileSync(file, 'x');
    await expect(make(file)).rejects.toThrow(`cannot create directory ${file}: a file of that name is in the way`);
    await expect(make(path.join(file, 'below'))).rejects.toThrow(/a part of the path is a file \(ENOTDIR\)/);
  });

  it('names a symbolic link whose target is gone, rather than a file in the way', async () => {
    const root = await scratch();
    const link = path.join(root, 'data');
    symlinkSync(path.join(root, 'gone'), link);
    await expect(make(link)).rejects.toThrow(
      `cannot create directory ${link}: it is a symbolic link to ${path.join(root, 'gone')}, which does not exist or is not a directory`,
    );
    symlinkSync(path.join(root, 'elsewhere'), path.join(root, 'made'));
    await make(path.join(root, 'elsewhere'));
    await make(path.join(root, 'made'));
  });

  // Node's recursive mkdir never settles here: /proc exists, and refuses the child with ENOENT.
  it.runIf(existsSync('/proc/self'))('fails at once where the file system refuses a directory whose parent exists (procfs)', async () => {
    const started = Date.now();
    await expect(make('/proc/acs-logs-no-such-dir/data')).rejects.toThrow(
      'cannot create directory /proc/acs-logs-no-such-dir: the file system does not allow it there (ENOENT)',
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('makeDirectory, from many callers', () => {
  it('lets many callers create the same levels at once', async () => {
    const root = await scratch();
    const targets = Array.from({ length: 20 }, (_, i) => path.join(root, 'shared', 'deeper', `leaf${i % 3}`));
    await Promise.all(targets.map((target) => make(target)));
    for (const target of targets) expect(statSync(target).isDirectory()).toBe(true);
  });
});
