/**
 * The end a command that only prints has already decided on, for when its output is closed before
 * it is written (`health --fail-on-degraded | true`, a probe that reads nothing): cli/main.ts ends
 * with it rather than the quiet exit 0 of a reader that stopped early, so that a gate does not pass
 * because nobody read the report.
 */
export interface DecidedExit {
  code: number;
  /** Said on stderr, as the command's own end would say it. */
  message: string;
}

let decided: DecidedExit | undefined;

export function decideExit(exit: DecidedExit): void {
  decided = exit;
}

export function decidedExit(): DecidedExit | undefined {
  return decided;
}
