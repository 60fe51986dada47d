import type { Command } from 'commander';
import { PassThrough } from 'node:stream';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { QUARANTINE_CODES, type IssueCode, type QuarantineCode } from '../../src/lib/processing/quarantineCodes.js';
import { runInProcess } from '../support/inProcessCli.js';

/** Usage mistakes of every command: exit code 2, a reason on stderr, nothing on stdout, no storage touched. */
const USAGE_ERRORS: Readonly<Record<string, string[][]>> = {
  process: [
    ['process'],
    ['process', '.', '--concurrency', '0'],
    ['process', '.', '--memory', 'less'],
    ['process', '/no/such/file'],
    ['process', '.', '--connection-string', 'garbage'],
    ['process', '.', '--concurrency', '10000000'],
    ['process', '.', '--concurrency', '1e3'],
    ['process', '.', '--data-dir', ''],
  ],
  query: [
    ['query'],
    ['query', 'nope'],
    ['query', 'rooms', '--granularity', 'week'],
    ['query', 'rooms', '--from', 'x'],
    ['query', 'rooms', '--from', '2024-05-26', '--to', '2024-05-25'],
    ['query', 'rooms', '--correlation-id', 'x'],
    ['query', 'rooms', '--columns', 'nope'],
    ['query', 'rooms', '--format', 'xml'],
    ['query', 'rooms', '--connection-string', 'garbage'],
    ['query', 'rooms', '--table-prefix', 'a-b'],
    ['query', 'rooms', '--connection-string', ''],
    ['query', 'rooms', '--data-dir', ' '],
  ],
  backfill: [
    ['backfill', '--since', 'bad'],
    ['backfill', '--since', '2024-06-01', '--until', '2024-05-01'],
    ['backfill', '--bogus'],
    ['backfill', '--from', '2024-05-01'],
    ['backfill', '--concurrency', 'x'],
    ['backfill', '--connection-string', 'garbage'],
    ['backfill', '--container', ''],
    ['backfill', '--container', 'Insights_Logs'],
  ],
  watch: [
    ['watch', '--interval', '0'],
    ['watch', '--duration', 'soon'],
    ['watch', '--duration', '2147484'],
    ['watch', '--connection-string', 'garbage'],
    ['watch', '--container', 'a--b'],
  ],
  health: [
    ['health', '--format', 'csv'],
    ['health', '--connection-string', 'garbage'],
  ],
  'reindex-calls': [
    ['reindex-calls', '--connection-string', 'garbage'],
    ['reindex-calls', '--table-prefix', '1bad'],
    ['reindex-calls', 'extra'],
  ],
  generate: [
    ['generate', '--hours', '0'],
    ['generate', '--force'],
    ['generate', '--hours', '1', '--to', '2024-05-26'],
    ['generate', '--connection-string', 'garbage'],
    ['generate', '--out', 'never-written', '--hours', '100000000'],
    ['generate', '--out', 'never-written', '--from', '2024-01-01', '--to', '2026-01-01'],
    ['generate', '--hours', '0x10'],
    ['generate', '--out', 'never-written', '--resources', '20000'],
    ['generate', '--out', 'never-written', '--rooms-per-hour', '100000000'],
    ['generate', '--out', '', '--hours', '1'],
    ['generate', '--out', 'package.json', '--hours', '1'],
    ['generate', '--out', 'package.json/logs', '--hours', '1'],
  ],
  'quarantine list': [
    ['quarantine', 'list', '--format', 'yaml'],
    ['quarantine', 'list', '--code', 'schema_invlaid'],
    ['quarantine', 'list', '--connection-string', 'garbage'],
    ['quarantine', 'list', '--container', 'insights-logs-usage', '--container', 'local'],
    ['quarantine', 'list', '--container', ''],
  ],
  'quarantine replay': [
    ['quarantine', 'replay', '--max-line-bytes', 'abc'],
    ['quarantine', 'replay', '--code', 'bogus'],
    ['quarantine', 'replay', '--connection-string', 'garbage'],
    ['quarantine', 'replay', '--category', 'Chat'],
  ],
  'quarantine dismiss': [
    ['quarantine', 'dismiss'],
    ['quarantine', 'dismiss', '--code', 'bogus'],
    ['quarantine', 'dismiss', '--container', 'c', '--reason', 'x'.repeat(1001)],
    ['quarantine', 'dismiss', '--container', 'c', '--reason', ' '],
    ['quarantine', 'dismiss', '--container', 'c', '--connection-string', 'garbage'],
    ['quarantine', 'dismiss', '--container', 'insights-logs-usage', '--container', 'local'],
    ['quarantine', 'dismiss', '--container', ' '],
    ['quarantine', 'dismiss', '--path', ''],
  ],
  'quarantine purge': [
    ['quarantine', 'purge', '--code', 'bogus'],
    ['quarantine', 'purge', '--path', ''],
    ['quarantine', 'purge', '--container', 'insights-logs-usage', '--container', 'local'],
    ['quarantine', 'purge', '--connection-string', 'garbage'],
    ['quarantine', 'purge', 'extra'],
  ],
  demo: [
    ['demo', '--hours', '0'],
    ['demo', '--hours', '8785'],
    ['demo', '--speed', '-1'],
    ['demo', '--data-dir', ''],
  ],
  serve: [
    ['serve', '--port', 'abc'],
    ['serve', '--port', '70000'],
    ['serve', '--bogus'],
    ['serve', '--connection-string', 'garbage'],
    ['serve', '--host', ''],
  ],
};

