const UNITS: ReadonlyArray<readonly [string, number]> = [
  ['d', 86_400],
  ['h', 3_600],
  ['min', 60],
  ['s', 1],
];

/**
 * Seconds as a person reads them, in the largest unit and the one after it when that is not zero:
 * `41 s`, `12 min 5 s`, `3 h`, `922 d 13 h`; `< 1 s` for a length under half a second. Shared by the CLI's tables and
 * the dashboard.
 */
export function durationText(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  const first = UNITS.findIndex(([, size]) => whole >= size);
  // A recording of 0.3 s is not one of no length: said as the shares are (`< 0.01 %`).
  if (first === -1) return seconds > 0 ? '< 1 s' : '0 s';
  const [name, size] = UNITS[first]!;
  const text = `${Math.floor(whole / size)} ${name}`;
  const next = UNITS[first + 1];
  if (!next) return text;
  const rest = Math.floor((whole % size) / next[1]);
  return rest > 0 ? `${text} ${rest} ${next[0]}` : text;
}
