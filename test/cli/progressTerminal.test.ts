import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTestDir } from '../support/embedded.js';
import { ROOT } from '../support/cli.js';
import { asJsonLines, blobPath, roomsRecords } from '../support/roomsLogs.js';

/** util-linux's `script` runs a command on a pseudo-terminal: the CLI sees a terminal, as a user's shell gives it (macOS has a BSD one with other flags). */
const SCRIPT = '/usr/bin/script';
const haveScript = process.platform === 'linux' && existsSync(SCRIPT);
const inCi = process.env['CI'] === 'true';
const CLEAR = '\r\x1b[K';

it.runIf(!haveScript && inCi)('util-linux script is installed for the terminal tests', () => {
  throw new Error(`${SCRIPT} is missing: the terminal tests need util-linux's script`);
});

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await removeTestDir(dir);
});

function onTerminal(args: string[], columns: number): Promise<{ code: number | null; output: string }> {
  const command = [`stty cols ${columns}`, [process.execPath, path.join(ROOT, 'dist/src/cli/main.js'), ...args].map(quoted).join(' ')].join('; ');
  const child = spawn(SCRIPT, ['-qfec', command, '/dev/null'], { cwd: ROOT, env: { ...process.env, TERM: 'xterm' } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

function quoted(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

describe.skipIf(!haveScript)('process on a terminal', () => {
  it('says how far it is on a line of its own: every other line above it, and gone before the totals', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'acs-terminal-'));
    dirs.push(dir);
    const tree = path.join(dir, 'logs');
    for (let hour = 0; hour < 3; hour++) {
      const file = path.join(tree, 'insights-logs-roomsoperational', blobPath(hour));
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, asJsonLines(roomsRecords(4_000, 300 + hour)));
    }
    // A new embedded store and 12,000 records: longer than the second before the line is first drawn.
    const { code, output } = await onTerminal(['process', tree, '--data-dir', path.join(dir, 'data')], 100);
    expect(code).toBe(0);
    const lines = output.replace(/\r\n/g, '\n');
    const status = lines
      .split(CLEAR)
      .map((piece) => piece.split(/[\r\n]/)[0] as string)
      .filter((piece) => /^process +\d+% /.test(piece));
    expect(status.length).toBeGreaterThan(0);
    for (const text of status) {
      expect(text.length).toBeLessThan(100);
      expect(text).toMatch(/^process +\d+% [█░]{24} \d+:\d\d · [\d.]+\/[\d.]+ MB read · \d\/3 files · [\d,]+ rows written/);
    }
    // Each file's line is written where the status line was erased, never after its text.
    const fileLines = lines.split('\n').filter((line) => line.includes('file processed'));
    expect(fileLines).toHaveLength(3);
    for (const line of fileLines)
      expect(line.startsWith('insights-logs') || line.lastIndexOf(CLEAR) === line.indexOf('insights-logs') - CLEAR.length).toBe(true);
    // The totals stand on a line of their own, the status line erased before them and not drawn again.
    const totals = lines.slice(lines.lastIndexOf(CLEAR) + CLEAR.length);
    expect(totals).toMatch(/^3 file\(s\), 3 with new data: 12000 records, .*\n$/);
  });
});
