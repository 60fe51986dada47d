import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeTestDir } from '../support/embedded.js';
import { parseBenchArgs, type BenchArgs } from '../../bench/args.js';
import type { TreeInfo } from '../../bench/data.js';
import type { PhaseResult } from '../../bench/phases.js';
import { ANALYSIS_HEADING, ceilingsOverSink, report, withAnalysisKept, writeReport } from '../../bench/report.js';

const EVERY_PHASE_HEADER =
  '| phase | seconds | records/s | ratio to floor | ratio to DuckDB | requests / 1,000 records | entities / 1,000 records | peak RSS MiB |';

const ANALYSIS = `${ANALYSIS_HEADING}

Written by hand: **kept** as is, with its | pipes |, trailing spaces   
and \`code\`.

## A later hand-written heading

- still part of the analysis
`;

const tree: TreeInfo = { dir: '/tmp/t', files: ['a', 'b'], bytes: 2_000_000, records: 4_000, seed: 1, roomsPerHour: 3, callsPerHour: 2, generateMs: 10 };

function phase(ms: number, extra: PhaseResult['extra'] = {}): PhaseResult {
  return { name: 'x', ms, bytes: tree.bytes, records: tree.records, peakRssMb: 100, sampledRssMb: 99, extra };
}

function args(argv: string[]): BenchArgs {
  const command = parseBenchArgs(argv);
  if (command.kind !== 'run') throw new Error(command.kind);
  return command.args;
}

function render(results: Record<string, PhaseResult>): string {
  return report(args(['--phases', 'a,c,p']), tree, results, { commandLine: ['--phases', 'a,c,p'], at: new Date('2026-01-02T03:04:05.000Z') });
}

