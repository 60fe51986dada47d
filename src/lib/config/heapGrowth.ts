import { setFlagsFromString } from 'node:v8';
import { flagGiven as given } from '../v8Flags.js';
import { machineMemoryBytes } from './machineMemory.js';
import { autoMemoryProfile, memoryChoiceOf, type MemoryProfile } from './memoryProfile.js';

/**
 * How far (percent) V8 lets the old generation grow past what the last full collection kept before
 * it collects again. Left to itself on a machine with plenty of memory, V8 lets it grow to up to four
 * times the live set: the processor keeps 50–70 MiB live (the run's partition cache, one segment's
 * records) and promotes each segment's records, so one large file peaked at 400 MiB of RSS. At 100 %
 * the heap stays within twice the live set for no measurable CPU; 50 % saves another 30–35 MiB on one
 * large file but costs 8–10 % more CPU on many files (full collections twice as often). It bounds no
 * size, so a large partition still gets all the memory it needs.
 */
export const HEAP_GROWING_PERCENT = 100;

const FLAG = '--heap-growing-percent';

/**
 * The V8 options Node was started with: its command line's, then NODE_OPTIONS' (split at white
 * space; the flags looked for here take no spaces). A value given either way is kept.
 */
export function nodeArguments(execArgv: readonly string[] = process.execArgv, nodeOptions: string | undefined = process.env['NODE_OPTIONS']): string[] {
  return [...execArgv, ...(nodeOptions ?? '').split(/\s+/).filter((arg) => arg !== '')];
}

/** Whether Node was started with its own heap growth (then that one is kept). */
export function heapGrowthGiven(execArgv: readonly string[]): boolean {
  return given(execArgv, [FLAG, '--heap_growing_percent']);
}

/** Applies HEAP_GROWING_PERCENT to this process, unless Node was started with its own. V8 reads it at every full collection. */
export function limitHeapGrowth(execArgv: readonly string[] = nodeArguments(), percent = HEAP_GROWING_PERCENT): boolean {
  if (heapGrowthGiven(execArgv)) return false;
  setFlagsFromString(`${FLAG}=${percent}`);
  return true;
}

/** The old generation's growth under the `low` memory profile: full collections twice as often. */
export const LOW_MEMORY_HEAP_GROWING_PERCENT = 50;

const YOUNG_GENERATION_FLAGS = ['--semi-space-growth-factor', '--semi_space_growth_factor', '--max-semi-space-size', '--max_semi_space_size'];

/** V8's own growth factor of the young generation. */
const YOUNG_GENERATION_GROWTH = 2;

/** The setting naming the memory profile (SETTING.memory in appSettings.ts): here, so that the CLI's first line reads it without loading the settings. */
export const MEMORY_SETTING = 'ACS_LOGS_MEMORY';

/**
 * Whether a command line may ask for the low profile: `--memory` given (its value is read with the
 * other settings), ACS_LOGS_MEMORY set to low, or left to `auto` on a machine that makes it low. The
 * CLI then holds the young generation from its first line; otherwise it leaves V8 alone.
 */
export function mayAskLowMemory(argv: readonly string[], env: NodeJS.ProcessEnv, machineMemory: () => number = machineMemoryBytes): boolean {
  if (argv.some((arg) => arg === '--memory' || arg.startsWith('--memory='))) return true;
  const choice = memoryChoiceOf(env[MEMORY_SETTING]);
  return choice === 'low' || (choice === 'auto' && autoMemoryProfile(machineMemory()) === 'low');
}

/**
 * Stops V8 growing the young generation until a memory profile says how far it may (the CLI calls
 * it first, before its modules load): V8 grows it to 32 MiB as soon as objects survive, and only
 * Node's command line can bound its size, but the growth factor is read at each growth. Unless
 * Node was started with its own young generation (nodeArguments).
 */
export function holdYoungGeneration(execArgv: readonly string[] = nodeArguments()): boolean {
  if (given(execArgv, YOUNG_GENERATION_FLAGS)) return false;
  setFlagsFromString('--semi-space-growth-factor=1');
  return true;
}

/**
 * The V8 flags a memory profile sets in a running process, without those Node was started with.
 * `default` lets the young generation grow again (holdYoungGeneration); `low` keeps it the size it
 * has and lets the old generation grow by half its live set before a full collection. Pure.
 */
export function memoryProfileFlags(profile: MemoryProfile, execArgv: readonly string[]): string[] {
  const flags: string[] = [];
  if (profile === 'low' && !heapGrowthGiven(execArgv)) flags.push(`${FLAG}=${LOW_MEMORY_HEAP_GROWING_PERCENT}`);
  if (!given(execArgv, YOUNG_GENERATION_FLAGS)) flags.push(`--semi-space-growth-factor=${profile === 'low' ? 1 : YOUNG_GENERATION_GROWTH}`);
  return flags;
}

/** Applies a memory profile's V8 flags to this process (see memoryProfileFlags); returns them. */
export function applyMemoryProfile(profile: MemoryProfile, execArgv: readonly string[] = nodeArguments()): string[] {
  const flags = memoryProfileFlags(profile, execArgv);
  for (const flag of flags) setFlagsFromString(flag);
  return flags;
}