function leafCommands(command: Command, prefix = ''): string[] {
  return command.commands.flatMap((sub) => {
    const name = `${prefix}${sub.name()}`;
    return sub.commands.length > 0 ? leafCommands(sub, `${name} `) : [name];
  });
}

// Every code a step can give is one --code takes: a code added to a step's union and not to the list fails to compile here.
const EVERY_CODE_LISTED: [Exclude<IssueCode, QuarantineCode>] extends [never] ? true : never = true;

describe('exit codes', () => {
  it('every command has usage-error cases here', () => {
    expect(leafCommands(buildProgram(new PassThrough(), new PassThrough())).sort()).toEqual(Object.keys(USAGE_ERRORS).sort());
  });

  // Commander's own errors and the commands' checks read alike: the reason, then where the command's help is.
  it.each(Object.entries(USAGE_ERRORS).flatMap(([command, cases]) => cases.map((args) => [args.join(' '), args, command])))(
    "acs-logs %s: exit 2 with the reason and a pointer to the command's help on stderr",
    async (_name, args, command) => {
      const run = await runInProcess(args as string[]);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(/^error: \S/);
      expect(run.stderr.endsWith(`\nrun "acs-logs ${command as string} --help" for usage\n`), run.stderr).toBe(true);
      expect(run.stderr.split('\n').length, run.stderr).toBeLessThanOrEqual(4);
      expect(run.stdout).toBe('');
    },
  );

  it('an option given another option for its value says the value is missing, not "too many arguments"', async () => {
    for (const args of [
      ['query', 'rooms', '--from', '--data-dir', 'd'],
      ['query', 'rooms', '--from=--to', '2024-05-25'],
      ['backfill', '--container', '--since', '2024-05-01'],
    ]) {
      const run = await runInProcess(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr, args.join(' ')).toMatch(
        /argument '--[a-z-]+' is invalid\. it needs a value, and --[a-z-]+ is an option: give the value after --[a-z-]+/,
      );
    }
    // A value that only starts with two dashes, and names no option, is a value.
    const odd = await runInProcess(['query', 'calls', '--correlation-id', '--not-an-option', '--data-dir', ' ']);
    expect(odd.stderr).not.toMatch(/is an option/);
  });

  it('lets --code name every code a step gives a line it cannot use', () => {
    expect(EVERY_CODE_LISTED).toBe(true);
  });

  it('names the codes --code takes when given one that no entry can carry', async () => {
    const run = await runInProcess(['quarantine', 'list', '--code', 'schema_invlaid']);
    expect(run.code).toBe(2);
    for (const code of QUARANTINE_CODES) expect(run.stderr).toContain(code);
  });

  it.each([[[]], [['nope']], [['quarantine']]])('acs-logs %j: exit 2', async (args) => {
    expect((await runInProcess(args)).code).toBe(2);
  });

  it.each([[['--help']], [['--version']], [['query', '--help']]])('acs-logs %j: exit 0', async (args) => {
    expect((await runInProcess(args)).code).toBe(0);
  });

  it.each(leafCommands(buildProgram(new PassThrough(), new PassThrough())))(
    'acs-logs help %s: the help of that command, as --help gives it',
    async (command) => {
      const words = command.split(' ');
      const help = await runInProcess(['help', ...words]);
      const flag = await runInProcess([...words, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^Usage: acs-logs ${command} `));
      expect(help.stdout).toBe(flag.stdout);
    },
  );

  it.each([
    [['query', 'rooms', '--help', '--format', 'xml'], 'query'],
    [['query', '--format', 'xml', 'calls', '-h'], 'query'],
    [['watch', '--interval', '0', '--help'], 'watch'],
    [['quarantine', 'list', '--code', 'nosuch', '--help'], 'quarantine list'],
    [['--bogus', '--help'], ''],
  ])('acs-logs %j: the help of that command whatever else is given, exit 0', async (args, command) => {
    const run = await runInProcess(args);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(new RegExp(`^Usage: acs-logs ${command ? `${command} ` : ''}\\[options\\]`));
  });

  it('a --help after -- is an operand, not a request for help', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'acs-help-operand-'));
    try {
      const run = await runInProcess(['process', '--data-dir', dataDir, '--', '--help']);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain(`cannot read ${path.resolve('--help')}`);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it.each([
    [['help', 'nosuch'], 'acs-logs --help'],
    [['help', 'quarantine', 'nosuch'], 'acs-logs quarantine --help'],
  ])('acs-logs %j: an unknown command, exit 2', async (args, hint) => {
    const run = await runInProcess(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`error: unknown command 'nosuch'\nrun "${hint}" for usage\n`);
  });
});
