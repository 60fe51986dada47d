import { describe, expect, it } from 'vitest';
import { CONTAINER_COLUMNS, containersTable, readable } from '../../src/cli/commands/health.js';
import type { ContainerHealth } from '../../src/lib/querying/queryRows.js';

const NAMES = [
  'insights-logs-roomsoperational',
  'insights-logs-callrecordingsummary',
  'insights-logs-callrecordingoperational',
  'insights-logs-usage',
  'insights-logs-callsummary',
  'insights-logs-callsummaryupdates',
  'insights-logs-calldiagnostics',
  'insights-logs-calldiagnosticsupdates',
];

const rows: ContainerHealth[] = NAMES.map((container, i) => ({
  container,
  files: 24,
  openFiles: 1,
  newestFile: null,
  newestFileSeenAt: null,
  records: 12_345 + i,
  badLines: i,
  unsupported: 0,
  replayedRecords: 0,
  quarantined: i,
  stuckFiles: 0,
  replacements: 0,
  replacedFiles: [],
  pendingBytes: 512 * i,
  newestRecordAt: '2024-05-25T01:58:54.480Z',
  lagSeconds: 79_553_954,
  lastProcessedAt: '2026-12-02T05:03:13.000Z',
  lastSweepAt: '2026-12-02T05:03:13.000Z',
}));

function lines(width: number): string[] {
  return containersTable(rows, width).trimEnd().split('\n');
}

describe("health's containers table", () => {
  it('shows every column where they fit', () => {
    expect(lines(240)[0]?.split(/ {2,}/)).toEqual(CONTAINER_COLUMNS);
  });

  it('shows the lag as a person reads it, the newest record read and the bytes waiting (JSON keeps lagSeconds)', () => {
    const table = lines(240);
    const header = table[0]!.split(/ {2,}/);
    const cells = table[3]!.split(/ {2,}/);
    expect(cells[header.indexOf('lag')]).toBe('920 d 18 h');
    expect(cells[header.indexOf('newestRecordAt')]).toBe('2024-05-25 01:58:54');
    expect(cells[header.indexOf('pendingBytes')]).toBe('512');
  });

  it('gives up the columns a glance needs least, then cuts container names keeping their ends, to fit 80 columns', () => {
    const table = lines(80);
    for (const line of table) expect([...line].length, line).toBeLessThanOrEqual(80);
    expect(table[0]?.split(/ {2,}/)).toEqual(['container', 'files', 'records', 'badLines', 'quarantined', 'stuckFiles', 'lag']);
    const containers = table.slice(2).map((line) => line.split(/ {2,}/)[0] ?? '');
    expect(new Set(containers).size).toBe(NAMES.length);
    for (const [i, cell] of containers.entries()) expect(NAMES[i]?.endsWith(cell.replace(/^…/, ''))).toBe(true);
  });

  it('never cuts the lag, whose cut would read as another lag, on a terminal too narrow for the table', () => {
    const table = lines(60);
    const header = table[0]!.split(/ {2,}/);
    for (const line of table.slice(2)) expect(line.split(/ {2,}/)[header.indexOf('lag')]).toBe('920 d 18 h');
  });

  it('keeps what fits at a middle width', () => {
    const table = lines(140);
    for (const line of table) expect([...line].length).toBeLessThanOrEqual(140);
    expect(table[0]).toContain('lastProcessedAt');
    expect(table[0]).not.toContain('lastSweepAt');
  });
});

describe('the health report', () => {
  it('says what quarantine entries are and which command shows them, and says nothing of them when there are none', () => {
    const degraded = readable({ status: 'degraded', checkedAt: '2026-12-02T05:04:00.000Z', containers: rows, stuck: [] }, 200, new Map());
    // 0 + 1 + ... + 7 entries across the containers.
    expect(degraded).toMatch(/^status: degraded \(28 quarantine entries\)/);
    expect(degraded).toMatch(/\n28 quarantine entries: lines that could not be read .*`acs-logs quarantine list`.*replay them after a fix or dismiss them/);
    const clean = rows.map((row) => ({ ...row, quarantined: 0, badLines: 0 }));
    expect(readable({ status: 'ok', checkedAt: '2026-12-02T05:04:00.000Z', containers: clean, stuck: [] }, 200, new Map())).not.toMatch(
      /quarantine entr|quarantine list/,
    );
  });
});
