import { setFlagsFromString } from 'node:v8';

/** Whether any of the flags `names` is among Node's arguments, alone or with `=value`. */
export function flagGiven(execArgv: readonly string[], names: readonly string[]): boolean {
  return execArgv.some((arg) => names.some((name) => arg === name || arg.startsWith(`${name}=`)));
}

const INLINING_LIMIT = '--max-inlined-bytecode-size-cumulative=230';
const INTERRUPT_BUDGET = '--interrupt-budget=264000';

/**
 * V8's optimizing compiler set for a run of seconds to minutes, as far as the running V8 knows the
 * flags: a flag it does not know stops Node given it on its command line (Azurite's, exit 9) and is
 * printed as an error when set at run time. Left to itself V8 spends a fifth of a run's CPU on its
 * background threads (2.3–2.8 s of about 12 s for the processor on the bench tree, Node 20), much of
 * it compiling the same large functions again after each deoptimization, with callees inlined up to
 * 920 bytes of bytecode. Inlining at most a quarter of that, and optimizing a function after twice
 * the run of it, halves that work and costs the main thread little (measured in docs/BENCHMARKS.md).
 * V8 12 (Node 22) and 13 (Node 24) decide when to optimize by invocation counts and have no
 * `--interrupt-budget`: they get the inlining limit alone. A later V8, whose flags are not known
 * here, runs as it comes.
 */
export function compilerFlagsFor(v8Version: string): readonly string[] {
  const major = Number.parseInt(v8Version, 10);
  if (major <= 11) return [INLINING_LIMIT, INTERRUPT_BUDGET];
  if (major <= 13) return [INLINING_LIMIT];
  return [];
}

/** The compiler flags for the V8 of this process (and of the Azurite it starts, with the same Node). */
export const COMPILER_FLAGS: readonly string[] = compilerFlagsFor(process.versions.v8);

/** The compiler flags Node was not started with (those it was are kept). Pure. */
export function compilerFlagsToSet(execArgv: readonly string[]): string[] {
  return COMPILER_FLAGS.filter((flag) => !flagGiven(execArgv, flagNames(flag)));
}

/** Applies the compiler flags to this process (V8 reads them as it compiles, so at once); returns them. */
export function tuneCompiler(execArgv: readonly string[]): string[] {
  const flags = compilerFlagsToSet(execArgv);
  for (const flag of flags) setFlagsFromString(flag);
  return flags;
}

/** A flag's name with dashes and with underscores: V8 takes either. */
function flagNames(flag: string): string[] {
  const name = flag.split('=')[0] as string;
  return [name, `--${name.slice(2).replaceAll('-', '_')}`];
}
