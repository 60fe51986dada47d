/**
 * What a command stopped by a signal says it kept: a stopped run must not be taken for a finished one
 * (nor its rerun for a double count). Commands that change nothing say nothing here.
 */
export function stoppedNote(args: readonly string[], signal: string): string | undefined {
  const [command, subcommand] = args;
  // watch stops gracefully at its first signal (commands/watch.ts): here at a second one, or at a closed output.
  if (command === 'process' || command === 'backfill' || command === 'watch') {
    return `stopped by ${signal}: what it wrote is kept, whole transactions with their checkpoints; run the same command again to go on (nothing is counted twice)`;
  }
  if (command === 'quarantine' && subcommand === 'replay') {
    return `stopped by ${signal}: the entries replayed so far are kept, each applied once; run the same command again to replay the rest (nothing is applied twice)`;
  }
  if (command === 'quarantine' && subcommand === 'dismiss') {
    return `stopped by ${signal}: the entries dismissed so far stay dismissed; run the same command again for the rest`;
  }
  if (command === 'quarantine' && subcommand === 'purge') {
    return `stopped by ${signal}: the entries purged so far stay purged; run the same command again for the rest`;
  }
  if (command === 'generate') {
    // Running it again as it was asked would stop at what was written, and --append would write that part twice.
    if (args.some((arg) => arg === '--out' || arg.startsWith('--out='))) {
      return `stopped by ${signal}: the log files written so far stay under --out, part of the logs: run it again with --force to write them whole (--append would add the written part again)`;
    }
    return `stopped by ${signal}: the blobs written so far stay, part of the logs: the same run again stops at the first of them, and --append would add the written part again; generate into a new --data-dir or account, or with another --seed or period`;
  }
  if (command === 'reindex-calls') {
    return `stopped by ${signal}: the calls listed so far stay listed, and the time index of calls may be left incomplete ("acs-logs health" says), so that queries of a time range read the whole Calls table: run the same command again (or process, backfill or watch, which go on with the listing)`;
  }
  if (command === 'demo') {
    return `stopped by ${signal}: the demo did not finish; run it again (it starts from an empty store each time)`;
  }
  return undefined;
}

/** The exit code of a command ended by a signal before it handled the signal itself: `serve` stopped while it starts is stopped as asked (0), the others 128 + the signal's number. */
export function signalExitCode(args: readonly string[], signalNumber: number): number {
  return args[0] === 'serve' ? 0 : 128 + signalNumber;
}
