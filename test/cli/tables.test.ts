import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTestDir } from '../support/embedded.js';
import { tableColumn } from '../../src/cli/cells.js';
import { VIEWS, VIEW_NAMES } from '../../src/lib/querying/views.js';
import { runInProcess } from '../support/inProcessCli.js';
import { azuriteConnectionString, uniquePrefix } from '../support/storage.js';

/** Tables as a new user reads them, over generated logs of two resources processed into Azurite. */
let work: string;
let storage: string[];
beforeAll(async () => {
  delete process.env['COLUMNS'];
  work = await mkdtemp(path.join(tmpdir(), 'acs-logs-tables-'));
  const tree = path.join(work, 'logs');
  expect((await runInProcess(['generate', '--out', tree, '--hours', '3', '--resources', '2', '--rooms-per-hour', '6', '--calls-per-hour', '4'])).code).toBe(0);
  storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()];
  const processed = await runInProcess(['process', tree, '--quiet', ...storage]);
  expect(processed.code, processed.stderr).toBe(0);
});
afterAll(async () => {
  delete process.env['COLUMNS'];
  await removeTestDir(work);
});

function lines(text: string): string[] {
  return text.trimEnd().split('\n');
}

async function json(view: string, ...args: string[]): Promise<Record<string, unknown>[]> {
  const run = await runInProcess(['query', view, '--format', 'json', ...args, ...storage]);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as Record<string, unknown>[];
}

