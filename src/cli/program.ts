import { existsSync } from 'node:fs';
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ExitStatus, UsageError } from './errors.js';
import { FORMATS } from './format.js';
import {
  anyCaseChoice,
  collectContainer,
  collectStorageContainer,
  fraction,
  isoDate,
  nonEmpty,
  nonNegativeNumber,
  port,
  positiveInteger,
  positiveNumber,
  timerSeconds,
} from './flags.js';
import { VIEW_NAMES } from '../lib/querying/viewNames.js';
import { QUARANTINE_CODES } from '../lib/processing/quarantineCodes.js';
import { classifyError } from '../lib/storage/errors.js';
import { packageVersion } from './packageRoot.js';
import { oneLine, printableLines } from './printable.js';
import { checkSettingFlags, processingOptions, type SettingFlags } from './settings.js';
import type { StorageRetries } from './storageSession.js';
import type { QueryFlags } from './commands/query.js';
import type { BackfillFlags } from './commands/backfill.js';
import { attachEarly, checkedConnectionString, type EarlyAttach, type StorageChoice } from './earlyStorage.js';
import { DEFAULT_DEMO_DIR } from './demoStore.js';

const DEFAULT_DATA_DIR = './.acs-logs';

function storageOptions(command: Command, { tables = true }: { tables?: boolean } = {}): Command {
  command
    .option('--connection-string <s>', 'storage connection string (default: $AzureWebJobsStorage, else an embedded Azurite)', nonEmpty)
    .option(
      '--data-dir <dir>',
      'where the embedded Azurite keeps its data (commands on one dir share it); given, the embedded store is used even with $AzureWebJobsStorage set',
      nonEmpty,
      DEFAULT_DATA_DIR,
    );
  // A command that writes no table (generate) would take a prefix and do nothing with it.
  if (tables) command.option('--table-prefix <p>', 'prefix of the aggregate table names (default: $ACS_LOGS_TABLE_PREFIX or Acs)');
  // A data dir the user names is the store they mean: a Functions developer's AzureWebJobsStorage must not take its place.
  return command.hook('preAction', (_, action) => {
    if (action.getOptionValueSource('dataDir') === 'cli') action.setOptionValue('embedded', true);
  });
}

/**
 * Runs a command that opens storage: the embedded store (when it is the one) starts attaching now,
 * while the command's modules load, and is let go if the command never takes it.
 */
async function withStorage<F extends StorageChoice & SettingFlags>(
  flags: F,
  run: (flags: F & { earlyAttach?: EarlyAttach }) => Promise<unknown>,
  inputs: readonly string[] = [],
  services: readonly ('blob' | 'table')[] = ['table'],
): Promise<void> {
  // A bad setting or a missing input fails the command before it needs storage: no store is started (or created) for it.
  checkSettingFlags(flags);
  checkedConnectionString(flags, services);
  const early = inputs.every((input) => existsSync(input)) ? attachEarly(flags) : undefined;
  try {
    await run(early ? { ...flags, earlyAttach: early } : flags);
  } finally {
    await early?.release();
  }
}

