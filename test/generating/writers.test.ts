import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTestDir } from '../support/embedded.js';
import { generateLogs, writeLogsToBlobs, writeLogsToDirectory, type BlobAppendTarget, type LogAppend } from '../../src/lib/generating/index.js';
import { splitBlocks } from '../../src/lib/generating/writers.js';
import { refForLocalPath } from '../../src/lib/storage/LocalLogSource.js';
import { azuriteConnectionString } from '../support/storage.js';
import { collect, FROM, HOUR, scenario } from './helpers.js';

/** Expected file contents: every file's lines concatenated in append order. */
function expectedFiles(appends: readonly LogAppend[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const append of appends) {
    const key = `${append.file.container}/${append.file.path}`;
    files.set(key, (files.get(key) ?? '') + append.lines.join(''));
  }
  return files;
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(full)));
    else out.push(full);
  }
  return out;
}

describe('writeLogsToDirectory', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'acs-generate-'));
  });
  afterAll(async () => {
    await removeTestDir(dir);
  });

  it('writes a storage-shaped tree that the local log source maps back to container and path', async () => {
    const options = scenario({ to: FROM + 3 * HOUR });
    const appends = collect(options);
    const totals = await writeLogsToDirectory(dir, generateLogs(options));
    const expected = expectedFiles(appends);

    const files = await walk(dir);
    expect(files.length).toBe(expected.size);
    for (const file of files) {
      const ref = refForLocalPath(file);
      const key = `${ref.container}/${ref.path}`;
      expect(expected.has(key), key).toBe(true);
      expect(await readFile(file, 'utf8')).toBe(expected.get(key));
    }

    const records = appends.reduce((n, a) => n + a.lines.length, 0);
    const bytes = [...expected.values()].reduce((n, text) => n + Buffer.byteLength(text), 0);
    expect(totals).toMatchObject({ files: expected.size, appends: appends.length, records, bytes });
    expect(Object.values(totals.byCategory).reduce((a, b) => a + b, 0)).toBe(records);
    // The plain call logs come 3-5 hours after a call, past this short scenario's end.
    expect(Object.keys(totals.byCategory).sort()).toEqual([
      'CallDiagnosticsUpdates',
      'CallRecordingOperational',
      'CallRecordingSummary',
      'CallSummaryUpdates',
      'RoomsOperational',
      'Usage',
    ]);
  });

  it('appends to files that already exist', async () => {
    const other = await mkdtemp(path.join(tmpdir(), 'acs-generate-'));
    try {
      const options = scenario({ to: FROM + HOUR, resources: 1 });
      await writeLogsToDirectory(other, generateLogs(options));
      await writeLogsToDirectory(other, generateLogs(options));
      const expected = expectedFiles(collect(options));
      for (const file of await walk(other)) {
        const ref = refForLocalPath(file);
        const once = expected.get(`${ref.container}/${ref.path}`) as string;
        expect(await readFile(file, 'utf8')).toBe(once + once);
      }
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});

describe('splitBlocks', () => {
  it('keeps blocks within the limit, splitting at line boundaries, and a huge line by bytes', () => {
    const lines = ['a'.repeat(6) + '\n', 'b'.repeat(3) + '\n', 'c'.repeat(9) + '\n', 'd'.repeat(25) + '\n', 'é\n'];
    const chunks = splitBlocks(lines, 10);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(lines.join(''));
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(10);
    expect(chunks.map((c) => c.toString())).toEqual(['aaaaaa\n', 'bbb\n', 'ccccccccc\n', 'd'.repeat(10), 'd'.repeat(10), 'ddddd\n', 'é\n']);
  });

  it('splits appends above 4 MiB before they reach the target', async () => {
    const line = JSON.stringify({ padding: 'x'.repeat(1000) }) + '\n';
    const big: LogAppend = {
      file: { container: 'insights-logs-usage', path: 'resourceId=/X/y=2024/m=05/d=25/h=00/m=00/PT1H.json' },
      at: FROM,
      lines: Array(9000).fill(line) as string[],
    };
    const calls: { kind: string; bytes: number }[] = [];
    const target: BlobAppendTarget = {
      createBlob: async () => void calls.push({ kind: 'create', bytes: 0 }),
      appendBlock: async (_file, data) => void calls.push({ kind: 'append', bytes: data.length }),
    };
    const paced: number[] = [];
    const totals = await writeLogsToBlobs(target, [big], async (append) => void paced.push(append.at));
    expect(paced).toEqual([FROM]);
    expect(calls[0]).toEqual({ kind: 'create', bytes: 0 });
    const appends = calls.slice(1);
    expect(appends.length).toBe(3);
    for (const call of appends) expect(call.bytes).toBeLessThanOrEqual(4 * 1024 * 1024);
    expect(appends.reduce((n, c) => n + c.bytes, 0)).toBe(line.length * 9000);
    expect(totals).toMatchObject({ files: 1, appends: 1, records: 9000, bytes: line.length * 9000, byCategory: { Usage: 9000 } });
  });
});

describe('writeLogsToBlobs against Azurite', () => {
  it('creates each append blob empty, appends the blocks, and the blobs hold the lines', async () => {
    const service = BlobServiceClient.fromConnectionString(azuriteConnectionString());
    // Shared Azurite: give this test's containers their own names.
    const suffix = randomBytes(4).toString('hex');
    const containerName = (container: string) => `${container}-${suffix}`;
    const created = new Set<string>();
    const events: string[] = [];
    const target: BlobAppendTarget = {
      async createBlob(file) {
        const container = service.getContainerClient(containerName(file.container));
        if (!created.has(file.container)) {
          await container.createIfNotExists();
          created.add(file.container);
        }
        await container.getAppendBlobClient(file.path).createIfNotExists();
        events.push(`create ${file.container}/${file.path}`);
      },
      async appendBlock(file, data) {
        events.push(`append ${file.container}/${file.path}`);
        await service.getContainerClient(containerName(file.container)).getAppendBlobClient(file.path).appendBlock(data, data.length);
      },
    };

    const options = scenario({ to: FROM + 2 * HOUR, resources: 1 });
    const appends = collect(options);
    const totals = await writeLogsToBlobs(target, generateLogs(options));
    const expected = expectedFiles(appends);
    expect(totals.files).toBe(expected.size);
    expect(totals.appends).toBe(appends.length);

    // Each file is created once, before its first append.
    const seen = new Set<string>();
    for (const event of events) {
      const [kind, key] = event.split(' ') as [string, string];
      if (kind === 'create') {
        expect(seen.has(key)).toBe(false);
        seen.add(key);
      } else expect(seen.has(key)).toBe(true);
    }
    expect(seen.size).toBe(expected.size);

    for (const [key, text] of expected) {
      const slash = key.indexOf('/');
      const blob = service.getContainerClient(containerName(key.slice(0, slash))).getAppendBlobClient(key.slice(slash + 1));
      const properties = await blob.getProperties();
      expect(properties.blobType).toBe('AppendBlob');
      expect((await blob.downloadToBuffer()).toString('utf8')).toBe(text);
    }

    for (const container of created) await service.getContainerClient(containerName(container)).deleteIfExists();
  });
});
