import { describe, expect, it } from 'vitest';
import { tableColumn } from '../../src/cli/cells.js';
import { collapseRows } from '../../src/cli/collapseRows.js';
import { columnsThatFit, renderTable } from '../../src/cli/table.js';
import { controlsBesidesNewline } from '../support/controls.js';

const columns = (...names: string[]) => names.map((name) => tableColumn(name, 'hour'));

describe('renderTable', () => {
  it("shows a cell's trailing spaces, so that two values differing only there read apart", () => {
    const text = renderTable([{ operationName: 'dup' }, { operationName: 'dup ' }], columns('operationName'));
    expect(
      text
        .split('\n')
        .slice(2, 4)
        .map((line) => line.trimEnd()),
    ).toEqual(['dup', 'dup\\u0020']);
  });

  it('cuts the widest cells with … to fit, never below the header, and right-aligns numbers', () => {
    const rows = [
      { operationName: 'A'.repeat(50), count: 7, resourceId: '/SUBSCRIPTIONS/X/COMMUNICATIONSERVICES/CONTOSO-ACS' },
      { operationName: 'short', count: 12345, resourceId: 'plain' },
    ];
    const text = renderTable(rows, columns('operationName', 'count', 'resourceId'), 40);
    const lines = text.trimEnd().split('\n');
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(40);
    expect(lines[0]).toMatch(/^operationName\s+count\s+resourceId$/);
    expect(lines[1]).toMatch(/^─+ {2}─+ {2}─+$/);
    expect(lines[2]).toMatch(/^A+…\s+7\s+CONTOSO-ACS$/);
    expect(lines[3]).toMatch(/^short\s+12,345\s+plain$/);
    // Headers that cannot fit are kept whole: the table is then as narrow as they allow.
    expect(renderTable(rows, columns('operationName', 'count', 'resourceId'), 5).split('\n')[0]).toMatch(/^operationName\s+count\s+resourceId$/);
  });

  it('shows control characters from the data as \\u escapes: a log line cannot drive the terminal or break a row', () => {
    const text = renderTable([{ operationName: '\u001b]0;owned\u0007\u001b[31mred\r\nnext\u009b' }], columns('operationName'));
    expect(controlsBesidesNewline(text)).toEqual([]);
    expect(text.trimEnd().split('\n')).toHaveLength(3);
    expect(text).toContain('\\u001b]0;owned\\u0007\\u001b[31mred\\u000d\\u000anext\\u009b');
  });

  it('cuts container names and paths at their start, keeping the ends that tell them apart', () => {
    const rows = ['insights-logs-callsummary', 'insights-logs-callsummaryupdates', 'insights-logs-calldiagnosticsupdates'].map((container) => ({
      container,
      records: 1,
    }));
    const lines = renderTable(rows, columns('container', 'records'), 30).trimEnd().split('\n');
    expect(lines.slice(2).map((line) => line.split(/ {2,}/)[0])).toEqual(['…hts-logs-callsummary', '…s-callsummaryupdates', '…lldiagnosticsupdates']);
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(30);
  });

  it('counts terminal columns, not UTF-16 units (an emoji takes two), and never splits a character', () => {
    const text = renderTable([{ roomId: '😀'.repeat(30) }], columns('roomId'), 10);
    expect(text.split('\n')[2]).toBe('😀'.repeat(4) + '…');
  });

  it('durationMs as p50/p95/p99, null durations as -, maps as key=value, object lists by id', () => {
    const text = renderTable(
      [
        { durationMs: { p50: 125.4, p95: 9.44, p99: 1974 }, byFormat: { mp4: 2, wav: 1 }, recordings: [{ recordingId: 'r1' }, { recordingId: 'r2' }] },
        { durationMs: { p50: null, p95: null, p99: null }, byFormat: {}, recordings: [] },
      ],
      columns('durationMs', 'byFormat', 'recordings'),
    );
    expect(text).toMatch(/^ms p50\/p95\/p99/);
    expect(text).toContain('125/9.4/1,974');
    expect(text).toMatch(/\n-\s/);
    expect(text).toContain('mp4=2 wav=1');
    expect(text).toContain('r1, r2');
  });

  it("call-quality's statistics as p50/p95/max, no statistics as -, an HTTP status under `status`", () => {
    const text = renderTable(
      [
        { jitterMs: { p50: 4.015, p95: 21.116, max: 46.066 }, packetLoss: { p50: 0.00219, p95: 0.0135, max: 0.152 }, resultSignature: '202' },
        { jitterMs: { p50: null, p95: null, max: null }, packetLoss: { p50: null, p95: null, max: null }, resultSignature: null },
      ],
      columns('jitterMs', 'packetLoss', 'resultSignature'),
    );
    const [header, , first, second] = text.trimEnd().split('\n');
    expect(header?.split(/\s{2,}/)).toEqual(['jitterMs', 'packetLoss', 'status']);
    expect(first?.split(/\s{2,}/)).toEqual(['4/21/46', '0.00219/0.0135/0.152', '202']);
    expect(second?.split(/\s{2,}/)).toEqual(['-', '-']);
  });

  it('cuts times and statistics only when no other cell can give', () => {
    const rows = [{ bucket: '2024-05-25T08:00:00.000Z', operationName: 'ResumeRecording', durationMs: { p50: 1234, p95: 5678, p99: 12345 } }];
    const lines = renderTable(rows, columns('bucket', 'operationName', 'durationMs'), 51)
      .trimEnd()
      .split('\n');
    expect(lines[2]?.split(/\s{2,}/)).toEqual(['2024-05-25 08:00', 'ResumeRecord…', '1,234/5,678/12,345']);
    // Narrower than the whole columns allow, they are cut too: headers that fit still always fit.
    const narrow = renderTable(rows, columns('bucket', 'operationName', 'durationMs'), 45)
      .trimEnd()
      .split('\n');
    for (const line of narrow) expect([...line].length).toBeLessThanOrEqual(45);
  });

  it('cuts numbers only when no other cell can give: a cut quantity would read as another', () => {
    // The quantity is the widest cell (11), which the widest-first cut would take to `178,416.5…`.
    const rows = [
      { usageType: 'Recordings', unitType: 'Megabyte', quantity: 178416.5487 },
      { usageType: 'Audio', unitType: 'Minute', quantity: 0.5 },
    ];
    const lines = renderTable(rows, columns('usageType', 'unitType', 'quantity'), 32)
      .trimEnd()
      .split('\n');
    expect(lines.slice(2).map((line) => line.split(/\s{2,}/))).toEqual([
      ['Recordin…', 'Megabyte', '178,416.549'],
      ['Audio', 'Minute', '0.5'],
    ]);
  });
});