describe('bench report', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await removeTestDir(dir);
    dir = undefined;
  });

  it('renders one table of every phase with time, records/s, both ratios, requests, entities and peak RSS', () => {
    const text = render({
      a: phase(1_000),
      c: phase(8_000, { requestsPer1000Records: 120.5, entitiesPer1000Records: 900, requests: 482, entities: 3_600 }),
      p: phase(500),
    });
    const lines = text.split('\n');
    const at = lines.indexOf(EVERY_PHASE_HEADER);
    expect(at).toBeGreaterThan(lines.indexOf('## Every phase'));
    expect(lines[at + 1]).toBe('|---|---:|---:|---:|---:|---:|---:|---:|');
    expect(lines[at + 2]).toBe('| (a) floor: read + JSON.parse per line | 1.00 | 4,000 | 1.000 | 0.500 |  |  | 100 |');
    expect(lines).toContain('| (b) pipeline in process: Framer → decodeUnit → normalizeRecord → route + apply | not run | | | | | | |');
    expect(lines).toContain(
      '| (c) end to end: `acs-logs process` on the tree, embedded default store, start-up included | 8.00 | 500 | 0.125 | 0.063 | 120.5 | 900.0 | 100 |',
    );
    expect(text.startsWith('# Benchmarks\n\nLatest run: 2026-01-02T03:04:05.000Z — `npm run bench -- --phases a,c,p`\n')).toBe(true);
    expect(text).toContain('## How to run');
    expect(text).not.toContain(ANALYSIS_HEADING);
  });

  it("prints the entity rate a store taking no time would allow ((c′)'s) beside (c)'s, both against the sink floor", () => {
    const text = report(
      args(['--phases', 'a,loop,c,s']),
      tree,
      {
        a: phase(1_000),
        loop: phase(2_000, { entities: 3_600, requestsTotal: 482 }),
        c: phase(8_000, { requestsPer1000Records: 120.5, entitiesPer1000Records: 900, requests: 482, entities: 3_600 }),
        s: phase(1_000, { entities: 3_600, requests: 36, entitiesPerSecond: 3_600 }),
      },
      { commandLine: [], at: new Date('2026-01-02T03:04:05.000Z') },
    );
    expect(text).toContain(
      '- Entity write rate: 450 entities/s end to end, against 3,600 entities/s for the sink floor (s): 0.125 of it; the target judges this ratio.',
    );
    expect(text).toContain(
      '- With a store that takes no time ((c′), the processor alone), 3,600 entities in 2.00 s: 1,800 entities/s, 0.500 of (s): the most (c) could reach against (s) with this processor on this machine.',
    );
  });

  it('judges the entity rate by the ratios of each (c) run to a sink run right after it, when the bench paired them', () => {
    const text = report(
      args(['--phases', 'a,c,s']),
      tree,
      {
        a: phase(1_000),
        c: phase(8_000, {
          requestsPer1000Records: 120.5,
          entitiesPer1000Records: 900,
          requests: 482,
          entities: 3_600,
          rowsLeft: 3_000,
          pairedSinkRatio: 0.2,
          pairedSinkRatios: '0.180 / 0.200 / 0.220',
          pairedSinkRowsRatio: 0.6,
          pairedSinkRowsRatios: '0.550 / 0.600 / 0.610',
        }),
        s: phase(1_000, { entities: 3_600, requests: 36, entitiesPerSecond: 3_600 }),
        s2: phase(1_000, { entities: 3_000, requests: 60, entitiesPerSecond: 1_000 }),
      },
      { commandLine: [], at: new Date('2026-01-02T03:04:05.000Z') },
    );
    expect(text).toContain(
      '(s): 0.125 of it; run by run, each (c) run against a run of (s) right after it: 0.180 / 0.200 / 0.220; the median, **0.2**, is the one the target judges.',
    );
    expect(text).toContain('- end-to-end entity write rate ≥ 0.5× the sink floor (s): 0.200 — **MISSED**');
    expect(text).toContain('- the same against the sink floor of the same rows (s′): 0.600 — **met**');
  });

  it("bounds (c)'s ratio to (s) by the least time of each part alone, and of both parts' CPU over the cores, from the runs of one round", () => {
    const c = phase(8_000, { entities: 3_600 });
    const round = new Map<string, PhaseResult>([
      ['Sink', phase(1_000, { entities: 3_600, entitiesPerSecond: 3_600 })],
      // Fewer rows than (c) wrote entities: (c) writes some rows more than once, and no faster than these.
      ['SinkRows', phase(2_000, { entities: 3_000, entitiesPerSecond: 1_500, azuriteCpuSeconds: 1.5 })],
      ['SinkPacked', phase(1_500, { entities: 3_000, entitiesPerSecond: 2_000, azuriteCpuSeconds: 1.2 })],
      ['Loop', phase(2_500, { entities: 3_700, cpuSeconds: 2.5 })],
    ]);
    const ceilings = ceilingsOverSink(c, round, 2);
    expect(ceilings.CeilingFreeProcessor).toBeCloseTo(3_600 / 2 / 3_600, 6);
    expect(ceilings.CeilingFreeProcessorPacked).toBeCloseTo(3_600 / 1.5 / 3_600, 6);
    expect(ceilings.CeilingFreeStore).toBeCloseTo(3_600 / 2.5 / 3_600, 6);
    // (c)'s 3,600 entities in no less than (2.5 + 1.5) / 2 s: 1,800 entities/s at most.
    expect(ceilings.CeilingSharedCores).toBeCloseTo(0.5, 6);
    expect(ceilings.CeilingSharedCoresPacked).toBeCloseTo(3_600 / (3.7 / 2) / 3_600, 6);
    // On one core the same CPU takes twice as long.
    expect(ceilingsOverSink(c, round, 1).CeilingSharedCores).toBeCloseTo(0.25, 6);

    round.delete('Loop');
    expect(Object.keys(ceilingsOverSink(c, round, 2)).sort()).toEqual(['CeilingFreeProcessor', 'CeilingFreeProcessorPacked']);
    round.set('Loop', phase(2_500, { entities: 3_700, cpuSeconds: 2.5 }));
    round.set('SinkRows', phase(2_000, { entities: 3_000, entitiesPerSecond: 1_500 }));
    expect(ceilingsOverSink(c, round, 2).CeilingSharedCores).toBeUndefined();
    round.delete('Sink');
    expect(ceilingsOverSink(c, round, 2)).toEqual({});
  });

  it('prints the ceilings of (c) against (s), run by run with their medians, in place of the one from (c′) alone', () => {
    const text = report(
      args(['--phases', 'a,loop,c,s']),
      tree,
      {
        a: phase(1_000),
        loop: phase(2_000, { entities: 3_600, requestsTotal: 482 }),
        c: phase(8_000, {
          entities: 3_600,
          pairedSinkRatio: 0.2,
          pairedSinkRatios: '0.180 / 0.200 / 0.220',
          pairedCeilingFreeStoreRatio: 0.45,
          pairedCeilingFreeStoreRatios: '0.400 / 0.450 / 0.470',
          pairedCeilingSharedCoresRatio: 0.31,
          pairedCeilingSharedCoresRatios: '0.300 / 0.310 / 0.330',
        }),
        s: phase(1_000, { entities: 3_600, requests: 36, entitiesPerSecond: 3_600 }),
      },
      { commandLine: [], at: new Date('2026-01-02T03:04:05.000Z') },
    );
    const lines = text.split('\n');
    const at = lines.findIndex((line) => line.startsWith('- The most (c) could reach against (s) on this machine'));
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]).toBe('  - a store that takes no time: no faster than (c′), the processor alone: 0.400 / 0.450 / 0.470, **0.45**');
    expect(lines[at + 2]).toBe(
      '  - the processor and Azurite each using the CPU they use alone, sharing the cores perfectly: no faster than (c′)’s CPU and Azurite’s in (s′) over the cores: 0.300 / 0.310 / 0.330, **0.31**',
    );
    expect(text).not.toContain('- With a store that takes no time');
  });

  it('judges the 1 GB memory target for the default profile and, beside it, for the low one, with both times', () => {
    const text = report(
      args(['--rss-file-mb', '1024', '--phases', 'a,c,low,rss,rssE2e,rssE2eLow']),
      tree,
      {
        a: phase(1_000),
        c: phase(8_000, { requestsPer1000Records: 120.5, entitiesPer1000Records: 900 }),
        cLow: phase(12_000, { requestsPer1000Records: 150, entitiesPer1000Records: 950 }),
        tLow: phase(14_000, { requestsPer1000Records: 160, entitiesPer1000Records: 960 }),
        rssE2e: { ...phase(400_000), peakRssMb: 365 },
        rssE2eLow: { ...phase(650_000), peakRssMb: 180 },
      },
      { commandLine: [], at: new Date('2026-01-02T03:04:05.000Z') },
    );
    expect(text).toContain('- peak RSS < 200 MB for `acs-logs process` of one 1 GB file: 382.7 MB on 1024 MB — **MISSED**');
    expect(text).toContain('- the same with `--memory low`: 188.7 MB on 1024 MB, in 650 s (default: 400 s) — **met**');
    expect(text).toContain('| (c) with `--memory low` (the low memory profile) | 12.00 | 333 | 0.083 |  | 150.0 | 950.0 | 100 |');
    expect(text).toContain('| (t) with `ACS_LOGS_MEMORY=low` (as on a 512 MB instance) | 14.00 | 286 | 0.071 |  | 160.0 | 960.0 | 100 |');
    expect(text).toContain('| (c) `acs-logs process --memory low` of one 1024 MB file | 650.00 | 6 | 0.002 |  |  |  | 180 |');
  });

  it("judges end to end by (c)'s runs each against a floor run just before it, when there are such pairs", () => {
    const text = render({
      a: phase(1_000),
      c: phase(8_000, { requestsPer1000Records: 120.5, entitiesPer1000Records: 900, pairedRatio: 0.052, pairedRatios: '0.047 / 0.052 / 0.061' }),
      p: phase(500),
    });
    expect(text).toContain(
      '- Ratio to the floor run by run, each (c) run against a floor run of the same files just before it: 0.047 / 0.052 / 0.061; the median, **0.052**, is the one the target judges.',
    );
    // Against (a) alone it would be 0.125: the paired median decides.
    expect(text).toContain(
      '- end to end (c) ≥ 0.05× the floor (stretch 0.25): 0.052 (median of each run against a floor run just before it; against (a): 0.125) — **met**',
    );
    const unpaired = render({ a: phase(1_000), c: phase(30_000, { requestsPer1000Records: 1, entitiesPer1000Records: 1 }), p: phase(500) });
    expect(unpaired).toContain('- end to end (c) ≥ 0.05× the floor (stretch 0.25): 0.033 — **MISSED**');
  });

  it('keeps the previous analysis verbatim after the new report, and adds none when there was none', () => {
    const previous = `# Benchmarks\n\nold figures | 1 | 2 |\n\n${ANALYSIS}`;
    expect(withAnalysisKept('NEW\n', previous)).toBe(`NEW\n\n${ANALYSIS}`);
    expect(withAnalysisKept('NEW\n', '# Benchmarks\n\nno analysis yet\n')).toBe('NEW\n');
    expect(withAnalysisKept('NEW\n', '')).toBe('NEW\n');
  });

  it('rewrites the file with the new figures and the hand-written analysis byte for byte', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'bench-report-'));
    const file = path.join(dir, 'BENCHMARKS.md');
    await writeFile(file, `# Benchmarks\n\n| (a) floor | 9.99 |\n\n${ANALYSIS}`);
    const rendered = render({ a: phase(1_000) });
    await writeReport(file, rendered);
    const written = await readFile(file, 'utf8');
    expect(written).toBe(`${rendered}\n${ANALYSIS}`);
    expect(written).not.toContain('9.99');
    // A second run keeps it again, not twice.
    await writeReport(file, rendered);
    expect(await readFile(file, 'utf8')).toBe(written);
  });

  it('writes a new file when there is none', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'bench-report-'));
    const file = path.join(dir, 'BENCHMARKS.md');
    await writeReport(file, 'NEW\n');
    expect(await readFile(file, 'utf8')).toBe('NEW\n');
  });

  it('judges growth by halves and against the second half run into empty tables', () => {
    const g = phase(30_000, {
      firstSeconds: 10,
      firstRecords: 1_000,
      firstRequests: 100,
      secondSeconds: 30,
      secondRecords: 2_000,
      secondRequests: 260,
      aloneSeconds: 27,
      aloneRecords: 2_000,
      aloneRequests: 250,
    });
    const text = report(args(['--phases', 'g']), tree, { g }, { commandLine: ['--phases', 'g'], at: new Date('2026-01-02T03:04:05.000Z') });
    const lines = text.split('\n');
    expect(lines).toContain('| second, into empty tables | 2,000 | 27.00 | 250 | 13.500 | 125.0 |');
    // Per record, the second half costs 1.5 times the first in time: missed by halves.
    expect(lines).toContain('- flat as tables grow (g: second half within ±20 % of the first, per record): time ×1.5000, requests ×1.3000 — **MISSED**');
    // The same records into empty tables: 30 / 27 and 260 / 250.
    expect(lines).toContain(
      '- the same, the second half after the first against the second half into empty tables (the same records): time ×1.1111, requests ×1.0400 — **met**',
    );
    expect(text).toMatch(/what the first half's tables add to it is time ×1\.1111, requests ×1\.0400\./);
  });
});
