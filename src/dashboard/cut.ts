import { printableValue } from '../lib/printable.js';

/** Longest tooltip: the whole of any value a row or key holds, bounded. */
export const MAX_TITLE_CHARS = 2_000;

/**
 * A value from the logs cut to `max` characters with `…` (a 20,000-character room id would make a
 * table as wide as the page many times over); the whole value is the element's title. Cut as shown,
 * its invisible characters already written as `\uXXXX` (cut first, 80 zero-width spaces would show
 * as 480 characters), and never inside a character.
 */
export function clipped(value: string, max: number): { text: string; title?: string } {
  const shown = printableValue(value);
  const units = unitsOf(shown);
  if (lengthOf(units) <= max) return { text: shown };
  return { text: leading(units, max - 1).join('') + '…', title: leading(units, MAX_TITLE_CHARS).join('') };
}

/** A shown text as what a cut may not split: a character, or a whole `\uXXXX` escape. */
function unitsOf(shown: string): string[] {
  return shown.match(/\\u[0-9a-f]{4}|[^]/gu) ?? [];
}

/** Characters a unit shows: an escape the six it is written with, a character (even astral) one. */
function sizeOf(unit: string): number {
  return unit.length > 2 ? unit.length : 1;
}

function lengthOf(units: readonly string[]): number {
  return units.reduce((sum, unit) => sum + sizeOf(unit), 0);
}

/** The first units that fit in `max` characters. */
function leading(units: readonly string[], max: number): string[] {
  const kept: string[] = [];
  let used = 0;
  for (const unit of units) {
    const size = sizeOf(unit);
    if (used + size > max) break;
    kept.push(unit);
    used += size;
  }
  return kept;
}

/** A value cut in its middle (`abcdefghij…qrstuvwxyz`): ids differ at both ends. As shown, never inside a character. */
export function clippedMiddle(value: string, max: number, side: number): string {
  const shown = printableValue(value);
  const units = unitsOf(shown);
  if (lengthOf(units) <= max) return shown;
  return (
    leading(units, side).join('') +
    '…' +
    leading([...units].reverse(), side)
      .reverse()
      .join('')
  );
}
