import { describe, expect, it } from 'vitest';
import { quarantineBlocks, type QuarantineBlockEntry } from '../../src/cli/quarantineBlocks.js';
import { controlsBesidesNewline } from '../support/controls.js';

const AZURE_PATH =
  'resourceId=/SUBSCRIPTIONS/B2FCCCF2-D4A2-436C-A544-AA9B481AA5A7/RESOURCEGROUPS/CONTOSO-RG/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/CONTOSO-ACS/y=2024/m=05/d=25/h=09/m=00/PT1H.json';

function entry(overrides: Partial<QuarantineBlockEntry> = {}): QuarantineBlockEntry {
  return {
    container: 'insights-logs-roomsoperational',
    path: AZURE_PATH,
    line: 8,
    lastLine: 8,
    count: 1,
    code: 'invalid_json',
    message: 'Unterminated string in JSON at position 57',
    raw: '{"time":"2024-05-25T09:12:00Z","operationName":"CreateRoom',
    ...overrides,
  };
}

describe('quarantine list in a terminal', () => {
  it('shows where, which line and why, and the text, each line within 80 characters', () => {
    const lines = quarantineBlocks([entry()], 80).trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    for (const line of lines) expect([...line].length, line).toBeLessThanOrEqual(80);
    // The container whole, and the end of the path: the file's hour.
    expect(lines[0]).toMatch(/^insights-logs-roomsoperational {2}….*\/y=2024\/m=05\/d=25\/h=09\/m=00\/PT1H\.json$/);
    expect(lines[1]).toBe('  line 8  invalid_json  Unterminated string in JSON at position 57');
    expect(lines[2]).toBe('  {"time":"2024-05-25T09:12:00Z","operationName":"CreateRoom');
  });

  it('shows bad records of one line as that line, not as a run of lines "18-18"', () => {
    const text = quarantineBlocks([entry({ line: 18, lastLine: 18, count: 2, code: 'not_an_object', raw: '{"records":[1,2]}' })], 120);
    expect(text.split('\n')[1]).toBe('  line 18 (2 records)  not_an_object  Unterminated string in JSON at position 57');
  });

  it('shows a run of lines with each code, and marks a text that is not the whole run', () => {
    const text = quarantineBlocks([entry({ line: 4, lastLine: 6, count: 3, codes: 'invalid_json 2, schema_invalid 1', raw: 'a\nb\nc' })], 120);
    const lines = text.trimEnd().split('\n');
    expect(lines[1]).toBe('  lines 4-6 (3)  invalid_json 2, schema_invalid 1  Unterminated string in JSON at position 57');
    expect(lines[2]).toBe('  a …');
    // A replay applied one of them: the run says how many still fail.
    const replayed = quarantineBlocks([entry({ line: 4, lastLine: 6, count: 3, stillBadLines: 2, raw: 'a\nb\nc' })], 120);
    expect(replayed.split('\n')[1]).toBe('  lines 4-6 (3, 2 still bad)  invalid_json  Unterminated string in JSON at position 57');
  });

  it('cuts long text with … at every width, keeps entries apart, and says when one was replayed', () => {
    const long = entry({ message: 'm'.repeat(500), raw: 'x'.repeat(5000), rawTruncated: true, replayedAt: '2026-12-01T00:00:00.000Z' });
    for (const width of [20, 40, 80, 200]) {
      const text = quarantineBlocks([long, entry({ container: 'local', path: '/home/user/logs/' + 'deep/'.repeat(40) + 'bad.json' })], width);
      for (const line of text.trimEnd().split('\n')) expect([...line].length, `${width}: ${line}`).toBeLessThanOrEqual(width);
      const blocks = text.trimEnd().split('\n\n');
      expect(blocks).toHaveLength(2);
      expect(blocks[0]?.split('\n').at(-1)).toMatch(width >= 38 ? /^ {2}replayed at 2026-12-01T00:00:00\.000Z$/ : /^ {2}replayed at .*…$/);
      expect(blocks[0]?.split('\n').at(-2)).toMatch(/^ {2}x+ ?…$/);
    }
    const first = quarantineBlocks([entry({ container: 'local', path: '/home/user/logs/' + 'deep/'.repeat(40) + 'bad.json' })], 80).split('\n')[0] ?? '';
    expect(first).toMatch(/^local {2}…[a-z/]*\/deep\/bad\.json$/);
    expect([...first].length).toBe(80);
  });

  it('wraps a reason to the width instead of cutting it: what to do about the entry stays on screen', () => {
    const message =
      'the file is compressed (gzip, zip, zstd, xz or bzip2); only JSON text is read: decompress it, process the decompressed file, then dismiss this entry (acs-logs quarantine dismiss --path)';
    for (const width of [60, 100]) {
      const lines = quarantineBlocks([entry({ code: 'unsupported_encoding', message, raw: '', rawTruncated: true })], width)
        .trimEnd()
        .split('\n');
      const reason = lines.slice(1, -1);
      expect(reason[0]).toMatch(/^ {2}line 8 {2}unsupported_encoding {2}the file is compressed/);
      for (const line of reason.slice(1)) expect(line).toMatch(/^ {4}\S/);
      for (const line of reason) expect([...line].length, line).toBeLessThanOrEqual(width);
      expect(reason.map((line) => line.trim()).join(' ')).toBe(`line 8  unsupported_encoding  ${message}`);
    }
    // At most four lines: the rest of a longer reason is cut, as JSON keeps it whole.
    const long = quarantineBlocks([entry({ message: 'word '.repeat(200).trim() })], 40)
      .trimEnd()
      .split('\n');
    expect(long).toHaveLength(1 + 4 + 1);
    expect(long[4]).toMatch(/…$/);
  });

  it('writes control characters of a bad line as \\u escapes', () => {
    const text = quarantineBlocks([entry({ raw: '\u001b]0;owned\u0007\u001b[2J', message: 'bad\r\n' })], 80);
    expect(controlsBesidesNewline(text)).toEqual([]);
    expect(text).toContain('\\u001b]0;owned\\u0007\\u001b[2J');
  });

  it('says there are none', () => {
    expect(quarantineBlocks([], 80)).toBe('(no rows)\n');
  });
});