describe('columnsThatFit', () => {
  const rows = [{ bucket: '2024-05-25T08:00:00.000Z', operationName: 'ResumeRecording', durationMs: { p50: 1234, p95: 5678, p99: 12345 } }];
  const names = (fitted: { shown: { name: string }[]; leftOut: { name: string }[] }) => [fitted.shown.map((c) => c.name), fitted.leftOut.map((c) => c.name)];

  it('keeps every column while cutting other cells fits the whole ones', () => {
    expect(names(columnsThatFit(rows, columns('bucket', 'operationName', 'durationMs'), 51))).toEqual([['bucket', 'operationName', 'durationMs'], []]);
  });

  it('leaves out the last columns, never the first, when the whole ones cannot fit', () => {
    expect(names(columnsThatFit(rows, columns('bucket', 'operationName', 'durationMs'), 50))).toEqual([['bucket', 'operationName'], ['durationMs']]);
    expect(names(columnsThatFit(rows, columns('bucket', 'operationName', 'durationMs'), 3))).toEqual([['bucket'], ['operationName', 'durationMs']]);
  });

  it('leaves out the last columns rather than cut a number', () => {
    const usage = [{ bucket: '2024-05-25T00:00:00.000Z', usageType: 'Recording', unitType: 'Megabyte', quantity: 178416.5487, records: 10901 }];
    const five = columns('bucket', 'usageType', 'unitType', 'quantity', 'records');
    expect(names(columnsThatFit(usage, five, 50))).toEqual([['bucket', 'usageType', 'unitType', 'quantity'], ['records']]);
    expect(renderTable(usage, columnsThatFit(usage, five, 50).shown, 50).split('\n')[2]).toMatch(/ 178,416\.549$/);
    // One column narrower, the quantity goes too (and the note says so), rather than show as `178,416.5…`.
    expect(names(columnsThatFit(usage, five, 49))).toEqual([
      ['bucket', 'usageType', 'unitType'],
      ['quantity', 'records'],
    ]);
  });

  it('leaves out the columns named first, then the last ones', () => {
    const wide = [{ ...rows[0], resourceId: 'CONTOSO-ACS', count: 3 }];
    const five = columns('bucket', 'resourceId', 'operationName', 'count');
    expect(names(columnsThatFit(wide, five, 40, ['resourceId']))).toEqual([['bucket', 'operationName', 'count'], ['resourceId']]);
    expect(names(columnsThatFit(wide, five, 40))).toEqual([
      ['bucket', 'resourceId'],
      ['operationName', 'count'],
    ]);
    // Never the first.
    expect(names(columnsThatFit(wide, five, 40, ['bucket']))).toEqual([
      ['bucket', 'resourceId'],
      ['operationName', 'count'],
    ]);
  });

  it('a column narrower than a cut would leave it takes its own width', () => {
    // `n` is one character wide: 16 + 2 + 1 fit 19, where a cut's six would not.
    const narrow = [{ bucket: '2024-05-25T08:00:00.000Z', n: 7 }];
    expect(names(columnsThatFit(narrow, columns('bucket', 'n'), 19))).toEqual([['bucket', 'n'], []]);
  });
});

