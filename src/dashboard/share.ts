const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

/**
 * `part` of `whole` in percent, to two decimals, never rounded to 100 % or 0 % when it is not:
 * 1 failure in 25,000 operations is `> 99.99 %` succeeded, not `100 %` beside a failure chart
 * that shows it. `–` when there is no whole.
 */
export function percentText(part: number, whole: number): string {
  if (!(whole > 0)) return '–';
  return shareText((100 * part) / whole);
}

/**
 * A percentage to two decimals, never rounded to 100 % or 0 % when it is not: a call recorded for
 * 59 min 59.9 s of its hour is `> 99.99 %` covered, and one second of a ten-hour call `< 0.01 %`,
 * not `0 %` beside its recording. Above 100 % (a recording longer than its call) is written as it is.
 */
export function shareText(percent: number): string {
  if (!Number.isFinite(percent)) return '–';
  if (percent < 100 && percent >= 99.995) return '> 99.99 %';
  if (percent > 0 && percent < 0.005) return '< 0.01 %';
  return `${decimal.format(percent)} %`;
}
