/**
 * What is wrong with a timer schedule as the Functions host reads it (NCRONTAB of six fields, with
 * seconds, or five; or a time span `hh:mm[:ss]`, `d.hh:mm:ss`), or null when nothing is: the host
 * refuses a schedule that names no time (`99:99:99`, an hour 24, a step of 0) only when it loads the
 * timer, after the deployment, a span of zero would run the timer without pause, and a day and month
 * that name no date (`31 2`) load a timer that never runs.
 */
export function scheduleProblem(schedule: string): string | null {
  const span = /^(?:(\d+)\.)?(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(schedule);
  if (span) return spanProblem(span);
  // The host and NCRONTAB separate fields by spaces alone: a tab or a no-break space (pasted from a page) fails the timer as the host loads it.
  if (/[^\S ]/.test(schedule)) return 'its fields must be separated by spaces (it holds a tab, a line break or another kind of space)';
  const fields = schedule.split(/ +/);
  if (fields.length !== 5 && fields.length !== 6) return 'it is neither five or six fields nor a time span';
  const kinds = fields.length === 6 ? CRON_FIELDS : CRON_FIELDS.slice(1);
  for (let i = 0; i < fields.length; i++) {
    const problem = fieldProblem(fields[i] as string, kinds[i] as CronField);
    if (problem !== null) return problem;
  }
  return datesProblem(fields[fields.length - 3] as string, fields[fields.length - 2] as string);
}

/** The most days each month has (February's 29 in a leap year): NCRONTAB looks for a date that exists. */
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * A day and month fields that name no date of any year (`31 2`, `30,31 FEB`, `31 4,6,9,11`): the host
 * loads such a timer and it never runs, so nothing would be tailed or swept, without a word.
 */
function datesProblem(dayField: string, monthField: string): string | null {
  const days = fieldValues(dayField, CRON_FIELDS[3] as CronField);
  const months = fieldValues(monthField, CRON_FIELDS[4] as CronField);
  if (months.some((month) => days.some((day) => day <= (MONTH_DAYS[month - 1] as number)))) return null;
  return `the day field "${dayField}" and the month field "${monthField}" name no date (no such day in those months): the timer would never run`;
}

/** The values a field that reads (fieldProblem) names, as NCRONTAB takes them: a range high to low is low to high, `a/n` steps from a to the end. */
function fieldValues(field: string, kind: CronField): number[] {
  const values: number[] = [];
  for (const item of field.split(',')) {
    const [base = '', step] = item.split('/');
    const bounds = base === '*' ? [kind.min, kind.max] : base.split('-').map((bound) => valueOf(bound, kind) as number);
    const from = Math.min(...bounds);
    const to = bounds.length === 1 && step === undefined ? from : bounds.length === 1 ? kind.max : Math.max(...bounds);
    for (let value = from; value <= to; value += Number(step ?? 1)) values.push(value);
  }
  return values;
}

interface CronField {
  name: string;
  /** The field named with its article: `an hour`. */
  aName: string;
  min: number;
  max: number;
  /** Names taken for values (January = 1, Sunday = 0), in any case, or any start of one (NCRONTAB takes the first name a text starts: `Jan`, `J`). */
  names?: readonly string[];
  namesFrom?: number;
}

const CRON_FIELDS: readonly CronField[] = [
  { name: 'second', aName: 'a second', min: 0, max: 59 },
  { name: 'minute', aName: 'a minute', min: 0, max: 59 },
  { name: 'hour', aName: 'an hour', min: 0, max: 23 },
  // NCRONTAB's days are 1-31: a 0, alone or starting a range or a step, fails the timer as the host loads it.
  { name: 'day', aName: 'a day', min: 1, max: 31 },
  {
    name: 'month',
    aName: 'a month',
    min: 1,
    max: 12,
    names: ['JANUARY', 'FEBRUARY', 'MARCH', 'APRIL', 'MAY', 'JUNE', 'JULY', 'AUGUST', 'SEPTEMBER', 'OCTOBER', 'NOVEMBER', 'DECEMBER'],
    namesFrom: 1,
  },
  {
    name: 'day of the week',
    aName: 'a day of the week',
    min: 0,
    max: 6,
    names: ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'],
    namesFrom: 0,
  },
];

function spanProblem([, days, hours, minutes, seconds]: RegExpExecArray): string | null {
  if (Number(hours) > 23) return `the span's hours are ${hours} (at most 23; days go before a dot: 1.00:00:00)`;
  if (Number(minutes) > 59) return `the span's minutes are ${minutes} (at most 59)`;
  if (seconds !== undefined && Number(seconds) > 59) return `the span's seconds are ${seconds} (at most 59)`;
  if (Number(days ?? 0) + Number(hours) + Number(minutes) + Number(seconds ?? 0) === 0) return 'the span is zero (the timer would never pause)';
  return null;
}

/** A field: items separated by commas, each `*`, a value or a range `a-b`, with an optional step `/n`. */
function fieldProblem(field: string, kind: CronField): string | null {
  for (const item of field.split(',')) {
    const [base = '', step, ...more] = item.split('/');
    if (more.length > 0 || base === '') return `the ${kind.name} field "${field}" does not read`;
    if (step !== undefined && !(/^\d+$/.test(step) && Number(step) >= 1))
      return `the ${kind.name} field "${field}" has a step that is not a whole number from 1`;
    if (base === '*') continue;
    const bounds = base.split('-');
    if (bounds.length > 2) return `the ${kind.name} field "${field}" does not read`;
    // A range written high to low is taken low to high by the host (`10-5` is `5-10`).
    for (const bound of bounds) {
      const value = valueOf(bound, kind);
      if (value === undefined)
        return `the ${kind.name} field "${field}" names ${JSON.stringify(bound)}, not ${kind.aName} (${kind.min}-${kind.max}${kind.names ? ` or ${kind.names[0]}-${kind.names.at(-1)} and their starts` : ''})`;
    }
  }
  return null;
}

function valueOf(text: string, kind: CronField): number | undefined {
  if (/^\d+$/.test(text)) {
    const value = Number(text);
    return value >= kind.min && value <= kind.max ? value : undefined;
  }
  const upper = text.toUpperCase();
  const at = /^[A-Z]+$/.test(upper) ? (kind.names?.findIndex((name) => name.startsWith(upper)) ?? -1) : -1;
  return at >= 0 ? at + (kind.namesFrom ?? 0) : undefined;
}
