/**
 * The end a command has already decided on, for when its output is closed before it is written:
 * cli/main.ts ends with it. A command that only prints keeps its verdict (`health --fail-on-degraded
 * | true`, a probe that reads nothing, still exits 3: a gate must not pass because nobody read the
 * report); one that writes to storage or disk and has finished its work (`process --quiet | true`,
 * whose totals come last) ends as done, not as stopped with "run it again to go on".
 */
export interface DecidedExit {
  code: number;
  /** Said on stderr, as the command's own end would say it. */
  message?: string;
}

let decided: DecidedExit | undefined;

export function decideExit(exit: DecidedExit): void {
  decided = exit;
}

export function decidedExit(): DecidedExit | undefined {
  return decided;
}