describe('collapseRows', () => {
  it('sums the additive fields of rows alike in every other shown column, keeps apart rows that differ', () => {
    const rows = [
      { operationName: 'Start', operationVersion: 'v1', count: 2, durationMs: { p50: 1 } },
      { operationName: 'Start', operationVersion: 'v2', count: 3, durationMs: { p50: 1 } },
      { operationName: 'Start', operationVersion: 'v3', count: 4, durationMs: { p50: 9 } },
    ];
    expect(collapseRows('recording-operations', rows, ['operationName', 'count'])).toEqual([{ operationName: 'Start', count: 9 }]);
    expect(collapseRows('recording-operations', rows, ['operationName', 'count', 'durationMs'])).toHaveLength(2);
    // A view of one row per entity is never merged.
    expect(collapseRows('rooms', [{ roomId: 'a' }, { roomId: 'a' }], ['roomId'])).toHaveLength(2);
  });

  it('never adds quantities of two units, whether the unit is shown or not', () => {
    const usage = [
      { bucket: 'd1', resourceId: 'A', usageType: 'Audio', unitType: 'Minute', quantity: 10.5, records: 3 },
      { bucket: 'd1', resourceId: 'A', usageType: 'Recording', unitType: 'Megabyte', quantity: 4000, records: 2 },
      { bucket: 'd1', resourceId: 'B', usageType: 'Video', unitType: 'Minute', quantity: 2.25, records: 1 },
    ];
    expect(collapseRows('usage', usage, ['bucket', 'quantity'])).toEqual([
      { bucket: 'd1', quantity: 12.75 },
      { bucket: 'd1', quantity: 4000 },
    ]);
    expect(collapseRows('usage', usage, ['bucket', 'unitType', 'quantity', 'records'])).toEqual([
      { bucket: 'd1', unitType: 'Megabyte', quantity: 4000, records: 2 },
      { bucket: 'd1', unitType: 'Minute', quantity: 12.75, records: 4 },
    ]);
    // Records have no unit: they add up across units.
    expect(collapseRows('usage', usage, ['bucket', 'records'])).toEqual([{ bucket: 'd1', records: 6 }]);
    const months = usage.map(({ bucket, ...row }) => ({ month: bucket.replace('d', 'm'), ...row, service: 'x', fate: 'y' }));
    expect(collapseRows('retirement', months, ['month', 'quantity'])).toHaveLength(2);
  });

  it("adds up call-volume's and call-quality's resources shown without them, where they looked like repeated rows", () => {
    const volume = [
      { bucket: 'd1', resourceId: 'A', calls: 33, callSeconds: 10.5, impactedCalls: 7 },
      { bucket: 'd1', resourceId: 'B', calls: 40, callSeconds: 20.25, impactedCalls: 13 },
    ];
    expect(collapseRows('call-volume', volume, ['bucket', 'calls', 'callSeconds', 'impactedCalls'])).toEqual([
      { bucket: 'd1', calls: 73, callSeconds: 30.75, impactedCalls: 20 },
    ]);
    const quality = [
      { bucket: 'd1', resourceId: 'A', mediaType: 'Audio', streams: 214, poorStreams: 6, jitterMs: { p50: 4, p95: 12, max: 41 } },
      { bucket: 'd1', resourceId: 'B', mediaType: 'Audio', streams: 250, poorStreams: 10, jitterMs: { p50: 4, p95: 15, max: 57 } },
    ];
    expect(collapseRows('call-quality', quality, ['bucket', 'mediaType', 'streams', 'poorStreams'])).toEqual([
      { bucket: 'd1', mediaType: 'Audio', streams: 464, poorStreams: 16 },
    ]);
    expect(collapseRows('call-quality', quality, ['bucket', 'mediaType', 'streams', 'jitterMs'])).toHaveLength(2);
  });

  it("adds up retirement's resources in a month, never two units", () => {
    const row = (resourceId: string, unitType: string, quantity: number) => ({
      month: '2024-06',
      resourceId,
      usageType: 'Audio',
      unitType,
      quantity,
      service: 'Calling',
      fate: 'retired',
    });
    const rows = [row('A', 'Minute', 403.334), row('B', 'Minute', 90.913), row('B', 'Second', 5)];
    const shown = ['month', 'usageType', 'unitType', 'quantity', 'service', 'fate'];
    expect((collapseRows('retirement', rows, shown) as Record<string, unknown>[]).map((r) => [r['unitType'], r['quantity']])).toEqual([
      ['Minute', 494.247],
      ['Second', 5],
    ]);
  });

  it('sorts the rows by the keys shown when a key left out (the resource) sorted them, so that one usage type reads together', () => {
    const row = (resourceId: string, usageType: string, unitType: string, quantity: number) => ({
      month: '2024-05',
      resourceId,
      usageType,
      unitType,
      quantity,
    });
    // As the view sorts them: month, resourceId, usageType, unitType.
    const rows = [
      row('A', 'Audio', 'Minute', 1),
      row('A', 'Recording', 'Minute', 2),
      row('B', 'Audio', 'minutes', 3),
      row('B', 'NAT', 'Megabyte', 4),
      row('C', 'Audio', 'Minute', 5),
    ];
    const collapsed = collapseRows('retirement', rows, ['month', 'usageType', 'unitType', 'quantity']) as Record<string, unknown>[];
    expect(collapsed.map((r) => [r['usageType'], r['unitType'], r['quantity']])).toEqual([
      ['Audio', 'Minute', 6],
      ['Audio', 'minutes', 3],
      ['NAT', 'Megabyte', 4],
      ['Recording', 'Minute', 2],
    ]);
    // Every key shown: the view's own order, untouched.
    const shownAll = ['month', 'resourceId', 'usageType', 'unitType', 'quantity'];
    expect(collapseRows('retirement', rows, shownAll)).toEqual(rows);
  });
});
