#!/usr/bin/env node
import { constants } from 'node:os';
import { holdYoungGeneration, limitHeapGrowth, mayAskLowMemory, nodeArguments } from '../lib/config/heapGrowth.js';
import { tuneCompiler } from '../lib/v8Flags.js';
import { decidedExit, decideExit } from './decidedExit.js';
import { onEmbeddedStoreStopped, storeStoppedMessage } from './embeddedStoreStopped.js';
import { oneLine } from './printable.js';
import { outputFailedNote } from './outputFailed.js';
import { runCli } from './program.js';
import { unknownSettingWarnings } from '../lib/config/unknownSettings.js';
import { eraseStatusLine } from './statusLine.js';
import { signalExitCode, stoppedNote } from './stoppedNote.js';

// Less of the run's CPU on compiling its code again and again (lib/v8Flags.ts).
tuneCompiler(nodeArguments());
// Peak memory follows the live set, not V8's default growth of up to four times it (docs/ARCHITECTURE.md, Memory).
limitHeapGrowth();
// Under the low profile the young generation keeps its starting size: held before the command's
// modules load, until its settings are read (cli/settings.ts).
if (mayAskLowMemory(process.argv.slice(2), process.env)) holdYoungGeneration();

// A reader that stops early (`| head`) is not a failure of a command that only prints: it stops quietly
// (with the end it already decided on: health --fail-on-degraded's exit 3).
// One that writes stops there as if by SIGPIPE, saying what it kept: exit 0 would pass for a finished run.
// Output that cannot be written at all (a full disk) is a failure, said in one line, not a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  eraseStatusLine();
  // A command that finished its work (or only prints and knows its verdict) has decided how it ends.
  const decided = decidedExit();
  if (decided?.message !== undefined) process.stderr.write(`acs-logs: ${oneLine(decided.message)}\n`);
  if (error.code !== 'EPIPE') {
    process.stderr.write(`acs-logs: ${outputFailedNote(process.argv.slice(2), error, decided !== undefined)}\n`);
    process.exit(1);
  }
  const note = decided === undefined ? stoppedNote(process.argv.slice(2), 'SIGPIPE (its output was closed)') : undefined;
  if (note === undefined) process.exit(decided?.code ?? 0);
  process.stderr.write(`acs-logs: ${note}\n`);
  process.exit(128 + constants.signals.SIGPIPE);
});

// Diagnostics that cannot be written, to a reader that stopped early (`2>&1 >totals.txt | head`) or to a
// full disk (`2>>errors.log`), must not end the run as a crash (exit 1, no totals, nothing written): what
// stderr would say is lost, the work and stdout go on.
process.stderr.on('error', () => undefined);

// Ctrl-C, a closed terminal or a kill end the command (even where the parent ignored the signal); a
// command that stops gracefully (watch) handles the first one itself. Exiting closes the command's
// registration with the embedded Azurite, which stops when no command is left.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (process.listenerCount(signal) > 1) return;
    const note = stoppedNote(process.argv.slice(2), signal);
    if (note !== undefined) {
      eraseStatusLine();
      process.stderr.write(`acs-logs: ${note}\n`);
    }
    process.exit(signalExitCode(process.argv.slice(2), constants.signals[signal]));
  });
}

// A command whose embedded store stopped under it ends at once, instead of retrying a store that is gone.
onEmbeddedStoreStopped((dataDir) => {
  // On a line of its own, not after a status line the command shows.
  eraseStatusLine();
  process.stderr.write(`acs-logs: ${oneLine(storeStoppedMessage(dataDir, process.argv.slice(2)))}\n`);
  process.exit(1);
});

// A misspelt setting would otherwise leave its default in force unsaid.
for (const warning of unknownSettingWarnings(process.env)) process.stderr.write(`acs-logs: warning: ${warning}\n`);
const exitCode = await runCli(process.argv.slice(2));
// The command has ended and said so: an output found closed from now on (its error comes late) ends
// the process with this code, and says nothing twice.
decideExit({ code: exitCode });
process.exitCode = exitCode;
