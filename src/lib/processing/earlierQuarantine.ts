/**
 * Quarantine entries an earlier read of the same bytes wrote before it stopped without moving the
 * checkpoint (killed, or failing on every retry). Read again, those bytes are taken as that read
 * judged them, even if they read now (a fix deployed in between):
 *
 * - that read may have moved a partition's mark past a line it quarantined (a good record of the
 *   same partition came after it), so the line read now would be skipped there and applied elsewhere;
 * - its entry stays for `quarantine replay`, which applies the line under a mark of its own.
 *
 * So each such line is applied once, by the replay, whichever of the two comes first. A line the file
 * ended inside (`truncated`) is the exception: read whole now, it is read and its entry marked applied,
 * as for a sealed file that grew. Pure.
 */
import type { FramedItem } from '../reading/types.js';
import { STORAGE_REJECTED, type QuarantinedLine } from './quarantineRows.js';

export class EarlierQuarantine {
  /** Byte ranges of whole bad lines, in file order. */
  private readonly units: { offset: number; end: number }[];
  /** Positions of bad records of `{"records":[...]}` lines: `[first, end)`. */
  private readonly records: { first: number; end: number }[];
  /** Lines the file ended inside when that read sealed it. */
  readonly truncated: QuarantinedLine[];

  constructor(entries: readonly QuarantinedLine[]) {
    const held = entries.filter((entry) => entry.code !== STORAGE_REJECTED && entry.scope !== undefined);
    this.truncated = held.filter((entry) => entry.scope === 'units' && entry.code === 'truncated');
    this.units = held
      .filter((entry) => entry.scope === 'units' && entry.code !== 'truncated')
      .map((entry) => ({ offset: entry.offset, end: entry.end }))
      .sort((a, b) => a.offset - b.offset);
    this.records = held
      .filter((entry) => entry.scope === 'records')
      .map((entry) => ({ first: entry.position, end: entry.position + (entry.count ?? 1) }))
      .sort((a, b) => a.first - b.first);
  }

  get empty(): boolean {
    return this.units.length === 0 && this.records.length === 0 && this.truncated.length === 0;
  }

  /** Whether the item lies within a run of lines that read judged bad. */
  holdsUnit(item: FramedItem): boolean {
    return within(
      this.units,
      (range) => range.offset <= item.offset,
      (range) => item.end <= range.end && item.offset >= range.offset,
    );
  }

  /** Whether the record of a `{"records":[...]}` line at `position` is one that read judged bad. */
  holdsRecord(position: number): boolean {
    return within(
      this.records,
      (range) => range.first <= position,
      (range) => position < range.end,
    );
  }
}

/** Whether the last range starting at or before the point (`startsBefore`) holds it; ranges sorted by start. */
function within<Range>(ranges: readonly Range[], startsBefore: (range: Range) => boolean, holds: (range: Range) => boolean): boolean {
  let low = 0;
  let high = ranges.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (startsBefore(ranges[middle] as Range)) low = middle + 1;
    else high = middle;
  }
  return low > 0 && holds(ranges[low - 1] as Range);
}
