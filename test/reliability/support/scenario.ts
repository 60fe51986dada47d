import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lastingTempDir } from '../../support/lastingTempDir.js';
import type { RowData } from '../../../src/lib/aggregating/index.js';
import { defaultGenerateOptions, generateLogs, writeLogsToDirectory, type LogAppend } from '../../../src/lib/generating/index.js';
import { categoryFromContainer, normalizeRecord, resourceIdFromBlobPath } from '../../../src/lib/normalizing/index.js';
import type { NormalizedRecord } from '../../../src/lib/normalizing/types.js';
import { CheckpointStore } from '../../../src/lib/processing/checkpoints.js';
import { expandLocalPaths, refForLocalPath } from '../../../src/lib/storage/LocalLogSource.js';
import { fileKey, type LogFileRef } from '../../../src/lib/storage/LogSource.js';
import type { TableStore } from '../../../src/lib/storage/TableStore.js';
import { readAggregates, referenceAggregates, type AggregateSnapshot } from '../../support/storage.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CLI = path.join(ROOT, 'dist', 'src', 'cli', 'main.js');

/** Generated appends (all four categories) for `hours` simulated hours, kept in memory to be written bit by bit. */
export function generatedAppends(seed: number, hours: number, roomsPerHour = 30, callsPerHour = 12): LogAppend[] {
  const from = Date.UTC(2024, 4, 25, 0, 0, 0);
  return [...generateLogs(defaultGenerateOptions({ seed, from, to: from + hours * 3_600_000, roomsPerHour, callsPerHour }))];
}

export async function tempDir(name: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `acs-rel-${name}-`));
}

/** Appends `appends` to the storage-shaped tree at `dir` (files grow, as Azure Monitor's do). */
export async function writeAppends(dir: string, appends: readonly LogAppend[]): Promise<void> {
  await writeLogsToDirectory(dir, appends);
}

export interface Expected {
  records: NormalizedRecord[];
  /** Good records per file key (what each checkpoint must count). */
  perFile: Map<string, number>;
  lines: number;
}

/** One careful pass of every line of every file, independent of the Framer: JSON.parse + normalizeRecord. */
export async function expectedFromDir(dir: string): Promise<Expected> {
  const files: { ref: LogFileRef; text: string }[] = [];
  for (const file of await expandLocalPaths([dir])) files.push({ ref: refForLocalPath(file), text: await readFile(file, 'utf8') });
  return expectedFromTexts(files);
}

/** The same careful pass over files given as their whole text (e.g. blobs downloaded without faults). */
export function expectedFromTexts(files: Iterable<{ ref: LogFileRef; text: string }>): Expected {
  const expected: Expected = { records: [], perFile: new Map(), lines: 0 };
  for (const { ref, text } of files) {
    const context = { fileCategory: categoryFromContainer(ref.container), resourceIdFromPath: resourceIdFromBlobPath(ref.path) };
    let good = 0;
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      expected.lines++;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        continue;
      }
      const normalized = normalizeRecord(value as Record<string, unknown>, context);
      if (normalized.success) {
        expected.records.push(normalized.record);
        good++;
      }
    }
    expected.perFile.set(fileKey(ref), good);
  }
  return expected;
}

export interface Verdict {
  equal: boolean;
  /** Σ of every numeric `count`-like property short of the reference (records lost). */
  lost: number;
  /** Σ of every numeric `count`-like property beyond the reference (records counted twice). */
  doubled: number;
  rowsDiffering: number;
  checkpointRecords: number;
  expectedRecords: number;
  checkpointMismatches: string[];
  actual: AggregateSnapshot;
  reference: AggregateSnapshot;
}

const COUNT_PROPERTY = /count$/i;

/** Aggregates vs one clean pass, and every checkpoint's record count vs the file's good records. */
export async function verify(tables: TableStore, expected: Expected): Promise<Verdict> {
  const actual = await readAggregates(tables);
  const reference = referenceAggregates(expected.records);
  let lost = 0;
  let doubled = 0;
  let rowsDiffering = 0;
  for (const table of new Set([...Object.keys(actual), ...Object.keys(reference)])) {
    const a = actual[table] ?? {};
    const r = reference[table] ?? {};
    for (const key of new Set([...Object.keys(a), ...Object.keys(r)])) {
      const x: RowData = a[key] ?? {};
      const y: RowData = r[key] ?? {};
      if (canonical(x) !== canonical(y)) rowsDiffering++;
      for (const property of new Set([...Object.keys(x), ...Object.keys(y)])) {
        if (!COUNT_PROPERTY.test(property)) continue;
        const delta = (typeof x[property] === 'number' ? x[property] : 0) - (typeof y[property] === 'number' ? y[property] : 0);
        if (delta > 0) doubled += delta;
        else lost -= delta;
      }
    }
  }
  const checkpoints = new CheckpointStore(tables);
  let checkpointRecords = 0;
  const checkpointMismatches: string[] = [];
  const seen = new Set<string>();
  for await (const checkpoint of checkpoints.listAll()) {
    const key = `${checkpoint.container}/${checkpoint.path}`;
    seen.add(key);
    checkpointRecords += checkpoint.records;
    const want = expected.perFile.get(key) ?? 0;
    if (checkpoint.records !== want) checkpointMismatches.push(`${key}: checkpoint ${checkpoint.records}, file ${want}`);
  }
  for (const [key, count] of expected.perFile) if (!seen.has(key) && count > 0) checkpointMismatches.push(`${key}: no checkpoint, file ${count}`);
  let expectedRecords = 0;
  for (const count of expected.perFile.values()) expectedRecords += count;
  return {
    equal: rowsDiffering === 0,
    lost,
    doubled,
    rowsDiffering,
    checkpointRecords,
    expectedRecords,
    checkpointMismatches,
    actual,
    reference,
  };
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  killed: boolean;
  ms: number;
  stdout: string;
  stderr: string;
}

/** Runs `acs-logs process <dir>` as a child process; SIGKILLs it after `killAfterMs` when given. */
export function runCli(dir: string, connectionString: string, prefix: string, killAfterMs?: number): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [CLI, 'process', dir, '--connection-string', connectionString, '--table-prefix', prefix, '--quiet'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    let killed = false;
    const timer =
      killAfterMs === undefined
        ? undefined
        : setTimeout(() => {
            killed = child.kill('SIGKILL');
          }, killAfterMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, killed: killed && signal === 'SIGKILL', ms: Date.now() - started, stdout, stderr });
    });
  });
}

/** Appends one JSON line of figures to the results file that docs/RELIABILITY.md is written from. */
export function recordFigures(figures: Record<string, unknown>): void {
  const file = process.env['RELIABILITY_RESULTS'] ?? path.join(lastingTempDir(), 'acs-logs-reliability-results.jsonl');
  appendFileSync(file, JSON.stringify({ at: new Date().toISOString(), ...figures }) + '\n');
}

export function summary(verdict: Verdict): Record<string, unknown> {
  return {
    equal: verdict.equal,
    lost: verdict.lost,
    doubled: verdict.doubled,
    rowsDiffering: verdict.rowsDiffering,
    checkpointRecords: verdict.checkpointRecords,
    expectedRecords: verdict.expectedRecords,
    checkpointMismatches: verdict.checkpointMismatches.length,
  };
}

function canonical(row: RowData): string {
  return JSON.stringify(
    Object.keys(row)
      .sort()
      .map((key) => [key, row[key]]),
  );
}
