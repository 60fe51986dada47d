import { describe, expect, it } from 'vitest';
import { entriesOfPath } from '../../src/cli/commands/quarantine.js';
import { UsageError } from '../../src/cli/errors.js';
import type { QuarantinedLine } from '../../src/lib/processing/quarantine.js';

function entry(container: string, path: string): QuarantinedLine {
  return {
    container,
    path,
    generation: 0,
    offset: 0,
    end: 4,
    position: 0,
    line: 1,
    code: 'invalid_json',
    message: 'bad',
    raw: 'junk',
    rawTruncated: false,
    quarantinedAt: '2024-05-25T10:00:00.000Z',
    category: null,
  };
}

describe('quarantine dismiss --path', () => {
  const lines = [entry('local', '/logs/tab\there.json'), entry('local', '/logs/plain.json'), entry('insights-logs-usage', 'a/b/PT1H.json')];

  it('takes a path with control characters as the list prints it (\\uXXXX), whole or cut', () => {
    expect(entriesOfPath(lines, '/logs/tab\\u0009here.json').map((line) => line.path)).toEqual(['/logs/tab\there.json']);
    expect(entriesOfPath(lines, '…tab\\u0009here.json').map((line) => line.path)).toEqual(['/logs/tab\there.json']);
    expect(entriesOfPath(lines, '/logs/tab\there.json')).toHaveLength(1);
  });

  it('takes a local file as it was given to `process`, relative to the current folder', () => {
    expect(entriesOfPath(lines, 'plain.json', '/logs').map((line) => line.path)).toEqual(['/logs/plain.json']);
    expect(entriesOfPath(lines, './logs/plain.json', '/').map((line) => line.path)).toEqual(['/logs/plain.json']);
    expect(entriesOfPath(lines, '../logs/plain.json', '/elsewhere').map((line) => line.path)).toEqual(['/logs/plain.json']);
    // Only local files: a blob's path is not a path on this machine.
    expect(entriesOfPath(lines, 'b/PT1H.json', '/a')).toEqual([]);
    expect(entriesOfPath(lines, 'plain.json', '/other')).toEqual([]);
  });

  it('takes the container in front, and refuses "…" alone, which would name every file', () => {
    expect(entriesOfPath(lines, 'insights-logs-usage/a/b/PT1H.json')).toHaveLength(1);
    // A local file's absolute path after `local/`, with its slash or without (as people write it).
    expect(entriesOfPath(lines, 'local//logs/plain.json').map((line) => line.path)).toEqual(['/logs/plain.json']);
    expect(entriesOfPath(lines, 'local/logs/plain.json').map((line) => line.path)).toEqual(['/logs/plain.json']);
    expect(entriesOfPath(lines, 'locallogs/plain.json')).toEqual([]);
    expect(() => entriesOfPath(lines, '…')).toThrow(UsageError);
    expect(() => entriesOfPath(lines, '….json')).toThrow(/is the end of 3 files' paths/);
  });

  it("takes a block's first line where the whole path fits: its container, spaces, the path as printed", () => {
    expect(entriesOfPath(lines, 'insights-logs-usage  a/b/PT1H.json').map((line) => line.container)).toEqual(['insights-logs-usage']);
    expect(entriesOfPath(lines, 'local  /logs/plain.json').map((line) => line.path)).toEqual(['/logs/plain.json']);
    expect(entriesOfPath(lines, 'local  /logs/tab\\u0009here.json').map((line) => line.path)).toEqual(['/logs/tab\there.json']);
    // The path must be that container's, whole.
    expect(entriesOfPath(lines, 'insights-logs-callsummary  a/b/PT1H.json')).toEqual([]);
    expect(entriesOfPath(lines, 'local  plain.json', '/elsewhere')).toEqual([]);
  });

  it('takes a path cut as a list block shows it, after its container: an hour whose path ends alike in two containers', () => {
    const hour =
      'resourceId=/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/ACS/y=2024/m=05/d=25/h=03/m=00/PT1H.json';
    const both = [entry('insights-logs-usage', hour), entry('insights-logs-roomsoperational', hour)];
    const end = '…ACS/y=2024/m=05/d=25/h=03/m=00/PT1H.json';
    expect(() => entriesOfPath(both, end)).toThrow(/is the end of 2 files' paths/);
    for (const given of [`insights-logs-usage  ${end}`, `insights-logs-usage/${end}`])
      expect(entriesOfPath(both, given).map((line) => line.container)).toEqual(['insights-logs-usage']);
    expect(entriesOfPath(both, `insights-logs-callsummary  ${end}`)).toEqual([]);
  });
});
