import { InvalidArgumentError } from 'commander';
import { CONTAINER_NAME_RULE, isContainerName, LOCAL_CONTAINER_RESERVED } from '../lib/config/appSettings.js';
import { LOCAL_CONTAINER } from '../lib/storage/fileName.js';
import { parseIsoTime } from '../lib/querying/isoTime.js';
import { MAX_TIMER_SECONDS } from '../lib/timerLimit.js';

/** Commander argument parsers: a bad value becomes a usage error (exit code 2) naming the problem. */
export function positiveInteger(value: string): number {
  const number = Number(value);
  // Digits only: Number() would also take "1e3", "0x10" and " 5".
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(number) || number <= 0) throw new InvalidArgumentError('must be a positive integer.');
  return number;
}

/** Seconds a command waits on a timer: a longer wait would fire at once, so watch would loop without pause or stop at its start. */
export function timerSeconds(value: string): number {
  const seconds = positiveInteger(value);
  if (seconds > MAX_TIMER_SECONDS) {
    throw new InvalidArgumentError(`must be at most ${MAX_TIMER_SECONDS.toLocaleString('en-US')} (about 24 days, the longest a timer waits).`);
  }
  return seconds;
}

/** Text that must say something: an empty value (an unset shell variable) would silently mean a default. */
export function nonEmpty(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('must not be empty.');
  return value;
}

export function positiveNumber(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number <= 0) throw new InvalidArgumentError('must be a number > 0.');
  return number;
}

export function nonNegativeNumber(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number < 0) throw new InvalidArgumentError('must be a number >= 0.');
  return number;
}

export function fraction(value: string): number {
  const number = nonNegativeNumber(value);
  if (number > 1) throw new InvalidArgumentError('must be between 0 and 1.');
  return number;
}

/** ISO-8601 date or date-time (UTC when no zone), as epoch milliseconds. */
export function isoDate(value: string): number {
  const parsed = parseIsoTime(value);
  if (!parsed.ok) throw new InvalidArgumentError(`${parsed.message}.`);
  return Date.parse(parsed.iso);
}

/** Collects a repeatable `--container`, refusing what no container can be named (Azure's naming rules); one given twice counts once. */
export function collectContainer(value: string, previous: string[] | undefined): string[] {
  if (!isContainerName(value)) throw new InvalidArgumentError(`must be a container name: ${CONTAINER_NAME_RULE}.`);
  return previous?.includes(value) ? previous : collect(value, previous);
}

/** Collects a repeatable `--container` of a storage account to read: as collectContainer, and not the name local files are kept under. */
export function collectStorageContainer(value: string, previous: string[] | undefined): string[] {
  if (value === LOCAL_CONTAINER) throw new InvalidArgumentError(`cannot be "${LOCAL_CONTAINER}": ${LOCAL_CONTAINER_RESERVED}.`);
  return collectContainer(value, previous);
}

/** Collects a repeatable option into an array. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** A TCP port, 0 to 65535 (0: any free port). */
export function port(value: string): number {
  const number = Number(value);
  if (!/^\d{1,5}$/.test(value.trim()) || number > 65535) throw new InvalidArgumentError('must be a port number from 0 to 65535.');
  return number;
}

/**
 * A parser for an option with fixed choices in any case (`--format JSON`), as the HTTP API takes them;
 * set after `.choices()`, which keeps listing them in the help.
 */
export function anyCaseChoice<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value) => {
    const lower = value.trim().toLowerCase();
    const found = choices.find((choice) => choice.toLowerCase() === lower);
    if (found === undefined) throw new InvalidArgumentError(`Allowed choices are ${choices.join(', ')}.${didYouMean(lower, choices)}`);
    return found;
  };
}

/** ` (Did you mean x?)` for the choices a typo is near (an edit or two, or the start of one), as commander says it of commands. */
export function didYouMean(given: string, choices: readonly string[]): string {
  const text = given.trim().toLowerCase();
  if (text === '') return '';
  const near = choices.filter((choice) => {
    const name = choice.toLowerCase();
    return editDistance(text, name) <= Math.max(1, Math.floor(name.length / 4)) || (text.length >= 3 && name.startsWith(text));
  });
  return near.length === 0 ? '' : ` (Did you mean ${near.join(' or ')}?)`;
}

/** Levenshtein distance with adjacent swaps counted as one edit (optimal string alignment). */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = rows[i] as number[];
      const above = rows[i - 1] as number[];
      row[j] = Math.min((above[j] as number) + 1, (row[j - 1] as number) + 1, (above[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        row[j] = Math.min(row[j] as number, ((rows[i - 2] as number[])[j - 2] as number) + 1);
    }
  }
  return (rows[a.length] as number[])[b.length] as number;
}