// Each command's module is loaded when it runs: a command does not pay for the others' dependencies
// (`process` of local files loads no blob SDK).
export function buildProgram(out: NodeJS.WritableStream, err: NodeJS.WritableStream): Command {
  const program = new Command('acs-logs')
    .description('Turns Azure Communication Services diagnostic logs into exactly-once aggregates in Azure Table Storage.')
    .version(packageVersion())
    .showHelpAfterError(usageHint([]))
    .exitOverride();

  storageOptions(
    processingOptions(
      program
        .command('process')
        .description('process local log files or folders laid out as in storage (insights-logs-<category>/resourceId=.../PT1H.json)')
        .argument('<paths...>', 'files or folders')
        .option(
          '--category <c>',
          'category of records that carry none: RoomsOperational, CallRecordingSummary, CallRecordingOperational, Usage, CallSummary, CallSummaryUpdates, CallDiagnostics, CallDiagnosticsUpdates',
        )
        .option('--quiet', 'print only the totals'),
      ['maxLineBytes', 'sealAfterMinutes', 'concurrency', 'memory'],
    ),
  ).action(async (paths: string[], flags) => {
    await withStorage(flags, async (early) => (await import('./commands/process.js')).processCommand(paths, early, out, err), paths);
  });

  storageOptions(
    program
      .command('query')
      .description('print an aggregate view')
      .addArgument(new Argument('<view>', 'the view').choices(VIEW_NAMES).argParser(anyCaseChoice(VIEW_NAMES)))
      .addOption(
        new Option('--granularity <g>', 'bucket size')
          .choices(['hour', 'day'])
          .argParser(anyCaseChoice(['hour', 'day']))
          .default('day'),
      )
      .option(
        '--from <iso>',
        'start (inclusive), ISO-8601: a date or date-time, extended or basic (2024-05-25, 2024-05-25T04:30Z, 20240525T0430Z, 2024-05-25T04+02), UTC unless it gives an offset; not a year or month alone',
      )
      .option('--to <iso>', 'end (exclusive), ISO-8601 like --from')
      .option('--resource <id>', 'only this ACS resource: its full id, or the name tables show (any case)')
      .option('--correlation-id <id>', 'only this call (the calls view)')
      .addOption(
        new Option('--format <f>', 'output format')
          .choices([...FORMATS])
          .argParser(anyCaseChoice([...FORMATS]))
          .default('table'),
      )
      .option('--columns <names>', 'only these fields, comma-separated (any format; an unknown name lists the valid ones)')
      .option('--wide', 'tables show every field, uncut (JSON and CSV always do)'),
  ).action(async (view: string, flags: QueryFlags, command: Command) => {
    const given: QueryFlags = { ...flags, granularityGiven: command.getOptionValueSource('granularity') === 'cli' };
    await withStorage(given, async (early) => (await import('./commands/query.js')).queryCommand(view, early, out, err));
  });

  storageOptions(
    processingOptions(
      program
        .command('backfill')
        .description('process the logs already archived in a storage account (resumable: re-run continues where it stopped)')
        .option('--container <c>', 'a log container (repeatable; default: every $ACS_LOGS_CONTAINER_* or insights-logs-* container)', collectStorageContainer)
        .option('--prefix <p>', 'only blobs whose path starts with this (e.g. resourceId=/SUBSCRIPTIONS/<id>/)')
        .option('--since <date>', 'only files of hours from this ISO date-time (UTC); a path without an hour: by its last change', isoDate)
        .option('--until <date>', 'only files of hours before this ISO date-time (UTC); a path without an hour: by its last change', isoDate)
        // query's names for a range, taken only to say which ones backfill has.
        .addOption(new Option('--from <date>').hideHelp())
        .addOption(new Option('--to <date>').hideHelp()),
      ['maxLineBytes', 'sealAfterMinutes', 'concurrency', 'memory'],
    ),
  ).action(async (flags: BackfillFlags & { from?: string; to?: string }) => {
    if (flags.from !== undefined || flags.to !== undefined) {
      throw new UsageError(`backfill selects files by the hour in their path: give --since/--until, not ${flags.from !== undefined ? '--from' : '--to'}`);
    }
    await withStorage(flags, async (early) => (await import('./commands/backfill.js')).backfillCommand(early, out, err), [], ['blob', 'table']);
  });

  storageOptions(
    processingOptions(
      program
        .command('watch')
        .description('process logs as they land in storage (the timer function, in a loop), until Ctrl-C')
        .option('--container <c>', 'a log container (repeatable; default: every $ACS_LOGS_CONTAINER_* or insights-logs-* container)', collectStorageContainer)
        .option('--interval <seconds>', 'seconds between passes', timerSeconds, 5)
        .option('--duration <seconds>', 'stop after this many seconds', timerSeconds),
      ['maxLineBytes', 'sealAfterMinutes', 'concurrency', 'memory'],
    ),
  ).action(async (flags) => {
    await withStorage(flags, async (early) => (await import('./commands/watch.js')).watchCommand(early, out, err), [], ['blob', 'table']);
  });

  storageOptions(
    program
      .command('health')
      .description('print processing progress, quarantine and stuck files per log container (exit 0 even when degraded)')
      .option('--container <c>', 'a log container (repeatable; default: the ACS_LOGS_CONTAINER_* settings)', collectContainer)
      .addOption(
        new Option('--format <f>', 'output format')
          .choices(['table', 'json'])
          .argParser(anyCaseChoice(['table', 'json']))
          .default('table'),
      )
      .option('--fail-on-degraded', 'exit with code 3 when the status is degraded (for scripts and probes)'),
  ).action(async (flags) => {
    await withStorage(flags, async (early) => (await import('./commands/health.js')).healthCommand(early, out, err));
  });

  storageOptions(
    program
      .command('reindex-calls')
      .description(
        'list every stored call in the time index of calls again, after an older version wrote to the same tables (queries of a time range read the whole Calls table until it ends)',
      ),
  ).action(async (flags) => {
    await withStorage(flags, async (early) => (await import('./commands/reindexCalls.js')).reindexCallsCommand(early, out, err));
  });

  storageOptions(
    program
      .command('serve')
      .description('serve the dashboard at / and the HTTP API (/api/query/{view}, /api/health) on this machine, until Ctrl-C')
      .option('--port <n>', 'TCP port (0: any free port)', port, 7071)
      .option('--host <address>', 'address to listen on (0.0.0.0: every interface)', nonEmpty, '127.0.0.1')
      .option('--container <c>', 'a log container whose health to report (repeatable; default: the ACS_LOGS_CONTAINER_* settings)', collectContainer),
  ).action(async (flags) => {
    await withStorage(flags, async (early) => (await import('./commands/serve.js')).serveCommand(early, out, err));
  });

  storageOptions(
    program
      .command('generate')
      .description('write synthetic logs of every category: to a folder (--out) or as growing append blobs into storage')
      .option('--out <dir>', 'write a storage-shaped folder tree here instead of into storage (refused when it already holds log files)', nonEmpty)
      .option('--append', 'add to the log files already there (in the --out folder, or the blobs in storage)')
      .option('--force', 'with --out: replace the log files this run writes')
      .option('--seed <n>', 'random seed (same seed, same logs)', positiveInteger, 1)
      .option('--from <date>', 'start of the simulated period, ISO (default 2024-05-25T00:00Z)', isoDate)
      .option('--to <date>', 'end of the simulated period, ISO', isoDate)
      .option('--hours <n>', 'length of the simulated period in hours (default 24)', positiveInteger)
      .option('--resources <n>', 'ACS resources', positiveInteger, 1)
      .option('--rooms-per-hour <n>', 'rooms created per resource and hour', nonNegativeNumber, 20)
      .option('--calls-per-hour <n>', 'recorded calls per resource and hour', nonNegativeNumber, 10)
      .option('--failure-rate <f>', 'share of API requests that fail, 0..1', fraction, 0.03)
      .option('--speed <x>', 'simulated seconds per real second when writing to storage (default: as fast as possible)', positiveNumber),
    { tables: false },
  ).action(async (flags) => {
    await (await import('./commands/generate.js')).generateCommand(flags, out, err);
  });

  const quarantine = program
    .command('quarantine')
    .description('lines that could not be read: list them, replay them after a fix, dismiss them, purge their text');
  storageOptions(
    quarantine
      .command('list')
      .description('list quarantined lines with file, line, offset, reason and raw text')
      .addOption(singleValue(new Option('--container <c>', 'only this container').argParser(nonEmpty)))
      .addOption(new Option('--code <code>', 'only this error code').choices([...QUARANTINE_CODES]).argParser(anyCaseChoice([...QUARANTINE_CODES])))
      .option('--all', 'include entries already replayed or dismissed')
      .addOption(
        new Option('--format <f>', 'output format')
          .choices([...FORMATS])
          .argParser(anyCaseChoice([...FORMATS]))
          .default('table'),
      ),
  ).action(async (flags) => {
    await withStorage(flags, async (early) => (await import('./commands/quarantine.js')).quarantineListCommand(early, out, err));
  });
  storageOptions(
    processingOptions(
      quarantine
        .command('replay')
        .description('read quarantined lines again (after a fix) and apply those that now read, exactly once')
        .argument('[paths...]', 'the files or folders given to "process" (laid out as in storage), to re-read their lines from disk')
        .addOption(
          new Option('--code <code>', 'only entries with this error code (a run of bad lines is one entry, whatever the codes of its lines)')
            .choices([...QUARANTINE_CODES])
            .argParser(anyCaseChoice([...QUARANTINE_CODES])),
        )
        .option('--category <c>', 'the category of records that carry none, where their file implied none (a file given to "process" without --category)')
        .option('--path <p>', 'only this file\'s entries (its path as "quarantine list" shows it, or as given to "process")', nonEmpty),
      ['maxLineBytes'],
    ),
  ).action(async (paths: string[], flags) => {
    // Entries of blobs are read again from the account: without a blob endpoint, say so before anything is read.
    await withStorage(flags, async (early) => (await import('./commands/quarantine.js')).quarantineReplayCommand(paths, early, out, err), paths, [
      'blob',
      'table',
    ]);
  });
  storageOptions(
    quarantine
      .command('dismiss')
      .description('put aside entries no replay will apply (handled by hand, known junk): health stops counting them')
      .addOption(singleValue(new Option('--container <c>', 'only this container').argParser(nonEmpty)))
      .addOption(
        new Option('--code <code>', 'only entries with this error code').choices([...QUARANTINE_CODES]).argParser(anyCaseChoice([...QUARANTINE_CODES])),
      )
      .option('--path <p>', 'only this file (its path as "quarantine list" shows it, or cut as its table shows it: "…" and the end)', nonEmpty)
      .option('--reason <text>', 'why, kept with each entry (default: "dismissed by a user")', nonEmpty)
      .option('--undo', 'take the dismissal of the chosen entries back'),
  ).action(async (flags) => {
    await withStorage(flags, async (early) => (await import('./commands/quarantine.js')).quarantineDismissCommand(early, out));
  });

  storageOptions(
    quarantine
      .command('purge')
      .description('remove the kept text of replayed or dismissed entries (it can carry personal data): where they are, codes and counts stay')
      .addOption(singleValue(new Option('--container <c>', 'only this container').argParser(nonEmpty)))
      .addOption(
        new Option('--code <code>', 'only entries with this error code').choices([...QUARANTINE_CODES]).argParser(anyCaseChoice([...QUARANTINE_CODES])),
      )
      .option('--path <p>', 'only this file (its path as "quarantine list" shows it, or cut as its table shows it: "…" and the end)', nonEmpty),
  ).action(async (flags) => {
    await withStorage(flags, async (early) => (await import('./commands/quarantine.js')).quarantinePurgeCommand(early, out));
  });

  program
    .command('demo')
    .description('start an embedded Azurite, write realistic logs into it as growing append blobs, process them as they land, print the aggregates')
    .option(
      '--data-dir <dir>',
      'where the demo keeps its Azurite data (emptied first; a store the demo did not make is refused)',
      nonEmpty,
      `./${DEFAULT_DEMO_DIR}`,
    )
    .option('--hours <n>', 'simulated hours of logs', positiveInteger, 6)
    .option('--speed <x>', 'simulated seconds per real second', positiveNumber, 1800)
    .option('--seed <n>', 'random seed', positiveInteger, 7)
    .action(async (flags) => {
      await (await import('./commands/demo.js')).demoCommand(flags, out);
    });
  return program;
}

