import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBenchArgs, PHASES, USAGE, type BenchArgs } from '../../bench/args.js';

function runArgs(argv: string[]): BenchArgs {
  const command = parseBenchArgs(argv);
  if (command.kind !== 'run') throw new Error(`expected a run, got ${command.kind}: ${'text' in command ? command.text : ''}`);
  return command.args;
}

function usageError(argv: string[]): string {
  const command = parseBenchArgs(argv);
  if (command.kind !== 'usageError') throw new Error(`expected a usage error for ${argv.join(' ')}, got ${command.kind}`);
  expect(command.exitCode).toBe(2);
  expect(command.text).toContain(USAGE);
  return command.text;
}

describe('bench command line', () => {
  it('defaults to the 150 MB tree, every phase but the 1 GB ones, three repeats, and rewriting the report', () => {
    const args = runArgs([]);
    expect(args).toMatchObject({
      sizeMb: 150,
      rssFileMb: 0,
      incrementalMb: 20,
      scalingLines: 500,
      e2eMb: 0,
      junkMb: 16,
      seed: 1,
      repeat: 3,
      e2eRepeat: 3,
      write: true,
    });
    expect([...args.phases]).toEqual(['a', 'b', 'stages', 'loop', 'c', 's', 't', 'low', 'p', 'g', 'd', 'e', 'f', 'rss', 'junk']);
    expect(args.dir).toBe(path.join(os.tmpdir(), 'acs-logs-bench'));
  });

  it('parses every flag of the documented commands', () => {
    expect(runArgs(['--rss-file-mb', '1024', '--phases', 'rss,rssE2e'])).toMatchObject({ rssFileMb: 1024, phases: new Set(['rss', 'rssE2e']) });
    expect(runArgs(['--size-mb', '1024']).sizeMb).toBe(1024);
    const subset = runArgs(['--phases', 'a,c,s,p,g', '--no-write']);
    expect([...subset.phases]).toEqual(['a', 'c', 's', 'p', 'g']);
    expect(subset.write).toBe(false);
    expect(runArgs(['--size-mb', '2', '--phases', 'junk'])).toMatchObject({ sizeMb: 2, phases: new Set(['junk']) });
    expect(runArgs(['--phases', 'a', '--size-mb', '2', '--no-write', '--repeat', '1'])).toMatchObject({
      phases: new Set(['a']),
      sizeMb: 2,
      write: false,
      repeat: 1,
    });
  });

  it('parses every other flag, in both --flag value and --flag=value forms', () => {
    const args = runArgs(['--incremental-mb', '5', '--e2e-mb=30', '--junk-mb', '0', '--scaling-lines=100', '--seed', '7', '--dir', 'rel/dir']);
    expect(args).toMatchObject({ incrementalMb: 5, e2eMb: 30, junkMb: 0, scalingLines: 100, seed: 7, dir: path.resolve('rel/dir') });
    expect(runArgs(['--phases', PHASES.join(',')]).phases).toEqual(new Set(PHASES));
  });

  it('keeps at least one run and whole runs for --repeat', () => {
    expect(runArgs(['--repeat', '0']).repeat).toBe(1);
    expect(runArgs(['--repeat', '2.7']).repeat).toBe(2);
    expect(runArgs(['--e2e-repeat', '0']).e2eRepeat).toBe(1);
    expect(runArgs(['--e2e-repeat', '5']).e2eRepeat).toBe(5);
  });

  it('prints the usage for --help', () => {
    expect(parseBenchArgs(['--help'])).toEqual({ kind: 'help', text: USAGE });
    for (const flag of [
      '--size-mb',
      '--rss-file-mb',
      '--incremental-mb',
      '--e2e-mb',
      '--junk-mb',
      '--scaling-lines',
      '--phases',
      '--repeat',
      '--dir',
      '--seed',
      '--no-write',
      '--help',
    ]) {
      expect(USAGE).toContain(flag);
    }
  });

  it('answers a bad flag with exit code 2 and the usage, naming the flag', () => {
    expect(usageError(['--sise-mb', '2'])).toContain("'--sise-mb'");
    expect(usageError(['--phases', 'a', '-x'])).toContain("'-x'");
    expect(usageError(['--no-write=yes'])).toContain('--no-write');
  });

  it('answers a flag without its value, a stray argument, or a value that is not a size with exit code 2', () => {
    expect(usageError(['--size-mb'])).toContain('--size-mb');
    expect(usageError(['150'])).toContain('150');
    expect(usageError(['--size-mb', 'lots'])).toContain("--size-mb must be a number >= 0, got 'lots'");
    expect(usageError(['--repeat', ''])).toContain('--repeat must be a number');
    expect(usageError(['--seed', 'Infinity'])).toContain('--seed');
    expect(usageError(['--junk-mb=-1'])).toContain('--junk-mb');
  });

  it('refuses a phase it does not know instead of silently running nothing', () => {
    expect(usageError(['--phases', 'a,rsse2e'])).toContain('unknown phase rsse2e');
    expect(usageError(['--phases', ','])).toContain('--phases needs at least one phase');
  });
});
