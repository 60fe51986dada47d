/**
 * `npm run bench [-- flags]`: the flags are in bench/args.ts (`npm run bench -- --help`).
 * Generates logs with the project's generator and measures, on the same data, the floor (a), the
 * in-process pipeline (b), `acs-logs process` end to end (c), the sink floor (s), DuckDB (p), growth
 * (g), the incremental cost (d), how table requests scale (e), one large call (f), a junk flood (j);
 * optionally the loop and `acs-logs process` on one big file (rss, rssE2e). Writes docs/BENCHMARKS.md
 * (bench/report.ts).
 */
import { fork } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { limitHeapGrowth, nodeArguments } from '../src/lib/config/heapGrowth.js';
import type { MemoryProfile } from '../src/lib/config/memoryProfile.js';
import { tuneCompiler } from '../src/lib/v8Flags.js';
import { parseBenchArgs, type BenchArgs } from './args.js';
import { bigFilePath, buildBigFile, buildJunkFile, ensureTree, firstLines, writeOneCall, writeOneCallStreams, type TreeInfo } from './data.js';
import { cliPhase, duckdbPhase, growthPhase, sinkPhase, sinkRowsPhase } from './endToEnd.js';
import { timerPhase } from './timer.js';
import {
  e2ePhase,
  floorPhase,
  incrementalPhase,
  junkPhase,
  loopPhase,
  oneCallPhase,
  type OneCallFile,
  pipelinePhase,
  scalingPhase,
  type PhaseResult,
  type PipelineStage,
} from './phases.js';
import { ceilingsOverSink, entityRateOver, fmt, mb, rate, report, writeReport, type RunNotes } from './report.js';

type PhaseRequest =
  | { phase: 'floor' | 'e2e' | 'loop' | 'duckdb'; files: string[] }
  | { phase: 'cli'; files: string[]; rowsFile?: string; memory?: MemoryProfile }
  | { phase: 'sinkRows'; rowsFile: string; packed?: boolean }
  | { phase: 'growth'; first: string[]; second: string[] }
  | { phase: 'sink'; entities: number }
  | { phase: 'pipeline'; files: string[]; upTo?: PipelineStage }
  | { phase: 'incremental'; bigFile: string; append: string }
  | { phase: 'junk'; file: string }
  | { phase: 'scaling'; files: { repeat: number; path: string }[] }
  | { phase: 'oneCall'; files: OneCallFile[] }
  | { phase: 'timer'; root: string; files: string[]; memory?: MemoryProfile };

async function runPhase(request: PhaseRequest): Promise<PhaseResult> {
  switch (request.phase) {
    case 'floor':
      return floorPhase(request.files);
    case 'pipeline':
      return pipelinePhase(request.files, undefined, request.upTo);
    case 'e2e':
      return e2ePhase(request.files);
    case 'cli':
      return cliPhase(request.files, request.rowsFile, request.memory);
    case 'growth':
      return growthPhase(request.first, request.second);
    case 'sink':
      return sinkPhase(request.entities);
    case 'sinkRows':
      return sinkRowsPhase(request.rowsFile, request.packed);
    case 'duckdb':
      return duckdbPhase(request.files);
    case 'loop':
      // The processor as `acs-logs process` runs it, with the CLI's heap growth and compiler flags.
      limitHeapGrowth();
      tuneCompiler(nodeArguments());
      return loopPhase(request.files);
    case 'timer':
      return timerPhase(request.root, request.files, request.memory);
    case 'incremental':
      return incrementalPhase(request.bigFile, Buffer.from(request.append, 'base64'));
    case 'scaling':
      return scalingPhase(request.files);
    case 'oneCall':
      return oneCallPhase(request.files);
    case 'junk':
      limitHeapGrowth();
      tuneCompiler(nodeArguments());
      return junkPhase(request.file);
  }
}

/** Runs one phase in a fresh child process (its own heap and peak RSS). */
function inChild(request: PhaseRequest): Promise<PhaseResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: PhaseResult | undefined;
    child.on('message', (message: { ok: boolean; result?: PhaseResult; error?: string }) => {
      if (message.ok) result = message.result;
      else reject(new Error(`phase ${request.phase} failed: ${message.error}`));
    });
    child.on('exit', (code) => (result ? resolve(result) : reject(new Error(`phase ${request.phase} exited with ${code}`))));
    child.send(request);
  });
}

function childMain(): void {
  process.once('message', (request: PhaseRequest) => {
    runPhase(request).then(
      (result) => process.send?.({ ok: true, result }, () => process.exit(0)),
      (error: unknown) => process.send?.({ ok: false, error: error instanceof Error ? error.stack : String(error) }, () => process.exit(1)),
    );
  });
}

