import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { BlobServiceClient } from '@azure/storage-blob';
import { ALL_VIEWS } from '../../../src/lib/aggregating/index.js';
import type { LogAppend } from '../../../src/lib/generating/index.js';
import { CheckpointStore } from '../../../src/lib/processing/checkpoints.js';
import { forEachConcurrently } from '../../../src/lib/processing/concurrency.js';
import { silentLogger } from '../../../src/lib/logging.js';
import { processFile } from '../../../src/lib/processing/processFile.js';
import { DEFAULT_PROCESS_SETTINGS } from '../../../src/lib/processing/settings.js';
import { selectBlobs } from '../../../src/lib/processing/sweep.js';
import { BlobLogWriter } from '../../../src/lib/storage/BlobLogWriter.js';
import { expandLocalPaths, LocalLogSource } from '../../../src/lib/storage/LocalLogSource.js';
import { fileKey, type LogFileRef, type LogFileStat, type LogSource } from '../../../src/lib/storage/LogSource.js';
import { portOf, withPorts } from '../../support/faultProxy.js';
import { rng } from '../../support/random.js';
import { azuriteConnectionString, newBlobSource, newTableStore, uniquePrefix } from '../../support/storage.js';
import { DEFAULT_CHAOS, startChaosProxy, type ChaosCounts, type ChaosProfile, type ChaosProxy } from './chaosProxy.js';
import { expectedFromDir, expectedFromTexts, generatedAppends, runCli, tempDir, verify, writeAppends, type Verdict } from './scenario.js';

/** Generated appends with a few bad lines slipped into later appends (never a file's first line, which decides the framing mode). */
export function appendsWithBadLines(seed: number, hours: number, rooms: number, calls: number): LogAppend[] {
  const random = rng(seed * 7919);
  const seen = new Set<string>();
  return generatedAppends(seed, hours, rooms, calls).map((append) => {
    const key = `${append.file.container}/${append.file.path}`;
    const first = !seen.has(key);
    seen.add(key);
    if (first || random() > 0.15) return append;
    const lines = [...append.lines];
    const at = Math.floor(random() * (lines.length + 1));
    const template = JSON.parse(lines[0] as string) as Record<string, unknown>;
    const bad = random() < 0.5 ? '{"time": "2024-05-25T00:00:00Z", "this is": not json}\n' : JSON.stringify({ ...template, time: 'yesterday' }) + '\n';
    lines.splice(at, 0, bad);
    return { ...append, lines };
  });
}

