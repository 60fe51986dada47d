/**
 * `npm run bench [-- --size-mb 150 --rss-file-mb 1024 --phases a,b,stages,loop,c,s,p,g,d,e,f,rss,rssE2e,junk --repeat 3 --dir /tmp/x --no-write]`
 * Generates logs with the project's generator and measures, on the same data, the floor (a), the
 * in-process pipeline (b), `acs-logs process` end to end (c), the sink floor (s), DuckDB (p), growth
 * (g), the incremental cost (d), how table requests scale (e), one large call (f), a junk flood (j);
 * optionally the loop and `acs-logs process` on one big file (rss, rssE2e). Writes docs/BENCHMARKS.md.
 */
import { fork } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bigFilePath, buildBigFile, buildJunkFile, ensureTree, firstLines, writeOneCall, type TreeInfo } from './data.js';
import { cliPhase, duckdbPhase, growthPhase, sinkPhase } from './endToEnd.js';
import {
  e2ePhase, floorPhase, incrementalPhase, junkPhase, loopPhase, oneCallPhase, pipelinePhase, scalingPhase, type PhaseResult, type PipelineStage,
} from './phases.js';

interface Args {
  sizeMb: number;
  rssFileMb: number;
  incrementalMb: number;
  scalingLines: number;
  e2eMb: number;
  junkMb: number;
  phases: Set<string>;
  dir: string;
  seed: number;
  write: boolean;
  repeat: number;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = {
    sizeMb: 150, rssFileMb: 0, incrementalMb: 20, scalingLines: 500, e2eMb: 0, junkMb: 16,
    phases: new Set(['a', 'b', 'stages', 'loop', 'c', 's', 'p', 'g', 'd', 'e', 'f', 'rss', 'junk']),
    dir: path.join(os.tmpdir(), 'acs-logs-bench'), seed: 1, write: true, repeat: 3,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === '--size-mb') args.sizeMb = Number(value());
    else if (flag === '--rss-file-mb') args.rssFileMb = Number(value());
    else if (flag === '--incremental-mb') args.incrementalMb = Number(value());
    else if (flag === '--e2e-mb') args.e2eMb = Number(value());
    else if (flag === '--junk-mb') args.junkMb = Number(value());
    else if (flag === '--scaling-lines') args.scalingLines = Number(value());
    else if (flag === '--phases') args.phases = new Set(value().split(','));
    else if (flag === '--dir') args.dir = path.resolve(value());
    else if (flag === '--seed') args.seed = Number(value());
    else if (flag === '--no-write') args.write = false;
    else if (flag === '--repeat') args.repeat = Math.max(1, Math.floor(Number(value())));
    else throw new UsageError(`unknown flag ${flag}`);
  }
  for (const [name, n] of [['--size-mb', args.sizeMb], ['--rss-file-mb', args.rssFileMb], ['--incremental-mb', args.incrementalMb], ['--e2e-mb', args.e2eMb], ['--junk-mb', args.junkMb], ['--scaling-lines', args.scalingLines], ['--seed', args.seed], ['--repeat', args.repeat]] as const) {
    if (!Number.isFinite(n) || n < 0) throw new UsageError(`${name} must be a number >= 0`);
  }
  return args;
}

class UsageError extends Error {}

const USAGE = 'usage: npm run bench -- [--size-mb N] [--rss-file-mb N] [--incremental-mb N] [--e2e-mb N] [--junk-mb N] [--scaling-lines N] ' +
  '[--phases a,b,stages,loop,c,s,p,g,d,e,f,rss,rssE2e,junk] [--repeat N] [--dir PATH] [--seed N] [--no-write]';

type PhaseRequest =
  | { phase: 'floor' | 'e2e' | 'loop' | 'cli' | 'duckdb'; files: string[] }
  | { phase: 'growth'; first: string[]; second: string[] }
  | { phase: 'sink'; entities: number }
  | { phase: 'pipeline'; files: string[]; upTo?: PipelineStage }
  | { phase: 'incremental'; bigFile: string; append: string }
  | { phase: 'junk'; file: string }
  | { phase: 'scaling'; files: { repeat: number; path: string }[] }
  | { phase: 'oneCall'; files: { operations: number; path: string }[] };

