import { Argument, Command, CommanderError, Option } from 'commander';
import { UsageError } from './errors.js';
import { FORMATS } from './format.js';
import { demoCommand } from './commands/demo.js';
import { processCommand } from './commands/process.js';
import { queryCommand } from './commands/query.js';
import { VIEW_NAMES } from '../lib/querying/views.js';
import { packageVersion } from './packageRoot.js';

const DEFAULT_DATA_DIR = './.acs-logs';

function storageOptions(command: Command): Command {
  return command
    .option('--connection-string <s>', 'storage connection string (default: $AzureWebJobsStorage, else an embedded Azurite)')
    .option('--data-dir <dir>', 'where the embedded Azurite keeps its data', DEFAULT_DATA_DIR)
    .option('--table-prefix <p>', 'prefix of the aggregate table names (default: $ACS_LOGS_TABLE_PREFIX or Acs)');
}

export function buildProgram(out: NodeJS.WritableStream): Command {
  const program = new Command('acs-logs')
    .description('Turns Azure Communication Services diagnostic logs into exactly-once aggregates in Azure Table Storage.')
    .version(packageVersion())
    .showHelpAfterError()
    .exitOverride();

  storageOptions(
    program
      .command('process')
      .description('process local log files or folders laid out as in storage (insights-logs-<category>/resourceId=.../PT1H.json)')
      .argument('<paths...>', 'files or folders')
      .option('--category <c>', 'category of records that carry none: RoomsOperational, CallRecordingSummary, CallRecordingOperational, Usage')
      .option('--quiet', 'print only the totals'),
  ).action(async (paths: string[], flags) => {
    await processCommand(paths, flags, out);
  });

  storageOptions(
    program
      .command('query')
      .description('print an aggregate view')
      .addArgument(new Argument('<view>', 'the view').choices(VIEW_NAMES))
      .addOption(new Option('--granularity <g>', 'bucket size').choices(['hour', 'day']).default('day'))
      .option('--from <iso>', 'start (inclusive), ISO-8601 UTC')
      .option('--to <iso>', 'end (exclusive), ISO-8601 UTC')
      .option('--resource <id>', 'only this ACS resource id')
      .option('--correlation-id <id>', 'only this call (the calls view)')
      .addOption(new Option('--format <f>', 'output format').choices([...FORMATS]).default('table')),
  ).action(async (view: string, flags) => {
    await queryCommand(view, flags, out);
  });

  program
    .command('demo')
    .description('process the bundled sample logs on the embedded storage and print the aggregates')
    .option('--data-dir <dir>', 'where the embedded Azurite keeps its data', DEFAULT_DATA_DIR)
    .action(async (flags: { dataDir: string }) => {
      await demoCommand(flags, out);
    });
  return program;
}

/** Runs the CLI; resolves to the exit code (0 ok, 1 failure, 2 bad usage). */
export async function runCli(argv: readonly string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  const program = buildProgram(out);
  program.configureOutput({ writeOut: (text) => out.write(text), writeErr: (text) => err.write(text) });
  for (const command of program.commands) {
    command.exitOverride().configureOutput({ writeOut: (text) => out.write(text), writeErr: (text) => err.write(text) });
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof UsageError) {
      err.write(`error: ${error.message}\n`);
      err.write(`run "acs-logs --help" for usage\n`);
      return 2;
    }
    err.write(`acs-logs: ${oneLine(error)}\n`);
    return 1;
  }
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