function slices<T>(items: readonly T[], parts: number): T[][] {
  const size = Math.ceil(items.length / parts);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export interface ScenarioReport {
  scenario: string;
  seed: number;
  verdict: Verdict;
  figures: Record<string, number>;
  failures: string[];
}

/** Tables behind the chaos proxy; the files grow between passes; in-process processFile, 4 files at a time, small segments. */
export async function faultScenario(seed: number, passes: number, hours = 2, rooms = 20, calls = 8): Promise<ScenarioReport> {
  const cs = azuriteConnectionString();
  const proxy = await startChaosProxy(portOf(cs, 'Table'), { ...DEFAULT_CHAOS, seed });
  const prefix = uniquePrefix();
  const chaotic = newTableStore(withPorts(cs, { table: proxy.port }), prefix);
  const dir = await tempDir('faults');
  const source = new LocalLogSource();
  const settings = { ...DEFAULT_PROCESS_SETTINGS, segmentBytes: 24 * 1024, readChunkBytes: 10 * 1024 };
  const deps = { source, tables: chaotic, views: ALL_VIEWS, settings, logger: silentLogger };
  let runsFailed = 0;
  let runs = 0;
  const failures: string[] = [];
  const pass = async (): Promise<void> => {
    const refs = (await expandLocalPaths([dir])).map((file) => source.register(file));
    await forEachConcurrently(refs, 4, async (ref) => {
      runs++;
      try {
        await processFile(ref, deps);
      } catch (error) {
        // The SDK gave up retrying (or a write was refused): the run "crashed"; the next pass repairs.
        runsFailed++;
        if (failures.length < 5) failures.push(String(error).slice(0, 300));
      }
    });
  };
  try {
    for (const slice of slices(appendsWithBadLines(seed, hours, rooms, calls), passes)) {
      await writeAppends(dir, slice);
      await pass();
    }
    await pass(); // still under faults: whatever failed above is repaired here or in the clean pass
    proxy.setEnabled(false);
    await pass();
    const verdict = await verify(newTableStore(cs, prefix), await expectedFromDir(dir));
    const counts: ChaosCounts = proxy.counts;
    return { scenario: 'faults', seed, verdict, failures, figures: { ...counts, faults: proxy.faults(), runs, runsFailed } };
  } finally {
    await proxy.close();
  }
}

/** `acs-logs process` SIGKILLed after a random delay, `kills` times, the files growing in between; then a clean run. */
export async function killScenario(seed: number, kills: number, hours = 3, rooms = 25, calls = 10, maxDelayMs = 2500): Promise<ScenarioReport> {
  const cs = azuriteConnectionString();
  const prefix = uniquePrefix();
  const dir = await tempDir('kills');
  const random = rng(seed);
  const parts = slices(appendsWithBadLines(seed, hours, rooms, calls), Math.max(1, Math.ceil(kills / 2)));
  const failures: string[] = [];
  let killedMidRun = 0;
  let finishedBeforeKill = 0;
  for (let k = 0; k < kills; k++) {
    const part = parts[k % 2 === 0 ? k / 2 : -1];
    if (part) await writeAppends(dir, part);
    const run = await runCli(dir, cs, prefix, 150 + Math.floor(random() * maxDelayMs));
    if (run.killed) killedMidRun++;
    else if (run.code === 0) finishedBeforeKill++;
    else failures.push(`run ${k} exited ${run.code}: ${run.stderr.slice(0, 300)}`);
  }
  for (let k = Math.ceil(kills / 2); k < parts.length; k++) await writeAppends(dir, parts[k] as LogAppend[]);
  const final = await runCli(dir, cs, prefix);
  if (final.code !== 0) failures.push(`final run exited ${final.code}: ${final.stderr.slice(0, 500)}`);
  const verdict = await verify(newTableStore(cs, prefix), await expectedFromDir(dir));
  return { scenario: 'kills', seed, verdict, failures, figures: { kills, killedMidRun, finishedBeforeKill } };
}

/** `processors` CLI processes at once on the same files, appending while they run, `rounds` times; then a clean run. */
export async function concurrentScenario(seed: number, rounds: number, processors = 8, hours = 2, rooms = 20, calls = 8): Promise<ScenarioReport> {
  const cs = azuriteConnectionString();
  const prefix = uniquePrefix();
  const dir = await tempDir('concurrent');
  const parts = slices(appendsWithBadLines(seed, hours, rooms, calls), rounds * 3);
  const failures: string[] = [];
  let runs = 0;
  for (let round = 0; round < rounds; round++) {
    await writeAppends(dir, parts[round * 3] ?? []);
    const running = Array.from({ length: processors }, () => runCli(dir, cs, prefix));
    // Append while they run (the files grow under their feet).
    for (const offset of [1, 2]) {
      await new Promise((resolve) => setTimeout(resolve, 300 + 200 * offset));
      await writeAppends(dir, parts[round * 3 + offset] ?? []);
    }
    for (const run of await Promise.all(running)) {
      runs++;
      if (run.code !== 0) failures.push(`round ${round} exited ${run.code}: ${run.stderr.slice(0, 300)}`);
    }
  }
  const final = await runCli(dir, cs, prefix);
  if (final.code !== 0) failures.push(`final run exited ${final.code}: ${final.stderr.slice(0, 500)}`);
  const verdict = await verify(newTableStore(cs, prefix), await expectedFromDir(dir));
  return { scenario: 'concurrent', seed, verdict, failures, figures: { rounds, processors, runs: runs + 1 } };
}

/**
 * The blob endpoint's own fault profile. Ranged reads (`GET` with `x-ms-range`) are cut mid-body more
 * often than anything else; properties (`HEAD` of a blob, `GET ?restype=container` of a container)
 * and listings (`GET ?comp=list`) meet every fault too. Cuts land at a random byte (inside the
 * headers when there is no body); rejections are 503 ServerBusy or 500 OperationTimedOut.
 */
export const BLOB_CHAOS_PROFILE: ChaosProfile = {
  classify: blobRequestKind,
  shares: {
    read: { reject: 0.05, resetMidRequest: 0.03, resetMidResponse: 0.12, loseAnswer: 0.03, delay: 0.2, maxDelayMs: 40 },
    properties: { reject: 0.06, resetMidRequest: 0.04, resetMidResponse: 0.06, loseAnswer: 0.04, delay: 0.2, maxDelayMs: 40 },
    list: { reject: 0.08, resetMidRequest: 0.05, resetMidResponse: 0.1, loseAnswer: 0.05, delay: 0.2, maxDelayMs: 40 },
  },
};

/** What blob storage answers when it throttles or times out (it never answers 429). */
export const BLOB_REJECT_STATUSES = [503, 500] as const;

export function blobRequestKind(req: IncomingMessage): string {
  const url = new URL(req.url ?? '/', 'http://proxy');
  const comp = url.searchParams.get('comp');
  if (req.method === 'GET' && comp === 'list') return 'list';
  if (req.method === 'HEAD' || (req.method === 'GET' && comp === null && url.searchParams.get('restype') === 'container')) return 'properties';
  if (req.method === 'GET' && comp === null && (req.headers['x-ms-range'] !== undefined || req.headers['range'] !== undefined)) return 'read';
  return 'other';
}

interface Block {
  file: LogFileRef;
  data: Buffer;
}

interface BlobPlan {
  /** The append blocks written before each pass (slice). */
  slices: Block[][];
  /** Files created empty at the end of each slice (they get their first block in the next one). */
  createdEmpty: LogFileRef[][];
  /** Lines cut in two appends with a pass in between / with both halves before the same pass. */
  linesSplitAcrossPasses: number;
  linesSplitWithinPass: number;
}

/**
 * Turns generated appends into append blocks: one block per append, except that a file's last line of
 * a slice is often cut at a random byte, its tail written as the first block of the next slice (a pass
 * reads the file in between), and some blocks are cut in two at a random byte within a slice. Files
 * that first appear in a slice are created empty at the end of the previous one (as Azure Monitor
 * does, which is what Event Grid announces).
 */
function planBlocks(appends: readonly LogAppend[], passes: number, random: () => number, rename: (file: LogFileRef) => LogFileRef): BlobPlan {
  const parts = slices(appends, passes);
  const plan: BlobPlan = { slices: [], createdEmpty: [], linesSplitAcrossPasses: 0, linesSplitWithinPass: 0 };
  const carry = new Map<string, Block>();
  const seen = new Set<string>();
  for (const [index, part] of parts.entries()) {
    const blocks: Block[] = [...carry.values()];
    carry.clear();
    for (const append of part) {
      const file = rename({ container: append.file.container, path: append.file.path });
      seen.add(fileKey(file));
      const data = Buffer.from(append.lines.join(''), 'utf8');
      if (data.length > 1 && random() < 0.15) {
        const cut = 1 + Math.floor(random() * (data.length - 1));
        blocks.push({ file, data: data.subarray(0, cut) }, { file, data: data.subarray(cut) });
        plan.linesSplitWithinPass++;
      } else blocks.push({ file, data });
    }
    if (index < parts.length - 1) {
      const lastOfFile = new Map<string, number>();
      for (const [at, block] of blocks.entries()) lastOfFile.set(fileKey(block.file), at);
      for (const at of lastOfFile.values()) {
        if (random() >= 0.6) continue;
        const block = blocks[at] as Block;
        const lineStart = block.data.lastIndexOf(0x0a, block.data.length - 2) + 1;
        const lineLength = block.data.length - lineStart;
        if (lineLength < 2) continue;
        const cut = lineStart + 1 + Math.floor(random() * (lineLength - 1));
        blocks[at] = { file: block.file, data: block.data.subarray(0, cut) };
        carry.set(fileKey(block.file), { file: block.file, data: block.data.subarray(cut) });
        plan.linesSplitAcrossPasses++;
      }
    }
    plan.slices.push(blocks);
    const next = parts[index + 1] ?? [];
    const created = new Map<string, LogFileRef>();
    for (const append of next) {
      const file = rename({ container: append.file.container, path: append.file.path });
      if (!seen.has(fileKey(file))) created.set(fileKey(file), file);
    }
    plan.createdEmpty.push([...created.values()]);
  }
  return plan;
}

function tallied(prefix: string, proxy: ChaosProxy): Record<string, number> {
  const figures: Record<string, number> = {};
  for (const [key, value] of Object.entries(proxy.counts)) figures[`${prefix}.${key}`] = value;
  figures[`${prefix}.faults`] = proxy.faults();
  for (const [kind, counts] of Object.entries(proxy.byKind)) {
    for (const [key, value] of Object.entries(counts)) figures[`${prefix}.${kind}.${key}`] = value;
  }
  for (const [kind, cuts] of Object.entries(proxy.cutsByKind)) {
    figures[`${prefix}.${kind}.cutMidBody`] = cuts.midBody;
    figures[`${prefix}.${kind}.cutInHeaders`] = cuts.inHeaders;
  }
  return figures;
}

/**
 * Logs as real append blobs in Azurite, growing between passes (lines cut across appends, files
 * created empty); BOTH the blob endpoint (ranged reads, properties, listings) and the table endpoint
 * behind chaos proxies. Each pass is the timer's work, file by file: the registered open files from
 * their checkpoints (tail), then each container listed and every listed file read with the listed
 * properties (sweep). A failed file run or listing is a crash the next pass repairs (an optional blob
 * outage longer than the SDK's retries makes sure some do fail). After the last
 * appends, passes go on under faults until one fails nothing (at most `settlePasses`), then one pass
 * with the proxies off; it must find nothing left to read when the faulty passes converged.
 */
export interface BlobFaultOptions {
  hours?: number;
  rooms?: number;
  calls?: number;
  /** Faulty passes after the last appends, until one fails nothing. */
  settlePasses?: number;
  /** A blob-endpoint outage (every request 503) this long, starting with the pass `outagePass` (0-based): longer than the SDK's retries, it fails runs the next passes must repair. */
  outageMs?: number;
  outagePass?: number;
}

export async function blobFaultScenario(seed: number, passes: number, options: BlobFaultOptions = {}): Promise<ScenarioReport> {
  const { hours = 1, rooms = 15, calls = 6, settlePasses = 6, outageMs = 0, outagePass = 1 } = options;
  const started = Date.now();
  const cs = azuriteConnectionString();
  const blobProxy = await startChaosProxy(portOf(cs, 'Blob'), {
    ...DEFAULT_CHAOS,
    seed: seed * 31 + 1,
    cut: 'random',
    rejectStatuses: BLOB_REJECT_STATUSES,
    profile: BLOB_CHAOS_PROFILE,
  });
  const tableProxy = await startChaosProxy(portOf(cs, 'Table'), { ...DEFAULT_CHAOS, seed: seed * 31 + 2 });
  const chaotic = withPorts(cs, { blob: blobProxy.port, table: tableProxy.port });
  const prefix = uniquePrefix();
  const tables = newTableStore(chaotic, prefix);
  // The tests' back-off, as the tables have: as many attempts per request, without waiting out the SDK's delays.
  const source = newBlobSource(chaotic);
  const writer = new BlobLogWriter({ kind: 'connectionString', connectionString: cs });
  // Containers of its own (the shared Azurite's `insights-logs-*` containers belong to the tests of the Functions app, whose timer sweeps them).
  const suffix = randomBytes(4).toString('hex');
  const rename = (file: LogFileRef): LogFileRef => ({ container: `${file.container}-${suffix}`, path: file.path });
  const appends = appendsWithBadLines(seed, hours, rooms, calls);
  const containers = [...new Set(appends.map((append) => rename(append.file).container))].sort();
  const plan = planBlocks(appends, passes, rng(seed * 104_729), rename);
  const settings = { ...DEFAULT_PROCESS_SETTINGS, segmentBytes: 8 * 1024, readChunkBytes: 3 * 1024 };
  const written = new Map<string, { ref: LogFileRef; parts: Buffer[] }>();
  const failures: string[] = [];
  // Every buffer a read hands the processor must be exactly the bytes of its range (nothing short, nothing from elsewhere).
  const readCheck = { reads: 0, wrong: 0 };
  const checked: LogSource = {
    stat: (file) => source.stat(file),
    list: (container, listPrefix) => source.list(container, listPrefix),
    read: async (file, start, end) => {
      const buffer = await source.read(file, start, end);
      const parts = written.get(fileKey(file))?.parts ?? [];
      const want = Buffer.concat(parts).subarray(start, end);
      readCheck.reads++;
      if (!buffer.equals(want)) {
        readCheck.wrong++;
        if (failures.length < 8) failures.push(`read ${fileKey(file)} [${start}, ${end}) gave ${buffer.length} bytes that are not the blob's`);
      }
      return buffer;
    },
  };
  const deps = { source: checked, tables, views: ALL_VIEWS, settings, logger: silentLogger };
  const figures = {
    passes: 0,
    passesFailed: 0,
    runs: 0,
    runsFailed: 0,
    tailListingsFailed: 0,
    sweepListingsFailed: 0,
    settlePasses: 0,
    cleanPassFailed: 0,
    cleanPassRecords: 0,
    cleanPassBytes: 0,
    blobsNotAsWritten: 0,
  };
  const note = (error: unknown): void => {
    if (failures.length >= 8) return;
    const { statusCode, request } = error as { statusCode?: number; request?: { method?: string; url?: string } };
    const port = request?.url ? new URL(request.url).port : '';
    const endpoint = port === String(blobProxy.port) ? 'blob' : port === String(tableProxy.port) ? 'table' : '';
    failures.push(
      `${String(error).slice(0, 200)}${statusCode ? ` (${statusCode})` : ''}${request ? ` ${endpoint} ${request.method} ${(request.url ?? '').replace(/^https?:\/\/[^/]+/, '').slice(0, 120)}` : ''}`,
    );
  };

  const pass = async (): Promise<{ failed: number; records: number; bytes: number }> => {
    const outcome = { failed: 0, records: 0, bytes: 0 };
    const run = async (file: LogFileRef, listedStat?: LogFileStat): Promise<void> => {
      figures.runs++;
      try {
        const result = await processFile(file, deps, { listedStat });
        outcome.records += result.records;
        outcome.bytes += result.bytes;
      } catch (error) {
        figures.runsFailed++;
        outcome.failed++;
        note(error);
      }
    };
    // Tail: the files registered so far that may still grow, from their checkpoints.
    const open: LogFileRef[] = [];
    try {
      for await (const checkpoint of new CheckpointStore(tables).listOpen()) open.push({ container: checkpoint.container, path: checkpoint.path });
    } catch (error) {
      figures.tailListingsFailed++;
      outcome.failed++;
      note(error);
    }
    await forEachConcurrently(open, 4, (file) => run(file));
    // Sweep: every container listed, every listed blob read with the properties the listing gave.
    for (const container of containers) {
      const listed: { file: LogFileRef; stat: LogFileStat }[] = [];
      try {
        for await (const item of selectBlobs(source, container, {})) listed.push(item);
      } catch (error) {
        figures.sweepListingsFailed++;
        outcome.failed++;
        note(error);
        continue;
      }
      await forEachConcurrently(listed, 4, (item) => run(item.file, item.stat));
    }
    figures.passes++;
    if (outcome.failed > 0) figures.passesFailed++;
    return outcome;
  };

  try {
    for (const [index, blocks] of plan.slices.entries()) {
      for (const block of blocks) {
        const key = fileKey(block.file);
        let file = written.get(key);
        if (!file) {
          written.set(key, (file = { ref: block.file, parts: [] }));
          await writer.createBlob(block.file);
        }
        await writer.appendBlock(block.file, block.data);
        file.parts.push(block.data);
      }
      for (const empty of plan.createdEmpty[index] ?? []) {
        written.set(fileKey(empty), { ref: empty, parts: [] });
        await writer.createBlob(empty);
      }
      if (outageMs > 0 && index === outagePass) blobProxy.outage(outageMs);
      await pass();
    }
    // Still under faults: whatever failed above is repaired by a later pass.
    for (let settle = 0; settle < settlePasses; settle++) {
      figures.settlePasses++;
      if ((await pass()).failed === 0) break;
    }
    blobProxy.setEnabled(false);
    tableProxy.setEnabled(false);
    const clean = await pass();
    figures.cleanPassFailed = clean.failed;
    figures.cleanPassRecords = clean.records;
    figures.cleanPassBytes = clean.bytes;

    // The reference reads the blobs straight from Azurite, and they must hold exactly what was appended.
    const service = BlobServiceClient.fromConnectionString(cs);
    const texts: { ref: LogFileRef; text: string }[] = [];
    for (const { ref, parts } of written.values()) {
      const stored = await service.getContainerClient(ref.container).getBlobClient(ref.path).downloadToBuffer();
      if (!stored.equals(Buffer.concat(parts)) || (stored.length > 0 && stored[stored.length - 1] !== 0x0a)) figures.blobsNotAsWritten++;
      texts.push({ ref, text: stored.toString('utf8') });
    }
    const verdict = await verify(newTableStore(cs, prefix), expectedFromTexts(texts));
    return {
      scenario: 'blob-faults',
      seed,
      verdict,
      failures,
      figures: {
        ...figures,
        files: written.size,
        blocks: plan.slices.reduce((sum, blocks) => sum + blocks.length, 0),
        linesSplitAcrossPasses: plan.linesSplitAcrossPasses,
        linesSplitWithinPass: plan.linesSplitWithinPass,
        bytes: [...written.values()].reduce((sum, file) => sum + file.parts.reduce((n, part) => n + part.length, 0), 0),
        readsChecked: readCheck.reads,
        readsWrong: readCheck.wrong,
        bytesRead: source.usage.bytesRead,
        reads: source.usage.reads,
        stats: source.usage.stats,
        listPages: source.usage.listPages,
        ...tallied('blob', blobProxy),
        'blob.outageMs': outageMs,
        'blob.outageAnswers': blobProxy.outageAnswers(),
        ...tallied('table', tableProxy),
        faults: blobProxy.faults() + tableProxy.faults(),
        wallMs: Date.now() - started,
      },
    };
  } finally {
    await blobProxy.close();
    await tableProxy.close();
  }
}
