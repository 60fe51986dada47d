import { ALL_VIEWS } from '../../../src/lib/aggregating/index.js';
import type { LogAppend } from '../../../src/lib/generating/index.js';
import { forEachLimit } from '../../../src/lib/processing/concurrency.js';
import { silentLogger } from '../../../src/lib/processing/logger.js';
import { processFile } from '../../../src/lib/processing/processFile.js';
import { DEFAULT_PROCESS_SETTINGS } from '../../../src/lib/processing/settings.js';
import { expandLocalPaths, LocalLogSource } from '../../../src/lib/storage/LocalLogSource.js';
import { portOf, withPorts } from '../../support/faultProxy.js';
import { rng } from '../../support/roomsLogs.js';
import { azuriteConnectionString, newTableStore, uniquePrefix } from '../../support/storage.js';
import { DEFAULT_CHAOS, startChaosProxy, type ChaosCounts } from './chaosProxy.js';
import { expectedFromDir, generatedAppends, runCli, tempDir, verify, writeAppends, type Verdict } from './scenario.js';

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
    await forEachLimit(refs, 4, async (ref) => {
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
