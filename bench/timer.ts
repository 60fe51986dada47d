/**
 * (t) The Functions app's path: the tree uploaded to the log containers of an Azurite (as a storage
 * account holds diagnostic logs), then one tail-and-sweep run over every container, as the timer runs
 * after a deployment or an outage, with the app's default settings (or another memory profile). Its
 * table requests per 1,000 records are the Functions path's cost figure. Uploading is not timed.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ALL_VIEWS } from '../src/lib/aggregating/index.js';
import { readAppSettings, SETTING } from '../src/lib/config/appSettings.js';
import { applyMemoryProfile } from '../src/lib/config/heapGrowth.js';
import { appTables } from '../src/lib/config/runtime.js';
import type { MemoryProfile } from '../src/lib/config/memoryProfile.js';
import { silentLogger } from '../src/lib/logging.js';
import type { ProcessDeps } from '../src/lib/processing/processFile.js';
import { tailAndSweep } from '../src/lib/processing/tailAndSweep.js';
import { startAzurite } from '../src/lib/storage/azurite.js';
import { BlobLogSource } from '../src/lib/storage/BlobLogSource.js';
import { BlobLogWriter } from '../src/lib/storage/BlobLogWriter.js';
import type { LogFileRef } from '../src/lib/storage/LogSource.js';
import { rssSampler, type PhaseResult } from './phases.js';

/** Append blocks are at most 4 MiB. */
const BLOCK_BYTES = 4 * 1024 * 1024;

export async function timerPhase(root: string, files: readonly string[], memory: MemoryProfile = 'default'): Promise<PhaseResult> {
  // As the app's runtime reads its settings (config/runtime.ts): the profile's V8 flags from the start.
  const settings = readAppSettings(memory === 'default' ? {} : { [SETTING.memory]: memory });
  applyMemoryProfile(settings.memory);
  const azurite = await startAzurite();
  try {
    const connection = { kind: 'connectionString' as const, connectionString: azurite.connectionString };
    const writer = new BlobLogWriter(connection);
    const containers = new Set<string>();
    for (const file of files) {
      const [container, ...rest] = path.relative(root, file).split(path.sep);
      if (!container || rest.length === 0) continue;
      const ref: LogFileRef = { container, path: rest.join('/') };
      containers.add(container);
      await writer.createBlob(ref);
      const bytes = await readFile(file);
      for (let from = 0; from < bytes.length; from += BLOCK_BYTES) await writer.appendBlock(ref, bytes.subarray(from, from + BLOCK_BYTES));
    }
    // The app's own store: its Calls table packed as in an account (config/runtime.ts).
    const tables = appTables(connection, 'Timer');
    const deps: ProcessDeps = { source: new BlobLogSource(connection), tables, views: ALL_VIEWS, settings: settings.process, logger: silentLogger };
    const stop = rssSampler();
    const started = performance.now();
    const summary = await tailAndSweep(deps, {
      containers: [...containers].sort(),
      sweepIntervalMs: settings.sweepIntervalMs,
      fileConcurrency: settings.fileConcurrency,
      deadline: Number.POSITIVE_INFINITY,
      forceSweep: true,
    });
    const ms = performance.now() - started;
    if (summary.problems.length > 0 || summary.failed > 0) throw new Error(`the timer run failed: ${JSON.stringify(summary.problems)}`);
    const requests = tables.requestCount;
    const entities = tables.requests.entities;
    return {
      name: 'timer',
      ms,
      bytes: summary.bytes,
      records: summary.records,
      ...stop(),
      extra: {
        files: summary.processed,
        requests,
        entities,
        requestsPer1000Records: Math.round((requests / summary.records) * 10_000) / 10,
        entitiesPer1000Records: Math.round((entities / summary.records) * 10_000) / 10,
      },
    };
  } finally {
    await azurite.stop();
  }
}
