const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

/**
 * `part` of `whole` in percent, to two decimals, never rounded to 100 % or 0 % when it is not:
 * 1 failure in 25,000 operations is `> 99.99 %` succeeded, not `100 %` beside a failure chart
 * that shows it. `–` when there is no whole.
 */
export function percentText(part: number, whole: number): string {
  if (!(whole > 0)) return '–';
  const share = (100 * part) / whole;
  if (part < whole && share >= 99.995) return '> 99.99 %';
  if (part > 0 && share < 0.005) return '< 0.01 %';
  return `${decimal.format(share)} %`;
}
