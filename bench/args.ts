import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

/** The benchmark's settings, from `npm run bench -- [flags]`. */
export interface BenchArgs {
  sizeMb: number;
  rssFileMb: number;
  incrementalMb: number;
  scalingLines: number;
  e2eMb: number;
  junkMb: number;
  phases: Set<string>;
  dir: string;
  seed: number;
  write: boolean;
  repeat: number;
  e2eRepeat: number;
}

/** Every name `--phases` accepts; rss adds rssPipeline, rssE2e and rssE2eLow only when listed too. */
export const PHASES = ['a', 'b', 'stages', 'loop', 'c', 's', 't', 'low', 'p', 'g', 'd', 'e', 'f', 'rss', 'rssPipeline', 'rssE2e', 'rssE2eLow', 'junk'] as const;

const DEFAULT_PHASES = ['a', 'b', 'stages', 'loop', 'c', 's', 't', 'low', 'p', 'g', 'd', 'e', 'f', 'rss', 'junk'];

export const USAGE = `usage: npm run bench -- [options]

  --size-mb N          size of the generated tree in MB (default 150; generated once, reused)
  --rss-file-mb N      build one file of N MB for the rss phases (default 0: skipped)
  --incremental-mb N   size of the file the incremental phase (d) appends to (default 20)
  --e2e-mb N           run (c) on only the first N MB of the tree (default 0: the whole tree)
  --junk-mb N          MiB of junk lines in the junk flood (j) (default 16; 0 skips it)
  --scaling-lines N    Rooms lines repeated by phase (e) (default 500)
  --phases LIST        comma-separated, of ${PHASES.join(',')}
                       (default: ${DEFAULT_PHASES.join(',')})
  --repeat N           runs of (a), (b), its stages and (p); the median is reported (default 3)
  --e2e-repeat N       runs of (c), each into a new data dir (after a floor run of its own, with (a)); the median is reported (default 3)
  --dir PATH           where generated data is kept (default $TMPDIR/acs-logs-bench)
  --seed N             the generator's seed (default 1)
  --no-write           print results without rewriting docs/BENCHMARKS.md
  --help               print this and exit`;

/** What the command line asks for: a run, the help text, or a usage error (exit code 2). */
export type BenchCommand = { kind: 'run'; args: BenchArgs } | { kind: 'help'; text: string } | { kind: 'usageError'; exitCode: 2; text: string };

const NUMBER_FLAGS = {
  'size-mb': 'sizeMb',
  'rss-file-mb': 'rssFileMb',
  'incremental-mb': 'incrementalMb',
  'e2e-mb': 'e2eMb',
  'junk-mb': 'junkMb',
  'scaling-lines': 'scalingLines',
  seed: 'seed',
  repeat: 'repeat',
  'e2e-repeat': 'e2eRepeat',
} as const;

export function parseBenchArgs(argv: readonly string[]): BenchCommand {
  try {
    return parseOrThrow(argv);
  } catch (error) {
    if (!(error instanceof BenchUsageError) && !isParseArgsError(error)) throw error;
    return { kind: 'usageError', exitCode: 2, text: `bench: ${error.message}\n${USAGE}` };
  }
}

class BenchUsageError extends Error {}

// node:util parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes for unknown flags, missing values and positionals.
function isParseArgsError(error: unknown): error is Error {
  return error instanceof Error && String((error as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS_');
}

function parseOrThrow(argv: readonly string[]): BenchCommand {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      'size-mb': { type: 'string' },
      'rss-file-mb': { type: 'string' },
      'incremental-mb': { type: 'string' },
      'e2e-mb': { type: 'string' },
      'junk-mb': { type: 'string' },
      'scaling-lines': { type: 'string' },
      seed: { type: 'string' },
      repeat: { type: 'string' },
      'e2e-repeat': { type: 'string' },
      phases: { type: 'string' },
      dir: { type: 'string' },
      'no-write': { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values['help'] === true) return { kind: 'help', text: USAGE };
  const args: BenchArgs = {
    sizeMb: 150,
    rssFileMb: 0,
    incrementalMb: 20,
    scalingLines: 500,
    e2eMb: 0,
    junkMb: 16,
    seed: 1,
    repeat: 3,
    e2eRepeat: 3,
    phases: new Set(DEFAULT_PHASES),
    dir: path.join(os.tmpdir(), 'acs-logs-bench'),
    write: values['no-write'] !== true,
  };
  for (const [flag, key] of Object.entries(NUMBER_FLAGS) as [keyof typeof NUMBER_FLAGS, (typeof NUMBER_FLAGS)[keyof typeof NUMBER_FLAGS]][]) {
    const raw = values[flag];
    if (typeof raw !== 'string') continue;
    const n = raw.trim() === '' ? NaN : Number(raw);
    if (!Number.isFinite(n) || n < 0) throw new BenchUsageError(`--${flag} must be a number >= 0, got '${raw}'`);
    args[key] = n;
  }
  args.repeat = Math.max(1, Math.floor(args.repeat));
  args.e2eRepeat = Math.max(1, Math.floor(args.e2eRepeat));
  const phases = values['phases'];
  if (typeof phases === 'string') {
    const listed = phases
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== '');
    const unknown = listed.filter((name) => !(PHASES as readonly string[]).includes(name));
    if (unknown.length > 0) throw new BenchUsageError(`--phases: unknown phase ${unknown.join(', ')}`);
    if (listed.length === 0) throw new BenchUsageError('--phases needs at least one phase');
    args.phases = new Set(listed);
  }
  const dir = values['dir'];
  if (typeof dir === 'string') args.dir = path.resolve(dir);
  return { kind: 'run', args };
}
