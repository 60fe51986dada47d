import { randomBytes } from 'node:crypto';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { ALL_VIEWS } from '../../../src/lib/aggregating/index.js';
import { backfill } from '../../../src/lib/processing/backfill.js';
import { CheckpointStore } from '../../../src/lib/processing/checkpoints.js';
import { silentLogger } from '../../../src/lib/logging.js';
import { processFile } from '../../../src/lib/processing/processFile.js';
import { DEFAULT_PROCESS_SETTINGS } from '../../../src/lib/processing/settings.js';
import { BlobLogSource } from '../../../src/lib/storage/BlobLogSource.js';
import { BlobLogWriter } from '../../../src/lib/storage/BlobLogWriter.js';
import { expandLocalPaths, LocalLogSource } from '../../../src/lib/storage/LocalLogSource.js';
import { fileKey, type LogFileRef } from '../../../src/lib/storage/LogSource.js';
import type { TableStore } from '../../../src/lib/storage/TableStore.js';
import { rng } from '../../support/random.js';
import { azuriteConnectionString, newTableStore, uniquePrefix } from '../../support/storage.js';
import { expectedFromTexts, tempDir, verify } from './scenario.js';
import { appendsWithBadLines, type ScenarioReport } from './scenarios.js';

/** What a user does between two appends of Azure Monitor. */
export type CopyAction =
  | 'download' // downloads every blob into a new laid-out folder and processes it
  | 'copy' // `cp -r` of an earlier download, processed
  | 'older' // an earlier download (the blobs grew since) processed again
  | 'backfill' // backfill of the account
  | 'redownload' // a blob deleted and created again with the same bytes (new creation time and ETag)
  | 'together'; // a backfill and the newest download processed at the same time

export const COPY_ACTIONS: readonly CopyAction[] = ['download', 'copy', 'older', 'backfill', 'redownload', 'together'];

export interface CopiesOptions {
  rounds: number;
  /** The actions of each round; drawn at random (from the seed) when not given. */
  script?: readonly (readonly CopyAction[])[];
  actionsPerRound?: number;
  hours?: number;
  rooms?: number;
  calls?: number;
}

/**
 * Identical re-downloads and copies; alternating process/backfill. The blobs grow round by round;
 * between appends they are downloaded, copied, re-downloaded, backfilled and processed from old and
 * new copies, all into the same tables. At the end a backfill and the newest download are processed,
 * and the tables must equal one clean pass over the blobs, with no file taken for a replacement.
 */
export async function copiesScenario(seed: number, options: CopiesOptions): Promise<ScenarioReport> {
  const { rounds, hours = 1, rooms = 15, calls = 6, actionsPerRound = 4 } = options;
  const random = rng(seed * 7_417);
  const cs = azuriteConnectionString();
  const prefix = uniquePrefix();
  const tables = newTableStore(cs, prefix);
  const settings = { ...DEFAULT_PROCESS_SETTINGS, segmentBytes: 16 * 1024, readChunkBytes: 4 * 1024 };
  const blobDeps = { source: new BlobLogSource({ kind: 'connectionString', connectionString: cs }), tables, views: ALL_VIEWS, settings, logger: silentLogger };
  const writer = new BlobLogWriter({ kind: 'connectionString', connectionString: cs });
  const service = BlobServiceClient.fromConnectionString(cs);
  // Containers of its own, still named `insights-logs-<category>-...` so that a downloaded tree maps to them.
  const suffix = randomBytes(4).toString('hex');
  const rename = (file: LogFileRef): LogFileRef => ({ container: `${file.container}-${suffix}`, path: file.path });
  const appends = appendsWithBadLines(seed, hours, rooms, calls);
  const containers = [...new Set(appends.map((append) => rename(append.file).container))].sort();
  const written = new Map<string, { ref: LogFileRef; parts: Buffer[] }>();
  const downloads: string[] = [];
  const work = await tempDir('copies');
  const figures: Record<string, number> & { recordsCounted: number } = { rounds, recordsCounted: 0 };
  for (const action of COPY_ACTIONS) figures[action] = 0;

  const processTree = async (dir: string): Promise<void> => {
    const source = new LocalLogSource();
    const deps = { ...blobDeps, source };
    for (const file of await expandLocalPaths([dir])) figures.recordsCounted += (await processFile(source.register(file), deps)).records;
  };
  const download = async (): Promise<string> => {
    const dir = path.join(work, `download-${downloads.length}`);
    for (const { ref, parts } of written.values()) {
      const target = path.join(dir, ref.container, ...ref.path.split('/'));
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, Buffer.concat(parts));
    }
    downloads.push(dir);
    return dir;
  };
  const act = async (action: CopyAction): Promise<void> => {
    figures[action] = (figures[action] ?? 0) + 1;
    if (action === 'download' || downloads.length === 0) {
      await processTree(await download());
    } else if (action === 'copy') {
      const from = downloads[Math.floor(random() * downloads.length)] as string;
      const to = path.join(work, `copy-${figures['copy']}`);
      await cp(from, to, { recursive: true });
      await processTree(to);
    } else if (action === 'older') {
      await processTree(downloads[Math.floor(random() * downloads.length)] as string);
    } else if (action === 'backfill') {
      figures.recordsCounted += (await backfill(blobDeps, { containers, selection: {}, fileConcurrency: 2 })).records;
    } else if (action === 'together') {
      const [backfilled] = await Promise.all([
        backfill(blobDeps, { containers, selection: {}, fileConcurrency: 2 }),
        processTree(downloads[downloads.length - 1] as string),
      ]);
      figures.recordsCounted += backfilled.records;
    } else {
      const files = [...written.values()];
      const { ref, parts } = files[Math.floor(random() * files.length)] as (typeof files)[number];
      await service.getContainerClient(ref.container).getBlobClient(ref.path).delete();
      await writer.createBlob(ref);
      await writer.appendBlock(ref, Buffer.concat(parts));
    }
  };

  const size = Math.ceil(appends.length / rounds);
  for (let round = 0; round < rounds; round++) {
    for (const append of appends.slice(round * size, (round + 1) * size)) {
      const ref = rename(append.file);
      let file = written.get(fileKey(ref));
      if (!file) {
        written.set(fileKey(ref), (file = { ref, parts: [] }));
        await writer.createBlob(ref);
      }
      const data = Buffer.from(append.lines.join(''));
      await writer.appendBlock(ref, data);
      file.parts.push(data);
    }
    const actions =
      options.script?.[round] ?? Array.from({ length: actionsPerRound }, () => COPY_ACTIONS[Math.floor(random() * COPY_ACTIONS.length)] as CopyAction);
    for (const action of actions) await act(action);
  }
  await act('backfill');
  await act('download');

  const texts = [...written.values()].map(({ ref, parts }) => ({ ref, text: Buffer.concat(parts).toString('utf8') }));
  const verdict = await verify(tables, expectedFromTexts(texts));
  figures.replacements = await replacementsIn(tables);
  figures.files = written.size;
  return { scenario: 'copies', seed, verdict, failures: [], figures };
}

async function replacementsIn(tables: TableStore): Promise<number> {
  let replacements = 0;
  for await (const checkpoint of new CheckpointStore(tables).listAll()) replacements += checkpoint.replacements;
  return replacements;
}
