import { describe, expect, it } from 'vitest';
import { scheduleProblem } from '../../src/lib/config/timerSchedule.js';

describe('scheduleProblem', () => {
  it.each([
    '0 */1 * * * *',
    '0 */5 * * * *',
    '*/1 * * * *',
    '0 30 9 * Jan Mon',
    '0 0 9-17 * * mon-fri',
    '0 0,15,30,45 * * * *',
    '0 5/10 * 1-31 1-12 0-6',
    // NCRONTAB's own rules: a range high to low is taken low to high, and a name or any start of one names a value.
    '0 0 0 * * FRI-MON',
    '0 0 9 * January,Ju Monday,w',
    // A date that exists in some year: February 29th, a range that reaches a month long enough, a step that lands on one.
    '0 0 0 29 2 *',
    '0 0 0 31 1-2 *',
    '0 0 0 31 FEB-jan *',
    '0 0 0 20/10 2 *',
    '0 0 0 31 2/5 *',
    // Fields separated by several spaces, as the host splits them.
    '0  */5 *   * * *',
    '00:05:00',
    '00:05',
    '1.00:00:00',
    '23:59:59',
  ])('takes %j', (schedule) => {
    expect(scheduleProblem(schedule)).toBeNull();
  });

  it.each([
    ['99:99:99', "the span's hours are 99 (at most 23; days go before a dot: 1.00:00:00)"],
    ['24:00:00', "the span's hours are 24 (at most 23; days go before a dot: 1.00:00:00)"],
    ['00:60:00', "the span's minutes are 60 (at most 59)"],
    ['00:00:61', "the span's seconds are 61 (at most 59)"],
    ['00:00:00', 'the span is zero (the timer would never pause)'],
    ['*/0 * * * * *', 'the second field "*/0" has a step that is not a whole number from 1'],
    ['x x x x x', 'the minute field "x" names "x", not a minute (0-59)'],
    ['0 0 24 * * *', 'the hour field "24" names "24", not an hour (0-23)'],
    ['0 0 0 32 * *', 'the day field "32" names "32", not a day (1-31)'],
    // NCRONTAB's days start at 1: it refuses a 0 alone, starting a range or a step.
    ['0 0 0 0 * *', 'the day field "0" names "0", not a day (1-31)'],
    ['0 0 0 0-5 * *', 'the day field "0-5" names "0", not a day (1-31)'],
    ['0 0 0 0/5 * *', 'the day field "0/5" names "0", not a day (1-31)'],
    ['0 0 0 * 13 *', 'the month field "13" names "13", not a month (1-12 or JANUARY-DECEMBER and their starts)'],
    ['0 0 0 * Jax *', 'the month field "Jax" names "Jax", not a month (1-12 or JANUARY-DECEMBER and their starts)'],
    ['0 0 0 * * 7', 'the day of the week field "7" names "7", not a day of the week (0-6 or SUNDAY-SATURDAY and their starts)'],
    ['0 0 0 * * ?', 'the day of the week field "?" names "?", not a day of the week (0-6 or SUNDAY-SATURDAY and their starts)'],
    ['0 1-2-3 * * * *', 'the minute field "1-2-3" does not read'],
    ['0 ,5 * * * *', 'the minute field ",5" does not read'],
    ['5m', 'it is neither five or six fields nor a time span'],
    ['0\t*/5 * * * *', 'its fields must be separated by spaces (it holds a tab, a line break or another kind of space)'],
    ['0 */5\u00a0* * * *', 'its fields must be separated by spaces (it holds a tab, a line break or another kind of space)'],
    // Fields that each read, together naming no date: the host loads the timer, which never runs.
    ['0 0 0 31 2 *', 'the day field "31" and the month field "2" name no date (no such day in those months): the timer would never run'],
    ['0 0 0 30,31 FEB *', 'the day field "30,31" and the month field "FEB" name no date (no such day in those months): the timer would never run'],
    ['0 0 0 31 4,6,9,11 *', 'the day field "31" and the month field "4,6,9,11" name no date (no such day in those months): the timer would never run'],
    ['0 0 30/5 2 Mon', 'the day field "30/5" and the month field "2" name no date (no such day in those months): the timer would never run'],
    ['0 0 0 30 2/12 *', 'the day field "30" and the month field "2/12" name no date (no such day in those months): the timer would never run'],
  ])('refuses %j: %s', (schedule, problem) => {
    expect(scheduleProblem(schedule)).toBe(problem);
  });
});