async function runPhase(request: PhaseRequest): Promise<PhaseResult> {
  switch (request.phase) {
    case 'floor': return floorPhase(request.files);
    case 'pipeline': return pipelinePhase(request.files, undefined, request.upTo);
    case 'e2e': return e2ePhase(request.files);
    case 'cli': return cliPhase(request.files);
    case 'growth': return growthPhase(request.first, request.second);
    case 'sink': return sinkPhase(request.entities);
    case 'duckdb': return duckdbPhase(request.files);
    case 'loop': return loopPhase(request.files);
    case 'incremental': return incrementalPhase(request.bigFile, Buffer.from(request.append, 'base64'));
    case 'scaling': return scalingPhase(request.files);
    case 'oneCall': return oneCallPhase(request.files);
    case 'junk': return junkPhase(request.file);
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

const mb = (bytes: number): number => bytes / 1e6;
const fmt = (n: number, digits = 1): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const rate = (r: PhaseResult): { rps: number; mbps: number } => ({ rps: r.records / (r.ms / 1000), mbps: mb(r.bytes) / (r.ms / 1000) });

function machine(): string[] {
  const cpus = os.cpus();
  return [
    `- CPU: ${cpus.length} × ${cpus[0]?.model ?? 'unknown'} (${cpus[0]?.speed ?? '?'} MHz)`,
    `- Memory: ${fmt(os.totalmem() / 2 ** 30)} GiB`,
    `- OS: ${os.type()} ${os.release()} ${os.arch()}`,
    `- Node: ${process.version}`,
  ];
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const log = (line: string): void => console.log(line);
  log(`bench: generating ~${args.sizeMb} MB into ${args.dir} (reused when present)`);
  const tree: TreeInfo = await ensureTree(args.dir, args.sizeMb, args.seed);
  log(`  ${tree.files.length} files, ${fmt(mb(tree.bytes))} MB, ${tree.records} records (generated in ${fmt(tree.generateMs / 1000)} s when new)`);

  const results: Record<string, PhaseResult> = {};
  const step = async (key: string, request: PhaseRequest, repeat = 1): Promise<PhaseResult> => {
    log(`bench: ${key} ...`);
    // Short in-process phases run several times; the median run is kept (the machine may be shared).
    const runs: PhaseResult[] = [];
    for (let i = 0; i < repeat; i++) runs.push(await inChild(request));
    runs.sort((x, y) => x.ms - y.ms);
    const result = runs[Math.floor(runs.length / 2)] as PhaseResult;
    if (repeat > 1) result.extra['runsSeconds'] = runs.map((x) => fmt(x.ms / 1000, 2)).join(' / ');
    results[key] = result;
    const { rps, mbps } = rate(result);
    log(`  ${key}: ${fmt(result.ms / 1000, 2)} s, ${fmt(rps, 0)} records/s, ${fmt(mbps)} MB/s, peak RSS ${result.peakRssMb} MiB ${JSON.stringify(result.extra)}`);
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
      e2eNote = `(c) ran on the first ${files.length} of ${tree.files.length} files (\`--e2e-mb ${args.e2eMb}\`).`;
    }
    await step('c', { phase: 'cli', files });
  }
  if (args.phases.has('s')) {
    // As many entities as (c) wrote, straight into Azurite: the most any writer can get from it.
    const entities = Number(results['c']?.extra['entities'] ?? 100_000);
    await step('s', { phase: 'sink', entities });
  }
  if (args.phases.has('p')) await step('p', { phase: 'duckdb', files: tree.files }, args.repeat);
  if (args.phases.has('g')) {
    const hours = [...new Set(byHour.map(hourPart))];
    const firstHours = new Set(hours.slice(0, Math.ceil(hours.length / 2)));
    await step('g', { phase: 'growth', first: byHour.filter((file) => firstHours.has(hourPart(file))), second: byHour.filter((file) => !firstHours.has(hourPart(file))) });
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
    const lines = await collectLines(tree.files.filter((file) => file.includes('insights-logs-roomsoperational')), args.scalingLines);
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
    for (const operations of ONE_CALL_OPERATIONS) {
      const target = bigFilePath(args.dir, `one-call-${operations}`);
      await writeOneCall(target, operations);
      files.push({ operations, path: target });
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
  }

  if (args.phases.has('junk') && args.junkMb > 0) {
    // Good Rooms records with 64 KiB of `x\n` after each: the flood a broken writer or an attacker makes.
    const rooms = tree.files.filter((file) => file.includes('insights-logs-roomsoperational'));
    const good = await firstLines(rooms[0] as string, 2 * 1024);
    const target = bigFilePath(args.dir, `junk-${args.junkMb}`);
    const built = await buildJunkFile(target, good, args.junkMb * 2 ** 20);
    junkInfo = built;
    log(`bench: junk file of ${fmt(mb(built.bytes))} MB (${built.goodLines} good records, ${built.junkLines.toLocaleString('en-US')} junk lines) at ${target}`);
    await step('junk', { phase: 'junk', file: target });
  }

  if (args.write) {
    const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'BENCHMARKS.md');
    // The hand-written analysis at the end of the file (from ANALYSIS_HEADING on) is kept across runs.
    const previous = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return '';
      throw error;
    });
    const at = previous.indexOf(ANALYSIS_HEADING);
    await writeFile(file, report(args, tree, results) + (at >= 0 ? '\n' + previous.slice(at) : ''));
    log(`bench: wrote ${file}`);
  }
}