export interface RunOptions {
  /** SDK retry settings of every storage client the command opens; default: the adapters' own. */
  storageRetry?: StorageRetries;
}

/** Runs the CLI; resolves to the exit code (0 ok, 1 failure, 2 bad usage, 3 degraded with `health --fail-on-degraded`). */
export async function runCli(
  argv: readonly string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
  options: RunOptions = {},
): Promise<number> {
  const program = buildProgram(out, err);
  const { storageRetry } = options;
  if (storageRetry) program.hook('preAction', (_program, command) => void command.setOptionValue('storageRetry', storageRetry));
  // The embedded store's warnings go where the command's errors go (a caller of runCli keeps both).
  program.hook('preAction', (_program, command) => void command.setOptionValue('warnings', err));
  // The command line's errors quote what was typed (a pasted value may hold escape sequences).
  program.configureOutput({ writeOut: (text) => out.write(text), writeErr: (text) => err.write(printableLines(text)) });
  const configure = (command: Command, path: readonly string[]): void => {
    command
      .exitOverride()
      .showHelpAfterError(usageHint(path))
      .configureOutput({ writeOut: (text) => out.write(text), writeErr: (text) => err.write(printableLines(text)) });
    command.commands.forEach((sub) => configure(sub, [...path, sub.name()]));
  };
  program.commands.forEach((command) => configure(command, [command.name()]));
  // A usage error found in an action points to that command's help, as commander's own errors do.
  let running: readonly string[] = [];
  program.hook('preAction', (_program, command) => {
    const path: string[] = [];
    for (let at: Command | null = command; at?.parent; at = at.parent) path.unshift(at.name());
    running = path;
  });
  // A failure of storage taken from the environment says so: a shell may hold AzureWebJobsStorage from Functions work, unnoticed.
  let storageFromEnvironment = false;
  program.hook('preAction', (_program, command) => {
    const opts = command.opts<Partial<StorageChoice>>();
    // Read before the command's own hook marks a --data-dir given as the embedded store; demo has no --connection-string.
    const embedded = opts.embedded === true || command.getOptionValueSource('dataDir') === 'cli' || command.name() === 'demo';
    storageFromEnvironment = opts.dataDir !== undefined && opts.connectionString === undefined && !embedded && Boolean(process.env['AzureWebJobsStorage']);
  });
  refuseRepeatedOptions(program);
  refuseOptionsAsValues(program);
  try {
    await program.parseAsync(helpAsFlag(program, argv), { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof UsageError) {
      err.write(`error: ${oneLine(error.message)}\n`);
      err.write(`${usageHint(running)}\n`);
      return 2;
    }
    if (error instanceof ExitStatus) {
      err.write(`acs-logs: ${oneLine(error.message)}\n`);
      return error.exitCode;
    }
    const classified = classifyError(error);
    const source =
      storageFromEnvironment && classified.kind !== 'failure' ? ': the storage of AzureWebJobsStorage (--data-dir uses the embedded store instead)' : '';
    err.write(`acs-logs: ${oneLine(classified.message)}${source}\n`);
    return 1;
  }
}

/**
 * `help quarantine dismiss` as `quarantine dismiss --help`: commander's help command looks up one
 * word only, and showed the `quarantine` help for it. A word that names no command is left to the
 * parse, which refuses it as an unknown command. A `--help` or `-h` anywhere before `--` asks for the
 * help of the command the words before it name, whatever else is given: commander checks option
 * values first, so `query rooms --help --format xml` answered with the bad format instead of the help.
 */
function helpAsFlag(program: Command, argv: readonly string[]): string[] {
  if (argv[0] === 'help' && argv.length >= 2) {
    const words = argv.slice(1);
    let command: Command | undefined = program;
    for (const word of words) {
      command = command.commands.find((sub) => sub.name() === word || sub.aliases().includes(word));
      if (!command) return words;
    }
    return [...words, '--help'];
  }
  const operandsFrom = argv.indexOf('--');
  const flags = operandsFrom < 0 ? argv : argv.slice(0, operandsFrom);
  if (!flags.some((token) => token === '--help' || token === '-h')) return [...argv];
  const path: string[] = [];
  let command: Command = program;
  for (const token of flags) {
    if (token.startsWith('-')) continue;
    const sub = command.commands.find((candidate) => candidate.name() === token || candidate.aliases().includes(token));
    if (!sub) break;
    path.push(token);
    command = sub;
  }
  return [...path, '--help'];
}

/** Every usage error ends with this one line rather than the whole help, which would bury the error. */
function usageHint(commandPath: readonly string[]): string {
  return `run "${['acs-logs', ...commandPath, '--help'].join(' ')}" for usage`;
}

/**
 * Filters that keep one value, where a second one given reads as "this one too" (`--resource a
 * --resource b`, `--columns a --columns b`) but only the last would count: giving one twice is a
 * usage error. Other options keep the usual rule, the last one wins (an alias's `--data-dir` or
 * `--format` overridden).
 */
const SINGLE_FILTERS = new Set(['--from', '--to', '--resource', '--correlation-id', '--category', '--code', '--path', '--columns']);

/**
 * Options that keep one value in their command though the same flag is repeatable in others: `--container`
 * of `quarantine list` and `dismiss` (`dismiss --container a --container b` dismissed b's entries only).
 */
const SINGLE_VALUED = new WeakSet<Option>();

function singleValue(option: Option): Option {
  SINGLE_VALUED.add(option);
  return option;
}

/**
 * An option's value that is another option of the command (`--from --data-dir d`): the value was
 * left out. Taken as the value, the rest reads as stray arguments ("too many arguments"), which
 * names neither the option nor what is missing.
 */
function refuseOptionsAsValues(program: Command): void {
  const visit = (command: Command): void => {
    const longs = new Set(command.options.flatMap((option) => (option.long === undefined ? [] : [option.long])));
    for (const option of command.options) {
      if (!option.required) continue;
      const parse = option.parseArg;
      option.argParser((value: string, previous: unknown) => {
        if (longs.has(value.split('=')[0] as string))
          throw new InvalidArgumentError(`it needs a value, and ${value} is an option: give the value after ${option.long}`);
        return parse === undefined ? value : parse(value, previous);
      });
    }
    command.commands.forEach(visit);
  };
  program.commands.forEach(visit);
}

function refuseRepeatedOptions(program: Command): void {
  const visit = (command: Command): void => {
    const given = new Map<string, number>();
    for (const option of command.options) {
      const flag = option.long;
      if (flag === undefined || !(SINGLE_FILTERS.has(flag) || SINGLE_VALUED.has(option))) continue;
      command.on(`option:${option.name()}`, () => given.set(flag, (given.get(flag) ?? 0) + 1));
    }
    command.hook('preAction', () => {
      const repeated = [...given].filter(([, times]) => times > 1).map(([flag]) => flag);
      if (repeated.length > 0) throw new UsageError(`${repeated.join(', ')} given more than once: each takes one value (only the last would count)`);
    });
    command.commands.forEach(visit);
  };
  program.commands.forEach(visit);
}