async function main(args: BenchArgs): Promise<void> {
  const notes: RunNotes = { commandLine: process.argv.slice(2), at: new Date() };
  const log = (line: string): void => console.log(line);
  log(`bench: generating ~${args.sizeMb} MB into ${args.dir} (reused when present)`);
  const tree: TreeInfo = await ensureTree(args.dir, args.sizeMb, args.seed);
  log(`  ${tree.files.length} files, ${fmt(mb(tree.bytes))} MB, ${tree.records} records (generated in ${fmt(tree.generateMs / 1000)} s when new)`);

  const results: Record<string, PhaseResult> = {};
  /**
   * Runs a phase `repeat` times and keeps the median run (the machine may be shared). With `floor`,
   * a floor run comes just before each run, and the phase's records/s over that floor's is its ratio
   * to the floor run by run: the machine's speed drifts by a third within minutes, so a ratio of two
   * runs minutes apart says as much about the drift as about the phase.
   */
  const step = async (key: string, request: PhaseRequest, repeat = 1, floor?: PhaseRequest, sinksAfter?: SinksAfter): Promise<PhaseResult> => {
    log(`bench: ${key} ...`);
    const runs: PhaseResult[] = [];
    const ratios: number[] = [];
    const sinkRatios = new Map<string, number[]>();
    for (let i = 0; i < repeat; i++) {
      const before = floor ? await inChild(floor) : undefined;
      const run = await inChild(request);
      runs.push(run);
      if (before) ratios.push(rate(run).rps / rate(before).rps);
      // Each sink right after the run it is compared with, for the same reason as the floor before it.
      const round = new Map<string, PhaseResult>();
      for (const sink of sinksAfter?.(run) ?? []) {
        const after = await inChild(sink.request);
        round.set(sink.name, after);
        if (after.extra['entitiesPerSecond'] === undefined) continue;
        const list = sinkRatios.get(sink.name) ?? [];
        list.push(entityRateOver(run, after));
        sinkRatios.set(sink.name, list);
      }
      for (const [name, bound] of Object.entries(ceilingsOverSink(run, round, os.cpus().length))) {
        const list = sinkRatios.get(name) ?? [];
        list.push(bound);
        sinkRatios.set(name, list);
      }
    }
    runs.sort((x, y) => x.ms - y.ms);
    const result = runs[Math.floor(runs.length / 2)] as PhaseResult;
    if (repeat > 1) result.extra['runsSeconds'] = runs.map((x) => fmt(x.ms / 1000, 2)).join(' / ');
    if (ratios.length > 0) {
      ratios.sort((x, y) => x - y);
      result.extra['pairedRatio'] = Math.round((ratios[Math.floor(ratios.length / 2)] as number) * 1000) / 1000;
      result.extra['pairedRatios'] = ratios.map((x) => fmt(x, 3)).join(' / ');
    }
    for (const [name, list] of sinkRatios) {
      list.sort((x, y) => x - y);
      result.extra[`paired${name}Ratio`] = Math.round((list[Math.floor(list.length / 2)] as number) * 1000) / 1000;
      result.extra[`paired${name}Ratios`] = list.map((x) => fmt(x, 3)).join(' / ');
    }
    results[key] = result;
    const { rps, mbps } = rate(result);
    log(
      `  ${key}: ${fmt(result.ms / 1000, 2)} s, ${fmt(rps, 0)} records/s, ${fmt(mbps)} MB/s, peak RSS ${result.peakRssMb} MiB ${JSON.stringify(result.extra)}`,
    );
    return result;
  };

  if (args.phases.has('a')) await step('a', { phase: 'floor', files: tree.files }, args.repeat);
  if (args.phases.has('b')) await step('b', { phase: 'pipeline', files: tree.files }, args.repeat);
  if (args.phases.has('stages')) {
    for (const upTo of ['decode', 'normalize', 'route'] as const) await step(`b-${upTo}`, { phase: 'pipeline', files: tree.files, upTo }, args.repeat);
  }
  if (args.phases.has('loop')) await step('loop', { phase: 'loop', files: tree.files });
  // The tree in the order a run reads it: by hour, then category (see processing/localCopies.ts).
  const byHour = [...tree.files].sort((x, y) => compareStrings(hourPart(x), hourPart(y)) || compareStrings(x, y));
  if (args.phases.has('c')) {
    let files = byHour;
    if (args.e2eMb > 0) {
      const { statSync } = await import('node:fs');
      let total = 0;
      files = byHour.filter((file) => (total < args.e2eMb * 1e6 ? ((total += statSync(file).size), true) : false));
      notes.e2eNote = `(c) ran on the first ${files.length} of ${tree.files.length} files (\`--e2e-mb ${args.e2eMb}\`).`;
    }
    // The machine's speed drifts by a third within minutes: (c), the headline ratio, is a median too,
    // and each of its runs is measured against a floor run of its own files just before it, and
    // against the sink floors (s), (s′) and (s″) right after it.
    const rowsFile = path.join(args.dir, 'c-rows.jsonl');
    const sinksAfter: SinksAfter = (run) => [
      { name: 'Sink', request: { phase: 'sink', entities: Number(run.extra['entities'] ?? 100_000) } },
      ...(run.extra['rowsLeft'] !== undefined
        ? [
            { name: 'SinkRows', request: { phase: 'sinkRows', rowsFile } as PhaseRequest },
            { name: 'SinkPacked', request: { phase: 'sinkRows', rowsFile, packed: true } as PhaseRequest },
          ]
        : []),
      // The processor alone, for the ceilings of (c) against (s) in the same round.
      ...(args.phases.has('loop') ? [{ name: 'Loop', request: { phase: 'loop', files } as PhaseRequest }] : []),
    ];
    await step(
      'c',
      { phase: 'cli', files, ...(args.phases.has('s') ? { rowsFile } : {}) },
      args.e2eRepeat,
      args.phases.has('a') ? { phase: 'floor', files } : undefined,
      args.phases.has('s') ? sinksAfter : undefined,
    );
  }
  if (args.phases.has('s')) {
    // As many entities as (c) wrote, straight into Azurite: the most any writer can get from it.
    const entities = Number(results['c']?.extra['entities'] ?? 100_000);
    await step('s', { phase: 'sink', entities });
    if (results['c']?.extra['rowsLeft'] !== undefined) {
      await step('s2', { phase: 'sinkRows', rowsFile: path.join(args.dir, 'c-rows.jsonl') });
      await step('s3', { phase: 'sinkRows', rowsFile: path.join(args.dir, 'c-rows.jsonl'), packed: true });
    }
  }
  if (args.phases.has('t')) await step('t', { phase: 'timer', root: tree.dir, files: tree.files });
  // The low memory profile: what it costs on the tree, end to end and in the timer (a 512 MB instance runs it).
  if (args.phases.has('low')) {
    await step('cLow', { phase: 'cli', files: byHour, memory: 'low' });
    await step('tLow', { phase: 'timer', root: tree.dir, files: tree.files, memory: 'low' });
  }
  if (args.phases.has('p')) await step('p', { phase: 'duckdb', files: tree.files }, args.repeat);
  if (args.phases.has('g')) {
    // Every other hour, then the hours between: halves of one mix (the day's busy hours fall in both),
    // and the second half's calls and days meet the first's rows, as late logs do.
    const hours = [...new Set(byHour.map(hourPart))];
    const firstHours = new Set(hours.filter((_, index) => index % 2 === 0));
    await step('g', {
      phase: 'growth',
      first: byHour.filter((file) => firstHours.has(hourPart(file))),
      second: byHour.filter((file) => !firstHours.has(hourPart(file))),
    });
  }

  if (args.phases.has('d')) {
    // Usage records only: few aggregate rows, so the full run into Azurite takes minutes, not an hour
    // (Azurite slows as its tables grow). What the append costs does not depend on the content.
    const usage = tree.files.filter((file) => file.includes('insights-logs-usage'));
    const big = bigFilePath(args.dir, 'incremental');
    await buildBigFile(big, usage, args.incrementalMb * 1e6);
    const append = await firstLines(usage[usage.length - 1] as string, 1024);
    await step('d', { phase: 'incremental', bigFile: big, append: append.toString('base64') });
  }

  if (args.phases.has('e')) {
    // The first N Rooms lines, each written k times in a row (as Azure Monitor sometimes duplicates a
    // record): k× the records over exactly the same rows. And the whole block twice, which changes the
    // same rows again after more than a transaction's worth of other rows.
    const lines = await collectLines(
      tree.files.filter((file) => file.includes('insights-logs-roomsoperational')),
      args.scalingLines,
    );
    const files = [];
    for (const repeat of SCALING_REPEATS) {
      const target = bigFilePath(args.dir, `scaling-x${repeat}`);
      await writeBig(target, [repeatEachLine(lines, repeat)]);
      files.push({ repeat, path: target });
    }
    const twice = bigFilePath(args.dir, 'scaling-block-twice');
    await writeBig(twice, [lines, lines]);
    files.push({ repeat: -2, path: twice });
    await step('e', { phase: 'scaling', files });
  }

  if (args.phases.has('f')) {
    const files = [];
    for (const count of ONE_CALL_OPERATIONS) {
      const target = bigFilePath(args.dir, `one-call-${count}`);
      await writeOneCall(target, count);
      files.push({ kind: 'operations' as const, count, path: target });
    }
    for (const count of ONE_CALL_STREAMS) {
      const target = bigFilePath(args.dir, `one-call-streams-${count}`);
      await writeOneCallStreams(target, count);
      files.push({ kind: 'streams' as const, count, path: target });
    }
    await step('f', { phase: 'oneCall', files });
  }

  if (args.phases.has('rss') && args.rssFileMb > 0) {
    const big = bigFilePath(args.dir, `rss-${args.rssFileMb}`);
    const bytes = await buildBigFile(big, tree.files, args.rssFileMb * 1e6);
    log(`bench: one file of ${fmt(mb(bytes))} MB at ${big}`);
    await step('rssLoop', { phase: 'loop', files: [big] });
    if (args.phases.has('rssPipeline')) await step('rssPipeline', { phase: 'pipeline', files: [big] });
    if (args.phases.has('rssE2e')) await step('rssE2e', { phase: 'cli', files: [big] });
    if (args.phases.has('rssE2eLow')) await step('rssE2eLow', { phase: 'cli', files: [big], memory: 'low' });
  }

  if (args.phases.has('junk') && args.junkMb > 0) {
    // Good Rooms records with 64 KiB of `x\n` after each: the flood a broken writer or an attacker makes.
    const rooms = tree.files.filter((file) => file.includes('insights-logs-roomsoperational'));
    const good = await firstLines(rooms[0] as string, 2 * 1024);
    const target = bigFilePath(args.dir, `junk-${args.junkMb}`);
    const built = await buildJunkFile(target, good, args.junkMb * 2 ** 20);
    notes.junk = built;
    log(`bench: junk file of ${fmt(mb(built.bytes))} MB (${built.goodLines} good records, ${built.junkLines.toLocaleString('en-US')} junk lines) at ${target}`);
    await step('junk', { phase: 'junk', file: target });
  }

  if (args.write) {
    const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'BENCHMARKS.md');
    notes.at = new Date();
    await writeReport(file, report(args, tree, results, notes));
    log(`bench: wrote ${file}`);
  }
}

