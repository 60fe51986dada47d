import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalLogSource } from '../../src/lib/storage/LocalLogSource.js';
import { observedReads } from '../../src/lib/storage/observedReads.js';

describe('observedReads', () => {
  it('tells each read where it ended, and keeps the source’s own answers, methods and optional parts', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'acs-observed-'));
    const local = path.join(dir, 'export.json');
    await writeFile(local, 'abcdefghij');
    const inner = new LocalLogSource();
    const file = inner.register(local);
    const told: Array<[string, number]> = [];
    const source = observedReads(inner, (read, end) => told.push([read.path, end]));
    expect((await source.read(file, 2, 6)).toString()).toBe('cdef');
    expect((await source.read(file, 8, 100)).toString()).toBe('ij');
    expect(told).toEqual([
      [file.path, 6],
      [file.path, 10],
    ]);
    expect(await source.stat(file)).toEqual(await inner.stat(file));
    expect(source.locationOf?.(file)).toBe(inner.locationOf(file));
    expect('copyAt' in source).toBe(true);
    // The source's own methods, run on itself: a local source's registrations.
    expect(source.register(local)).toEqual(file);
    expect(source.knows(file)).toBe(true);
    // A source without the optional parts gives none.
    const bare = observedReads({ stat: inner.stat.bind(inner), read: inner.read.bind(inner), list: inner.list.bind(inner) }, () => undefined);
    expect(['locationOf', 'copyAt', 'blobOf'].filter((part) => part in bare)).toEqual([]);
  });
});