let e2eNote = '';

function hourPart(file: string): string {
  const at = file.search(/[\\/]y=\d/);
  return at < 0 ? '' : file.slice(at + 1);
}

function compareStrings(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}
let junkInfo: { bytes: number; goodLines: number; junkLines: number } | undefined;

const ANALYSIS_HEADING = '## Analysis';

/** (f): operations of the one large call. */
const ONE_CALL_OPERATIONS = [2_000, 8_000, 16_000] as const;

/** (e): ×1 … ×4 fit one segment (2,500 records) with the default 500 lines; ×8 and ×32 span several. */
const SCALING_REPEATS = [1, 2, 4, 8, 32] as const;

function repeatEachLine(block: Buffer, times: number): Buffer {
  const parts: Buffer[] = [];
  for (let from = 0; from < block.length; ) {
    const nl = block.indexOf(0x0a, from);
    const end = nl < 0 ? block.length : nl + 1;
    for (let i = 0; i < times; i++) parts.push(block.subarray(from, end));
    from = end;
  }
  return Buffer.concat(parts);
}

interface ScalingRow {
  repeat: number;
  records: number;
  bytes: number;
  requests: number;
  rows: number;
  segments: number;
}

function scalingRows(e: PhaseResult): ScalingRow[] {
  return Object.entries(e.extra)
    .filter(([key]) => key.startsWith('x'))
    .map(([key, value]) => ({ repeat: Number(key.slice(1)), ...(JSON.parse(String(value)) as Omit<ScalingRow, 'repeat'>) }))
    .sort((x, y) => (x.repeat > 0 && y.repeat > 0 ? x.repeat - y.repeat : y.repeat - x.repeat));
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

function report(args: Args, tree: TreeInfo, r: Record<string, PhaseResult>): string {
  const out: string[] = [];
  const a = r['a'];
  const b = r['b'];
  const c = r['c'];
  const d = r['d'];
  const e = r['e'];
  const p = r['p'];
  const perThousand = (x: PhaseResult, key: string): string => {
    const value = x.extra[key];
    return value === undefined ? '' : fmt(Number(value), 1);
  };
  const row = (label: string, x: PhaseResult | undefined): string => {
    if (!x) return `| ${label} | not run | | | | | | |`;
    const { rps } = rate(x);
    const toFloor = a && x.records > 0 ? fmt(rps / rate(a).rps, 3) : '';
    const toPeer = p ? fmt(p.ms / x.ms, 3) : '';
    return `| ${label} | ${fmt(x.ms / 1000, 2)} | ${x.records > 0 ? fmt(rps, 0) : ''} | ${toFloor} | ${toPeer} | ` +
      `${perThousand(x, 'requestsPer1000Records')} | ${perThousand(x, 'entitiesPer1000Records')} | ${x.peakRssMb} |`;
  };
  const ok = (pass: boolean | undefined): string => (pass === undefined ? 'not measured' : pass ? '**met**' : '**MISSED**');
  out.push('# Benchmarks', '');
  out.push(`Latest run: ${new Date().toISOString()} — \`npm run bench -- ${process.argv.slice(2).join(' ')}\``.trimEnd(), '');
  out.push('## Machine', '', ...machine(), '');
  out.push('## Data', '');
  out.push(`Generated by \`generateLogs\` (seed ${tree.seed}, 1 resource, 24 h, roomsPerHour ${tree.roomsPerHour}, callsPerHour ${tree.callsPerHour}): ` +
    `${tree.files.length} files, ${fmt(mb(tree.bytes))} MB, ${tree.records.toLocaleString('en-US')} records (JSON Lines, all eight categories).`, '');
  out.push('## Every phase', '');
  out.push('Ratio to the floor: records/s over (a)\'s records/s on the same data. Ratio to DuckDB: DuckDB\'s seconds (p) over the ' +
    'phase\'s seconds, on the whole tree (DuckDB reads only the Rooms files, the ones its question needs).', '');
  out.push('| phase | seconds | records/s | ratio to floor | ratio to DuckDB | requests / 1,000 records | entities / 1,000 records | peak RSS MiB |',
    '|---|---:|---:|---:|---:|---:|---:|---:|');
  out.push(row('(a) floor: read + JSON.parse per line', a));
  out.push(row('(b) pipeline in process: Framer → decodeUnit → normalizeRecord → route + apply', b));
  if (r['b-decode']) out.push(row('(b) up to decoding: Framer → decodeUnit', r['b-decode']));
  if (r['b-normalize']) out.push(row('(b) up to normalizing: + normalizeRecord', r['b-normalize']));
  if (r['b-route']) out.push(row('(b) up to routing: + every view\'s route and row lookup', r['b-route']));
  if (r['loop']) out.push(row('(c′) per-file loop (processFile) with a null table store: the processor alone', r['loop']));
  out.push(row('(c) end to end: `acs-logs process` on the tree, embedded default store, start-up included', c));
  const g = r['g'];
  if (g) out.push(row('(g) the same in two runs: first half of the hours, then the second half into the same store', g));
  if (p) out.push(row('(p) peer: DuckDB `read_json` + `GROUP BY` (Rooms operations per day, operation and result)', p));
  const sink = r['s'];
  if (sink) out.push(`| (s) sink floor: ${Number(sink.extra['entities']).toLocaleString('en-US')} entities upserted straight into Azurite (on disk), 100 per batch, 8 batches at a time | ${fmt(sink.ms / 1000, 2)} | | | | | | ${sink.peakRssMb} |`);
  if (r['rssLoop']) out.push(row(`(c′) on one ${args.rssFileMb} MB file`, r['rssLoop']));
  if (r['rssPipeline']) out.push(row(`(b) on one ${args.rssFileMb} MB file (holds every aggregate row in memory)`, r['rssPipeline']));
  if (r['rssE2e']) out.push(row(`(c) \`acs-logs process\` of one ${args.rssFileMb} MB file`, r['rssE2e']));
  out.push('');
  if (e2eNote) out.push(e2eNote, '');
  if (c) {
    out.push('## Table requests and entities (c)', '');
    out.push(`- ${Number(c.extra['requests']).toLocaleString('en-US')} requests and ${Number(c.extra['entities']).toLocaleString('en-US')} entities written ` +
      `for ${c.records.toLocaleString('en-US')} records: **${c.extra['requestsPer1000Records']} requests** and ${c.extra['entitiesPer1000Records']} entities per 1,000 records.`);
    if (sink) {
      const cRate = Number(c.extra['entities']) / (c.ms / 1000);
      out.push(`- Entity write rate: ${fmt(cRate, 0)} entities/s end to end, against ${fmt(Number(sink.extra['entitiesPerSecond']), 0)} entities/s for the sink floor (s): ` +
        `**${fmt(cRate / Number(sink.extra['entitiesPerSecond']), 3)}** of it.`);
    }
    out.push('');
  }
  if (g) {
    out.push('## Growth (g): the second half costs what the first did', '');
    out.push('| half | records | seconds | requests | seconds / 1,000 records | requests / 1,000 records |', '|---|---:|---:|---:|---:|---:|');
    for (const half of ['first', 'second'] as const) {
      const records = Number(g.extra[`${half}Records`]);
      const seconds = Number(g.extra[`${half}Seconds`]);
      const requests = Number(g.extra[`${half}Requests`]);
      out.push(`| ${half} | ${records.toLocaleString('en-US')} | ${fmt(seconds, 2)} | ${requests.toLocaleString('en-US')} | ${fmt((seconds / records) * 1000, 3)} | ${fmt((requests / records) * 1000, 1)} |`);
    }
    out.push('', `Second half over first, per record: time ×${g.extra['timeRatio']}, requests ×${g.extra['requestRatio']}.`, '');
  }
  const scaling = e ? scalingRows(e) : [];
  if (e) {
    out.push('## Requests vs records (e): the same rows, more records', '');
    out.push(`The first ${args.scalingLines.toLocaleString('en-US')} Rooms lines of the tree, each line written k times in a row (k× the records, the same ` +
      'rows), and the whole block written twice; each file processed into empty tables.', '');
    out.push('| file | records | MB | segments | requests | aggregate rows | requests / row | requests / 1,000 records |', '|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const x of scaling) {
      const label = x.repeat > 0 ? `each line ×${x.repeat}` : `block ×${-x.repeat}`;
      out.push(`| ${label} | ${x.records} | ${fmt(mb(x.bytes))} | ${x.segments} | ${x.requests} | ${x.rows} | ${fmt(x.requests / x.rows, 3)} | ${fmt((x.requests / x.records) * 1000, 2)} |`);
    }
    out.push('');
  }
  const f = r['f'];
  if (f) {
    out.push('## One large call (f): one CorrelationId, one Calls partition', '');
    out.push('Each file is one call of n Call Recording API operations (20 recordings), processed into empty tables. ' +
      'The call row is recomputed from the whole partition in every transaction; the run keeps the rows it wrote, so the partition is read at most once per run.', '');
    out.push('| operations | seconds | processor CPU seconds | segments | reads | transactions | requests | requests / 1,000 operations |', '|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const [key, value] of Object.entries(f.extra).filter(([k]) => k.startsWith('n'))) {
      const x = JSON.parse(String(value)) as { records: number; ms: number; cpuMs: number; reads: number; transactions: number; requests: number; segments: number };
      out.push(`| ${Number(key.slice(1)).toLocaleString('en-US')} | ${fmt(x.ms / 1000, 2)} | ${fmt(x.cpuMs / 1000, 2)} | ${x.segments} | ${x.reads} | ${x.transactions} | ${x.requests} | ${fmt((x.requests / x.records) * 1000, 2)} |`);
    }
    out.push('');
  }
  if (d) {
    const x = d.extra;
    out.push('## Incremental cost (d)', '');
    out.push(`- File of ${fmt(mb(d.bytes))} MB (${d.records.toLocaleString('en-US')} Usage records, the tree's Usage files repeated) processed in ${fmt(Number(x['fullMs']) / 1000, 2)} s (read ${x['fullBytesRead']} bytes).`);
    out.push(`- Appended ${x['appendedBytes']} bytes (${x['appendedRecords']} records); the next run read **${x['incrementalBytesRead']} bytes** ` +
      `(×${x['readRatio']} the appended bytes, ${x['incrementalReadCalls']} reads) in ${x['incrementalMs']} ms ` +
      `(${fmt(Number(x['timeRatio']) * 100, 3)} % of the full run), ${x['incrementalRequests']} table requests.`, '');
  }
  const j = r['junk'];
  if (j) out.push(...junkSection(j), '');
  out.push('## Targets', '');
  const ba = a && b ? rate(b).rps / rate(a).rps : undefined;
  const ca = a && c ? rate(c).rps / rate(a).rps : undefined;
  out.push(`- end to end (c) ≥ 0.05× the floor (stretch 0.25): ${ca === undefined ? '' : fmt(ca, 3)} — ${ok(ca === undefined ? undefined : ca >= 0.05)}` +
    (ca !== undefined && ca >= 0.25 ? ' (stretch met)' : ''));
  const perThousandC = c ? Number(c.extra['requestsPer1000Records']) : undefined;
  out.push(`- requests per 1,000 records (c) ≤ 100: ${perThousandC ?? ''} (entities per 1,000 records: ${c?.extra['entitiesPer1000Records'] ?? ''}) — ${ok(perThousandC === undefined ? undefined : perThousandC <= 100)}`);
  const sinkRatio = c && sink ? (Number(c.extra['entities']) / (c.ms / 1000)) / Number(sink.extra['entitiesPerSecond']) : undefined;
  out.push(`- end-to-end entity write rate ≥ 0.5× the sink floor (s): ${sinkRatio === undefined ? '' : fmt(sinkRatio, 3)} — ${ok(sinkRatio === undefined ? undefined : sinkRatio >= 0.5)}`);
  const timeRatio = g ? Number(g.extra['timeRatio']) : undefined;
  const requestRatio = g ? Number(g.extra['requestRatio']) : undefined;
  out.push(`- flat as tables grow (g: second half within ±20 % of the first, per record): time ×${timeRatio ?? ''}, requests ×${requestRatio ?? ''} — ` +
    `${ok(timeRatio === undefined || requestRatio === undefined ? undefined : timeRatio <= 1.2 && requestRatio <= 1.2)}`);
  out.push(`- peer (p, reported): DuckDB ${p ? `${fmt(p.ms / 1000, 2)} s` : 'not run'}; (c) takes ${p && c ? `×${fmt(c.ms / p.ms, 1)}` : ''} its time, the floor ${p && a ? `×${fmt(a.ms / p.ms, 2)}` : ''}`);
  const rssE2e = r['rssE2e'];
  out.push(`- peak RSS < 200 MB for \`acs-logs process\` of one 1 GB file: ${rssE2e ? `${fmt(rssE2e.peakRssMb * 1.048576)} MB on ${args.rssFileMb} MB` : ''} — ` +
    `${ok(rssE2e && args.rssFileMb >= 1000 ? rssE2e.peakRssMb * 1.048576 < 200 : undefined)}`);
  out.push(`- b/a ≥ 0.5: ${ba === undefined ? '' : fmt(ba, 3)} — ${ok(ba === undefined ? undefined : ba >= 0.5)}`);
  const rss = r['rssLoop'];
  out.push(`- peak RSS < 200 MB on a 1 GB file (the processor alone): ${rss ? `${fmt(rss.peakRssMb * 1.048576)} MB on ${args.rssFileMb} MB` : ''} — ` +
    `${ok(rss && args.rssFileMb >= 1000 ? rss.peakRssMb * 1.048576 < 200 : undefined)}`);
  const oneSegment = scaling.filter((x) => x.repeat > 0 && x.segments === 1);
  const first = oneSegment[0];
  const last = oneSegment[oneSegment.length - 1];
  const growth = first && last && last !== first ? last.requests / first.requests : undefined;
  out.push(`- requests grow with rows, not records (×${last && first ? last.records / first.records : '?'} records in one segment, same rows → requests flat): ` +
    `${growth === undefined ? '' : `×${fmt(growth, 3)}`} — ${ok(growth === undefined ? undefined : growth <= 1.25)}`);
  out.push(`- junk flood (16 MiB of two-byte junk lines between good records) end to end in < 60 s with peak RSS < 300 MB: ` +
    `${j ? `${fmt(j.ms / 1000, 1)} s, ${fmt(j.peakRssMb * 1.048576)} MB` : ''} — ${ok(j ? j.ms < 60_000 && j.peakRssMb * 1.048576 < 300 : undefined)}`);
  const readRatio = d ? Number(d.extra['readRatio']) : undefined;
  out.push(`- incremental reads ≤ 2× appended bytes: ${readRatio === undefined ? '' : `×${readRatio}`} — ${ok(readRatio === undefined ? undefined : readRatio <= 2)}`, '');
  out.push(...timeSplit(r), HOW_TO, '');
  return out.join('\n');
}

function junkSection(j: PhaseResult): string[] {
  const x = j.extra;
  const lines = junkInfo ? `${junkInfo.junkLines.toLocaleString('en-US')} junk lines and ${junkInfo.goodLines} good records` : `${x['badLines']} junk lines`;
  return [
    '## Junk flood (j)', '',
    `One file of ${fmt(mb(j.bytes))} MB: ${lines} (each good Rooms record followed by 64 KiB of \`x\\n\`), processed end to end into ` +
      'Azurite as `acs-logs process` does (LocalLogSource + processFile, default settings).', '',
    '| seconds | peak RSS MiB | records | bad lines | quarantine entries | segments | table requests (reads / writes / transactions) |',
    '|---:|---:|---:|---:|---:|---:|---|',
    `| ${fmt(j.ms / 1000, 2)} | ${j.peakRssMb} | ${j.records} | ${x['badLines']} | ${x['quarantineEntries']} | ${x['segments']} | ${x['requestsTotal']} (${x['reads']} / ${x['writes']} / ${x['transactions']}) |`,
  ];
}

/** Where (b)'s time goes beyond (a), from the cumulative stage runs of the same report. */
function timeSplit(r: Record<string, PhaseResult>): string[] {
  const a = r['a'];
  const stages: [string, PhaseResult | undefined][] = [
    ['framing and tolerant decoding (`Framer`, `decodeUnit`, with its `JSON.parse`)', r['b-decode']],
    ['normalizing (`normalizeRecord`: field lookup, conversions, compiled zod schema)', r['b-normalize']],
    ["routing (six views' `route`: partition and row keys, the call join's operation digest) and row lookup", r['b-route']],
    ["folding (six views' `apply` and `finalize`)", r['b']],
  ];
  if (!a || stages.some(([, x]) => !x)) return [];
  const out = ['## Where the time of (b) goes', '', '| stage | adds seconds | share of (b) |', '|---|---:|---:|'];
  const total = (r['b'] as PhaseResult).ms;
  out.push(`| (a) reading and \`JSON.parse\` | ${fmt(a.ms / 1000, 2)} | ${fmt((a.ms / total) * 100, 0)} % |`);
  let previous = a.ms;
  for (const [label, x] of stages) {
    const ms = (x as PhaseResult).ms;
    out.push(`| ${label} | ${fmt((ms - previous) / 1000, 2)} | ${fmt(((ms - previous) / total) * 100, 0)} % |`);
    previous = ms;
  }
  out.push('', 'Each row is the difference between two cumulative runs (medians), so small negative or noisy', 'differences are possible.', '');
  return out;
}

const HOW_TO = `## How to run

\`\`\`sh
npm run bench                                      # ~150 MB tree, every phase but the 1 GB ones
npm run bench -- --rss-file-mb 1024 --phases rss,rssE2e   # the per-file loop and \`acs-logs process\` on one 1 GB file (RSS targets)
npm run bench -- --size-mb 1024                    # a 1 GB tree (generated once, reused)
npm run bench -- --phases a,c,s,p,g --no-write     # a subset, without touching this file
npm run bench -- --size-mb 2 --phases junk         # only the junk flood (j): 16 MiB of \`x\\n\` between good records
\`\`\`

\`bench/tsconfig.json\` compiles \`bench/**\` (and the sources it imports) into \`dist/\`; \`npm run bench\`
runs \`dist/bench/run.js\`. Generated data is kept in \`$TMPDIR/acs-logs-bench\` (\`--dir\`) and reused
by later runs with the same size and seed. Every phase runs in its own child process, so its peak
RSS (getrusage \`maxrss\`, cross-checked by a 50 ms \`rss\` sampler) is its own. (c) and (g) run the
\`acs-logs\` command itself as a further process and report its peak RSS; its embedded Azurite is
another process again and is not counted. (a), (b), the stages of (b) and (p) run \`--repeat\` times
(default 3) and the median run is reported.

## How to read it

- **(a) floor**: the least any reader of these bytes must do (1 MiB ranged reads, split on \`\\n\`,
  \`JSON.parse\`). **(b)/(a)** is the cost of framing, tolerant decoding, validation and folding
  into every view. The stage rows run (b) up to a point, so their differences say where the time goes.
- **(c) end to end**: \`acs-logs process <tree> --data-dir <new dir>\`, as a user runs it: start-up of
  the embedded Azurite (on disk) included. It prints its table requests and entities written, which
  give requests and entities per 1,000 records: in Azure, requests are the bill and the throttling
  budget.
- **(s) sink floor**: as many entities as (c) wrote, upserted straight into a new on-disk Azurite in
  full batches: the most any writer can get from it. (c)'s entity rate over (s)'s says how close
  the write path comes to the store's own limit.
- **(p) peer**: DuckDB reading the same files to answer one question (Rooms operations per day by
  operation and result): what a user would otherwise run on downloaded logs.
- **(g) growth**: the first half of the tree's hours, then the second half into the same store, each
  its own \`acs-logs process\`: the second half should cost what the first did, per record.
- **(e)**: lines repeated in place change the very same rows with k× the records: requests stay flat
  while a file fits one segment (2,500 records), and a further segment costs only the rows it
  changes.
- **(c′) loop**: \`processFile\` itself (framing, interpretation, grouping, checkpoints) with a
  table store that keeps only checkpoints: the processor's own CPU and memory, without Azurite.
- **(j) junk flood**: 16 MiB of two-byte junk lines between good records, end to end. A run of bad
  lines is one quarantine entry and budgets are checked after every line, so entries, requests and
  memory follow the good records and segments, not the 8 million bad lines; the target is under a
  minute and under 300 MB of peak RSS.
- **(d)**: after a 1 KB append to a file already processed, only the new bytes (plus the file-identity
  check: the 256-byte head and the 512 bytes before the offset) should be read.
`;

if (process.argv.includes('--child')) childMain();
else main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    console.error(`bench: ${error.message}\n${USAGE}`);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});
