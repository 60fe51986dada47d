import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { removeTestDir } from '../support/embedded.js';
import { lineLogger } from '../../src/cli/lineLogger.js';
import { oneLine, printable } from '../../src/cli/printable.js';
import { runCli } from '../../src/cli/program.js';
import { storageNotices } from '../../src/cli/storageNotices.js';
import { cli } from '../support/cli.js';
import { asJsonLines, blobPath, roomsRecords } from '../support/roomsLogs.js';
import { azuriteConnectionString, uniquePrefix } from '../support/storage.js';

describe('printable', () => {
  it('writes controls and the characters that reorder or hide a line as \\u escapes, and keeps text, emoji and scripts', () => {
    expect(printable('a\u001b[31mb\u0007\u0085\u009b')).toBe('a\\u001b[31mb\\u0007\\u0085\\u009b');
    expect(printable('invoice\u202eexe.txt\u202c \u2066x\u2069 \u200e\u200f \u200b\ufeff \u2028\u2029')).toBe(
      'invoice\\u202eexe.txt\\u202c \\u2066x\\u2069 \\u200e\\u200f \\u200b\\ufeff \\u2028\\u2029',
    );
    expect(printable('\u061c \u206a\u206f \ufff9\ufffb')).toBe('\\u061c \\u206a\\u206f \\ufff9\\ufffb');
    const kept = 'é 中文 😀 👨\u200d👩\u200d👧 می\u200cخواهم';
    expect(printable(kept)).toBe(kept);
  });

  it('is what the line logger writes: a file name cannot drive the terminal or split the line', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    lineLogger(out).info('file processed', { file: 'local//tmp/a\u001b[31m\rb\u202e.json', records: 3 });
    lineLogger(out).warn('file failed', { file: 'f', error: 'The service said:\r\nRequestId: 1\n' });
    expect(text).toBe(
      'local//tmp/a\\u001b[31m\\u000db\\u202e.json: file processed (records=3)\n' + 'warning: f: file failed (error=The service said: RequestId: 1 )\n',
    );
  });

  it('the line logger leaves the zero counts out of an information line, and keeps every field of a warning', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    const logger = lineLogger(out);
    logger.info('file processed', { file: 'f', records: 9, badLines: 0, unsupported: 0, bytes: 5099, segments: 1, pendingBytes: 0 });
    logger.info('file processed', { file: 'g', records: 0, bytes: 0 });
    logger.warn('pass failed; retrying', { error: 'x', retryInSeconds: 0, failedPasses: 1 });
    expect(text).toBe(
      'f: file processed (records=9 bytes=5099 segments=1)\ng: file processed\nwarning: pass failed; retrying (error=x retryInSeconds=0 failedPasses=1)\n',
    );
  });

  it("the line logger names a blob by its resource's name in an information line, and by the whole id in a warning", () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    const logger = lineLogger(out);
    const id =
      '/SUBSCRIPTIONS/3F2504E0-4F89-11D3-9A0C-0305E82C3301/RESOURCEGROUPS/CONTOSO-RG/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/CONTOSO-ACS';
    const blob = `insights-logs-usage/resourceId=${id}/y=2024/m=05/d=25/h=09/m=00/PT1H.json`;
    logger.info('file processed', { file: blob, records: 2 });
    logger.info('file processed', { file: blob.toLowerCase(), records: 2 });
    logger.warn('file failed', { file: blob, error: 'x' });
    // Not an ARM id in Azure Monitor's layout: as it is.
    logger.info('file processed', { file: 'local//logs/resourceId=/mine/PT1H.json', records: 1 });
    expect(text.split('\n')).toEqual([
      'insights-logs-usage/resourceId=…/CONTOSO-ACS/y=2024/m=05/d=25/h=09/m=00/PT1H.json: file processed (records=2)',
      'insights-logs-usage/resourceid=…/contoso-acs/y=2024/m=05/d=25/h=09/m=00/pt1h.json: file processed (records=2)',
      `warning: ${blob}: file failed (error=x)`,
      'local//logs/resourceId=/mine/PT1H.json: file processed (records=1)',
      '',
    ]);
  });

  it('oneLine: a message for one line, its line breaks as spaces and its controls escaped', () => {
    expect(oneLine('The service said:\r\n  RequestId: 1\nTime: \u001b]0;owned\u0007')).toBe('The service said: RequestId: 1 Time: \\u001b]0;owned\\u0007');
  });

  it("a storage warning shows the service's message on one line, escaped", () => {
    const err = new PassThrough();
    let text = '';
    err.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    storageNotices(err)(Object.assign(new Error('Server \u001b[2Jbusy\r\nRequestId: 7'), { statusCode: 503 }));
    expect(text.split('\n')).toHaveLength(2);
    expect(text).not.toContain('\u001b');
    expect(text).toContain('\\u001b[2J');
  });

  it("a failed command's message is one line on stderr, escaped", async () => {
    const { code, text } = await cliErrors(['process', '/nonexistent', '--category', 'x\u001b[31m\ny']);
    expect(code).toBe(2);
    expect(text).not.toContain('\u001b');
    expect(text).toContain('got "x\\u001b[31m y"');
  });

  it('an argument the command line refuses is shown escaped', async () => {
    const { code, text } = await cliErrors(['query', 'rooms', '--format', 'x\u001b]0;owned\u0007']);
    expect(code).toBe(2);
    expect(text).not.toContain('\u0007');
    expect(text).not.toContain('\u001b');
    expect(text).toContain("'x\\u001b]0;owned\\u0007'");
  });
});

describe('notes that name files and resources', () => {
  it("show a file's name and a resource's name from the logs escaped, so neither can drive the terminal", async () => {
    const work = await mkdtemp(path.join(tmpdir(), 'acs-logs-printable-'));
    try {
      // A resource whose name retitles the terminal and reverses what follows, as its folder and its records name it.
      const resource = '/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/ACS\u001b]0;owned\u0007\u202eX';
      const file = path.join(work, 'insights-logs-roomsoperational', blobPath(1, resource));
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, asJsonLines(roomsRecords(5, 820, 40, resource)));
      await writeFile(path.join(work, 'notes\u001b[2J.txt'), 'not a log\n');
      await symlink(path.join(work, 'gone'), path.join(work, 'link\u001b[31m.json'));
      const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()];
      const processed = await cli(['process', work, '--quiet', ...storage]);
      // The broken link fails the run, after the files beside it.
      expect(processed.code, processed.stderr).toBe(1);
      expect(processed.stderr).toContain(`${path.join(work, 'notes\\u001b[2J.txt')}; name a file`);
      expect(processed.stderr).toContain(`error: cannot list ${path.join(work, 'link\\u001b[31m.json')}: broken symbolic link`);
      // Too narrow for every column (50): the note names the resource of every row that it leaves out.
      const queried = await cli(['query', 'rooms-operations', ...storage], undefined, { COLUMNS: '50' });
      expect(queried.code, queried.stderr).toBe(0);
      expect(queried.stderr).toContain('resourceId (ACS\\u001b]0;OWNED\\u0007\\u202eX in every row)');
      for (const text of [processed.stderr, queried.stderr]) for (const raw of ['\u001b', '\u0007', '\u202e']) expect(text).not.toContain(raw);
    } finally {
      await removeTestDir(work);
    }
  });
});

async function cliErrors(argv: string[]): Promise<{ code: number; text: string }> {
  const err = new PassThrough();
  let text = '';
  err.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const code = await runCli(argv, new PassThrough(), err);
  return { code, text };
}
