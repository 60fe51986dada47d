/**
 * A usage unit as the charts group and name it. Records spell one unit several ways (`Minute` on
 * one resource, `minutes` on another; the API keeps each spelling as its own row): charted per
 * spelling, one unit's usage was split over two charts, and `minutes` was titled `minutess`.
 */
export interface Unit {
  /** The same for every spelling of one unit: `minute` for `Minute`, `minute` and `minutes`. */
  key: string;
  /** As a title and an axis name it: `minutes`; a unit that is not a word (`<u>kB</u>`, `ms`) as written. */
  plural: string;
}

export function unitOf(unitType: string): Unit {
  const lower = unitType.trim().toLowerCase();
  // Only words are made plural: `ms` or `kB/s` take no `s`.
  if (!/^[a-z]{3,}$/.test(lower)) return { key: lower, plural: lower };
  const singular = lower.endsWith('s') ? lower.slice(0, -1) : lower;
  return { key: singular, plural: `${singular}s` };
}
