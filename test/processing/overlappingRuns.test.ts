import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { handleAnnouncedBlob } from '../../src/lib/processing/blobAnnounced.js';
import { OverlappingRuns, type WriteGroup } from '../../src/lib/processing/overlappingRuns.js';
import type { TableStore } from '../../src/lib/storage/TableStore.js';
import { silentLogger, type Logger } from '../../src/lib/logging.js';
import { expectedFromTexts, generatedAppends } from '../reliability/support/scenario.js';
import {
  appendToBlob,
  newBlobSource,
  newContainer,
  newMemoryTableStore,
  newTableStore,
  readAggregates,
  referenceAggregates,
  testDeps,
} from '../support/storage.js';
import { asJsonLines, blobPath, normalizeAll, roomsRecords } from '../support/roomsLogs.js';
import type { LogSource } from '../../src/lib/storage/LogSource.js';

describe('OverlappingRuns', () => {
  it('runs in flight at once share a group; the next run after them all starts a new one', async () => {
    const runs = new OverlappingRuns();
    const seen: WriteGroup[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const first = runs.run(silentLogger, async (group) => {
      seen.push(group);
      await held;
    });
    const second = runs.run(silentLogger, async (group) => {
      seen.push(group);
      await held;
    });
    release();
    await Promise.all([first, second]);
    await runs.run(silentLogger, async (group) => void seen.push(group));
    expect(seen[0]).toBe(seen[1]);
    expect(seen[2]).not.toBe(seen[0]);
  });

  it("the group's logger writes through the earliest run still in flight, never one that ended", async () => {
    const runs = new OverlappingRuns();
    const lines: string[] = [];
    const loggerOf = (name: string): Logger => ({ info: (m) => void lines.push(`${name}: ${m}`), warn: () => {}, error: () => {} });
    let endFirst!: () => void;
    let endSecond!: () => void;
    let group!: WriteGroup;
    const first = runs.run(loggerOf('a'), async (g) => {
      group = g;
      await new Promise<void>((resolve) => (endFirst = resolve));
    });
    const second = runs.run(loggerOf('b'), () => new Promise<void>((resolve) => (endSecond = resolve)));
    group.logger.info('one');
    endFirst();
    await first;
    group.logger.info('two');
    endSecond();
    await second;
    group.logger.info('three');
    expect(lines).toEqual(['a: one', 'b: two']);
  });

  it('a run that fails leaves its group as one that ends does', async () => {
    const runs = new OverlappingRuns();
    let failedIn: WriteGroup | undefined;
    await expect(
      runs.run(silentLogger, (group) => {
        failedIn = group;
        return Promise.reject(new Error('boom'));
      }),
    ).rejects.toThrow('boom');
    await runs.run(silentLogger, async (group) => expect(group).not.toBe(failedIn));
  });
});

describe('a steady stream of announcements', () => {
  it('does not keep the first ones waiting until it stops: runs join a group only within its first second', async () => {
    const records = roomsRecords(20, 71);
    const container = await newContainer();
    const path = blobPath(1);
    await appendToBlob(container, path, asJsonLines(records));
    const tables = newMemoryTableStore();
    const blobs = newBlobSource();
    // Each announcement measures its blob for 50 ms and a new one arrives every 10 ms: some file of the stream is always preparing.
    const source: LogSource = {
      stat: async (file) => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        return blobs.stat(file);
      },
      read: (file, start, end) => blobs.read(file, start, end),
      list: (name, prefix) => blobs.list(name, prefix),
    };
    const deps = { ...testDeps(tables), source };
    const runs = new OverlappingRuns();
    const started = Date.now();
    const ended: number[] = [];
    const announced: Promise<unknown>[] = [];
    // Past one group's window, and on until an invocation ends (bounded: without groups that close, none ends while the stream goes on).
    while (Date.now() - started < 1_500 || (ended.length === 0 && Date.now() - started < 30_000)) {
      announced.push(
        runs
          .run(silentLogger, (writeGroup) => handleAnnouncedBlob(`${container.containerName}/${path}`, { ...deps, writeGroup }))
          .then(() => ended.push(Date.now())),
      );
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const streamEnded = Date.now();
    await Promise.all(announced);
    expect(Math.min(...ended)).toBeLessThanOrEqual(streamEnded);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
  }, 90_000);
});

describe('blobs announced at once, written as one group', () => {
  it('counts every record once, with far fewer requests than a writer per announcement', async () => {
    // Two hours of every category, one blob per category, resource and hour, all announced at once
    // (a backlog): a call's records are in several of them.
    const appends = generatedAppends(7, 2, 20, 10);
    const suffix = randomBytes(3).toString('hex');
    const texts = new Map<string, { container: string; path: string; text: string }>();
    for (const append of appends) {
      const container = `${append.file.container}-${suffix}`;
      const key = `${container}/${append.file.path}`;
      const entry = texts.get(key) ?? { container, path: append.file.path, text: '' };
      entry.text += append.lines.join('');
      texts.set(key, entry);
    }
    for (const { container, path, text } of texts.values()) await appendToBlob(await newContainer(undefined, container), path, text);
    const expected = referenceAggregates(
      expectedFromTexts([...texts.values()].map(({ container, path, text }) => ({ ref: { container, path }, text }))).records,
    );

    const announceAll = async (tables: TableStore, group: (run: (writeGroup?: WriteGroup) => Promise<unknown>) => Promise<unknown>): Promise<number> => {
      await Promise.all(
        [...texts.keys()].map((blob) => group((writeGroup) => handleAnnouncedBlob(blob, { ...testDeps(tables), ...(writeGroup ? { writeGroup } : {}) }))),
      );
      return tables.requestCount;
    };

    const alone = newTableStore();
    const aloneRequests = await announceAll(alone, (run) => run());
    const together = newTableStore();
    const runs = new OverlappingRuns();
    const togetherRequests = await announceAll(together, (run) => runs.run(silentLogger, (writeGroup) => run(writeGroup)));

    expect(await readAggregates(together)).toEqual(expected);
    expect(await readAggregates(alone)).toEqual(expected);
    // Measured: 214 requests alone against 80 together (each writer read and wrote the calls it shared with the others).
    expect(togetherRequests).toBeLessThan(aloneRequests / 2);
  }, 120_000);
});