function hourPart(file: string): string {
  const at = file.search(/[\\/]y=\d/);
  return at < 0 ? '' : file.slice(at + 1);
}

function compareStrings(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Sink runs made right after a run of (c): its entity rate over each sink's is paired run by run (`paired<name>Ratio`). */
type SinksAfter = (run: PhaseResult) => { name: string; request: PhaseRequest }[];

/** (f): operations of the one large call. */
const ONE_CALL_OPERATIONS = [2_000, 8_000, 16_000] as const;
/** Media streams of one participant of one call for (f): rows of one partition, linear since the call row is computed once per write. */
const ONE_CALL_STREAMS = [20_000, 50_000] as const;

/** (e): ×1 … ×32 fit one segment (80,000 records, 64 MiB) with the default 500 lines; ×256 spans two. */
const SCALING_REPEATS = [1, 2, 4, 8, 32, 256] as const;

function repeatEachLine(block: Buffer, times: number): Buffer {
  const parts: Buffer[] = [];
  for (let from = 0; from < block.length;) {
    const nl = block.indexOf(0x0a, from);
    const end = nl < 0 ? block.length : nl + 1;
    for (let i = 0; i < times; i++) parts.push(block.subarray(from, end));
    from = end;
  }
  return Buffer.concat(parts);
}

async function collectLines(files: readonly string[], count: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let lines = 0;
  for (const file of files) {
    const data = await readFile(file);
    let from = 0;
    while (lines < count) {
      const nl = data.indexOf(0x0a, from);
      if (nl < 0) break;
      from = nl + 1;
      lines++;
    }
    parts.push(data.subarray(0, from));
    if (lines >= count) break;
  }
  return Buffer.concat(parts);
}

async function writeBig(target: string, parts: readonly Buffer[]): Promise<void> {
  const { mkdir } = await import('node:fs/promises');
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, Buffer.concat(parts));
}

function start(): void {
  if (process.argv.includes('--child')) return childMain();
  const command = parseBenchArgs(process.argv.slice(2));
  if (command.kind === 'help') return console.log(command.text);
  if (command.kind === 'usageError') {
    console.error(command.text);
    process.exitCode = command.exitCode;
    return;
  }
  main(command.args).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}

start();