describe('query tables fit a terminal', () => {
  it.each(VIEW_NAMES.map((view) => [view]))('%s: default columns, a rule under the header, at most 80 wide when not a terminal', async (view) => {
    for (const granularity of ['day', 'hour']) {
      const run = await runInProcess(['query', view, '--granularity', granularity, ...storage]);
      expect(run.code, run.stderr).toBe(0);
      const [header, rule, ...rows] = lines(run.stdout);
      let defaults = VIEWS[view]?.tableColumns ?? [];
      const headers = header?.split(/\s{2,}/).map((cell) => cell.trim()) ?? [];
      // Two resources in 80 columns: a bucketed table that leaves the resource out shows it where its header fits, or says so, else rows would look like repeats.
      const first = defaults[0] ?? '';
      if ((first === 'bucket' || first === 'month') && !defaults.includes('resourceId')) {
        if (headers[1] === 'resourceId') defaults = [first, 'resourceId', ...defaults.slice(1)];
        else
          expect(run.stderr).toMatch(new RegExp(`^note: these rows are of 2 resources, .*--columns ${first},resourceId,${defaults.slice(1).join(',')}$`, 'm'));
      }
      const expected = defaults.map((column) => tableColumn(column).header);
      // Columns that do not fit whole are left out from the end, and a note names them.
      expect(headers).toEqual(expected.slice(0, headers.length));
      const leftOut = defaults.slice(headers.length);
      if (leftOut.length > 0)
        expect(run.stderr).toContain(
          `note: ${leftOut.join(', ')} left out to fit 80 columns (times, numbers and statistics are not cut): --wide, or --columns ${defaults.join(',')}, shows`,
        );
      else expect(run.stderr).not.toContain('left out to fit');
      expect(rule).toMatch(/^─+( {2}─+)+$|^─+$/);
      expect(rows.length).toBeGreaterThan(0);
      for (const line of lines(run.stdout)) expect([...line].length, line).toBeLessThanOrEqual(80);
      expect(run.stdout).not.toMatch(/\d+ items|\[object Object\]/);
      // A time is never cut: a cut one reads as another.
      if (defaults[0] === 'bucket')
        for (const line of rows) expect(line).toMatch(granularity === 'day' ? /^\d{4}-\d{2}-\d{2}\s/ : /^\d{4}-\d{2}-\d{2} \d{2}:00\s/);
    }
  });

  it('a table of one resource leaves the resource out where its default columns do; of several, shows it where every column stays whole', async () => {
    const [one] = await json('recording-operations');
    const run = await runInProcess(['query', 'recording-operations', '--resource', String(one?.['resourceId']), ...storage]);
    expect(lines(run.stdout)[0]?.split(/\s{2,}/)).toEqual(['bucket', 'operationName', 'status', 'sdkType', 'count', 'ms p50/p95/p99']);
    expect(run.stderr).toBe('');
    // Where every column stays whole, the resource is shown instead.
    process.env['COLUMNS'] = '120';
    try {
      const both = await runInProcess(['query', 'call-quality', ...storage]);
      expect(
        lines(both.stdout)[0]
          ?.split(/\s{2,}/)
          .slice(0, 3),
      ).toEqual(['bucket', 'resourceId', 'mediaType']);
      expect(both.stderr).toBe('');
    } finally {
      delete process.env['COLUMNS'];
    }
  });

  it('shows the resource of several only where every default column stays whole; a cut name could look like another', async () => {
    const run = await runInProcess(['query', 'recording-operations', ...storage]);
    expect(run.code, run.stderr).toBe(0);
    const [header, , ...rows] = lines(run.stdout);
    expect(header?.split(/\s{2,}/)).toEqual(['bucket', 'operationName', 'status', 'sdkType', 'count', 'ms p50/p95/p99']);
    expect(rows.filter((row) => row.includes('…'))).toEqual([]);
    expect(run.stderr).toMatch(/^note: these rows are of 2 resources, which this table leaves out to fit the terminal/m);
  });

  it('retirement of several resources shows the resource after the month, or says the rows leave it out: months were added up unsaid', async () => {
    const rows = await json('retirement');
    const resources = [...new Set(rows.map((row) => String(row['resourceId'])))];
    expect(resources).toHaveLength(2);
    const narrow = await runInProcess(['query', 'retirement', ...storage]);
    expect(narrow.code, narrow.stderr).toBe(0);
    expect(narrow.stderr).toMatch(/^note: these rows are of 2 resources, which this table leaves out to fit the terminal: .*--columns month,resourceId,/m);
    process.env['COLUMNS'] = '160';
    try {
      const wide = await runInProcess(['query', 'retirement', ...storage]);
      const [header, , ...shown] = lines(wide.stdout);
      expect(header?.split(/\s{2,}/).slice(0, 3)).toEqual(['month', 'resourceId', 'usageType']);
      // A row per resource, month, usage type and unit: none summed over the two resources.
      expect(shown).toHaveLength(rows.length);
      expect(wide.stderr).toBe('');
    } finally {
      delete process.env['COLUMNS'];
    }
  });

  it('follows $COLUMNS when output is not a terminal: cut cells end with …, never below the header', async () => {
    process.env['COLUMNS'] = '66';
    try {
      const run = await runInProcess(['query', 'rooms-operations', '--granularity', 'hour', ...storage]);
      for (const line of lines(run.stdout)) expect([...line].length).toBeLessThanOrEqual(66);
      expect(run.stdout).toContain('…');
      expect(lines(run.stdout)[0]).toMatch(/^bucket\s+resourceId\s+operationName\s+status\s+count$/);
    } finally {
      delete process.env['COLUMNS'];
    }
  });

  it('renders durationMs as p50/p95/p99 milliseconds, agreeing with JSON', async () => {
    const rows = await json('recording-operations', '--columns', 'operationName,resultSignature,sdkType,durationMs');
    const withDuration = rows.find((row) => (row['durationMs'] as { p50: number | null }).p50 !== null) as Record<string, unknown>;
    const stats = withDuration['durationMs'] as { p50: number; p95: number; p99: number };
    const table = await runInProcess(['query', 'recording-operations', '--columns', 'operationName,resultSignature,sdkType,durationMs', ...storage]);
    const ms = (n: number): string => (n >= 10 ? String(Math.round(n)) : String(Math.round(n * 10) / 10));
    const line = lines(table.stdout).find(
      (l) =>
        l.startsWith(`${withDuration['operationName'] as string} `) &&
        l.includes(` ${String(withDuration['sdkType'])} `) &&
        l.includes(` ${String(withDuration['resultSignature'])} `),
    );
    expect(line).toContain(`${ms(stats.p50)}/${ms(stats.p95)}/${ms(stats.p99)}`);
  });

  it('--columns picks fields in any format; an unknown one is a usage error listing the valid ones', async () => {
    const table = await runInProcess(['query', 'calls', '--columns', 'correlationId, operations', ...storage]);
    expect(table.code).toBe(0);
    expect(lines(table.stdout)[0]).toMatch(/^correlationId\s+operations$/);
    expect(table.stdout).toMatch(/StartRecording=\d+/);

    const picked = await json('calls', '--columns', 'matched,correlationId');
    expect(Object.keys(picked[0] as object)).toEqual(['matched', 'correlationId']);
    const csv = await runInProcess(['query', 'usage', '--format', 'csv', '--columns', 'usageType,quantity', ...storage]);
    expect(lines(csv.stdout)[0]).toBe('usageType,quantity');

    for (const bad of ['nope', 'correlationId,Matched', ',']) {
      const run = await runInProcess(['query', 'calls', '--columns', bad, ...storage]);
      expect(run.code, bad).toBe(2);
      expect(run.stderr).toMatch(/choose from correlationId, resourceId, recordingCount/);
      expect(run.stdout).toBe('');
    }
    expect((await runInProcess(['query', 'calls', '--columns', 'matched', '--wide', ...storage])).code).toBe(2);
  });

  it('--wide shows every field, uncut; lists of objects by their ids, maps as key=value', async () => {
    const run = await runInProcess(['query', 'calls', '--wide', ...storage]);
    expect(run.code).toBe(0);
    const header = lines(run.stdout)[0]?.split(/\s{2,}/) ?? [];
    expect(header).toEqual((VIEWS['calls']?.columns ?? []).map((column) => (column === 'durationMs' ? 'ms p50/p95/p99' : column)));
    expect(run.stdout).not.toContain('…');
    expect(run.stdout).not.toMatch(/\d+ items|\[object Object\]|\{"/);
    const calls = await json('calls');
    const withRecording = calls.find((call) => (call['recordings'] as unknown[]).length > 0) as { recordings: { recordingId: string }[] };
    expect(run.stdout).toContain(withRecording.recordings[0]?.recordingId);
  });

  it('JSON and CSV keep every field of every view', async () => {
    for (const view of VIEW_NAMES) {
      const rows = await json(view);
      expect(Object.keys(rows[0] as object), view).toEqual(VIEWS[view]?.columns);
      const csv = await runInProcess(['query', view, '--format', 'csv', ...storage]);
      expect(lines(csv.stdout)[0]).toBe(VIEWS[view]?.columns.join(','));
    }
  });

  it('rows that differ only in hidden columns add up to one row, with the same totals as JSON', async () => {
    const rows = await json('rooms-operations');
    const table = await runInProcess(['query', 'rooms-operations', '--columns', 'operationName,count', ...storage]);
    const shown = lines(table.stdout)
      .slice(2)
      .map((line) => line.trim().split(/\s+/));
    const names = shown.map(([name]) => name);
    expect(new Set(names).size).toBe(names.length);
    const expected = new Map<string, number>();
    for (const row of rows) expected.set(row['operationName'] as string, (expected.get(row['operationName'] as string) ?? 0) + (row['count'] as number));
    expect(new Map(shown.map(([name, count]) => [name as string, Number(count)]))).toEqual(expected);
  });
});
