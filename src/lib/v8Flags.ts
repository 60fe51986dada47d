import { setFlagsFromString } from 'node:v8';

/** Whether any of the flags `names` is among Node's arguments, alone or with `=value`. */
export function flagGiven(execArgv: readonly string[], names: readonly string[]): boolean {
  return execArgv.some((arg) => names.some((name) => arg === name || arg.startsWith(`${name}=`)));
}

/**
 * V8's optimizing compiler set for a run of seconds to minutes. Left to itself it spends a fifth of a
 * run's CPU on its background threads (2.3–2.8 s of about 12 s for the processor on the bench
 * tree), much of it compiling the same large functions again after each deoptimization, with
 * callees inlined up to 920 bytes of bytecode. Inlining at most a quarter of that, and optimizing a
 * function after twice the run of it, halves that work and costs the main thread little (measured
 * in docs/BENCHMARKS.md).
 */
export const COMPILER_FLAGS: readonly string[] = ['--max-inlined-bytecode-size-cumulative=230', '--interrupt-budget=264000'];

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
