import { setFlagsFromString } from 'node:v8';

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

/** Whether Node was started with its own heap growth (then that one is kept). */
export function heapGrowthGiven(execArgv: readonly string[]): boolean {
  return execArgv.some((arg) => arg === FLAG || arg.startsWith(`${FLAG}=`) || arg === '--heap_growing_percent' || arg.startsWith('--heap_growing_percent='));
}

/** Applies HEAP_GROWING_PERCENT to this process, unless Node was started with its own. V8 reads it at every full collection. */
export function limitHeapGrowth(execArgv: readonly string[] = process.execArgv, percent = HEAP_GROWING_PERCENT): boolean {
  if (heapGrowthGiven(execArgv)) return false;
  setFlagsFromString(`${FLAG}=${percent}`);
  return true;
}
