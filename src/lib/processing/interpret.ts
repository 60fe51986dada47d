import { normalizeRecord } from '../normalizing/index.js';
import type { NormalizeContext } from '../normalizing/types.js';
import { decodeUnit, jsonSample, utf8Boundary } from '../reading/index.js';
import type { FramedItem, FramingMode, RejectedElement } from '../reading/types.js';
import type { LogFileRef } from '../storage/LogSource.js';
import type { PositionedRecord } from './applyExactlyOnce.js';
import type { EarlierQuarantine } from './earlierQuarantine.js';
import type { QuarantinedLine } from './quarantine.js';

export interface Interpreted {
  records: PositionedRecord[];
  /** Quarantine entries: runs of bad lines (or of bad records of one line). */
  quarantined: QuarantinedLine[];
  /** Bad lines (and bad records of `{"records":[...]}` lines), one by one: the sum of the entries' counts. */
  badLines: number;
  unsupported: number;
  lastRecordAt: string | null;
}

/** The entry a following bad line (or record) may still join, and what it needs to grow. */
interface OpenRun {
  entry: QuarantinedLine;
  /** UTF-8 bytes of the sample so far; null once the sample is full. */
  sampleBytes: number | null;
  codes: Map<string, number>;
}

/** Real records take a KiB or two (a pretty-printed one a few): longer units are counted by their size. */
const LONG_UNIT_BYTES = 4 * 1024;
/**
 * Bytes of a long unit that count as one held record (about a kilobyte on the heap): a long record's
 * texts are copied into its rows' keys and values and into the bodies sent, about four times its size.
 */
const BYTES_PER_HELD_RECORD = 256;

const DOCUMENT_MODES = new Set<FramingMode | undefined>(['values', 'array', 'records']);

/**
 * Decodes and normalizes framed units as they come, keeping only the normalized records and the
 * quarantine entries: a unit's text and parsed JSON die young, so a segment holds its records, not
 * its bytes. Consecutive bad lines, whatever their codes, make one entry (first line, count, byte
 * range, a bounded sample), so a flood of junk costs one entry, not one per line. Every failure
 * becomes a quarantine entry, never an exception.
 */
export class Interpreter {
  readonly records: PositionedRecord[] = [];
  readonly quarantined: QuarantinedLine[] = [];
  unsupported = 0;
  badLines = 0;
  /** Characters of raw text held by the quarantine entries. */
  quarantinedChars = 0;
  /** Records the long units read count for beyond their own records (`countLongUnit`). */
  longUnitRecords = 0;
  /** Bytes of the units up to LONG_UNIT_BYTES that gave records (long ones count in longUnitRecords). */
  shortUnitBytes = 0;
  /** Records of those units. */
  shortUnitRecords = 0;
  private lastRecordTime = -Infinity;
  private readonly quarantinedAt: string;
  /** The run of whole bad units that the next bad unit joins; null after anything that reads. */
  private openUnits: OpenRun | null = null;

  /**
   * @param earlier entries an earlier read of these bytes wrote and never committed past: the lines
   *   and records they hold are taken as bad again, and counted, without an entry of their own.
   */
  constructor(
    private readonly context: NormalizeContext,
    private readonly generation: number,
    private readonly file: LogFileRef,
    private readonly maxRawBytes: number,
    now: number,
    private readonly earlier?: EarlierQuarantine,
  ) {
    this.quarantinedAt = new Date(now).toISOString();
  }

  add(items: Iterable<FramedItem>): void {
    for (const item of items) this.addItem(item);
  }

  addItem(item: FramedItem): void {
    const before = this.records.length;
    this.read(item);
    this.countLongUnit(item, this.records.length - before);
  }

  /**
   * A record keeps its texts (a CorrelationId of 900 KB stays on the heap until written): a unit
   * longer than any real record counts a record per BYTES_PER_HELD_RECORD of it, so the run's limit
   * of held records bounds the memory of such records too.
   */
  private countLongUnit(item: FramedItem, records: number): void {
    const bytes = item.end - item.offset;
    if (records === 0) return;
    if (bytes <= LONG_UNIT_BYTES) {
      // Kept apart from long units': summed with their bytes, a KiB of these would weigh a quarter of one.
      this.shortUnitBytes += bytes;
      this.shortUnitRecords += records;
      return;
    }
    this.longUnitRecords += Math.max(0, Math.floor(bytes / BYTES_PER_HELD_RECORD) - records);
  }

  private read(item: FramedItem): void {
    if (this.earlier?.holdsUnit(item)) {
      this.closeUnits();
      this.badLines++;
      return;
    }
    if (item.kind === 'issue') {
      this.badUnit(item, item.code, item.message, item.raw, item.rawTruncated);
      return;
    }
    const decoded = decodeUnit(item);
    if (!decoded.success) {
      this.badUnit(item, decoded.code, decoded.message, item.text, false);
      return;
    }
    if (decoded.records.length === 1 && decoded.rejected.length === 0) {
      const normalized = normalizeRecord(decoded.records[0]!.value, this.context);
      if (normalized.success) this.good(item, decoded.records[0]!.position, normalized.record);
      else if (normalized.kind === 'unsupported') this.readsButUnsupported();
      else this.badUnit(item, normalized.code, normalized.message, item.text, false);
      return;
    }
    // A `{"records":[...]}` line or an array: its failing records (and elements that are not objects)
    // are quarantined, runs of them together; the records beside them are read.
    this.closeUnits();
    let run: OpenRun | null = null;
    const bad = (position: number, code: string, message: string, text: string): void => {
      if (run === null) run = this.open(item, position, 'records', code, message, text, false);
      else this.extend(run, item, code, text, false);
      finishCodes(run);
    };
    const { records, rejected } = decoded;
    const heldEarlier = (position: number): boolean => {
      if (!this.earlier?.holdsRecord(position)) return false;
      this.badLines++;
      run = null;
      return true;
    };
    let next = 0;
    for (const raw of records) {
      for (; next < rejected.length && (rejected[next] as RejectedElement).position < raw.position; next++) {
        const element = rejected[next] as RejectedElement;
        if (!heldEarlier(element.position)) bad(element.position, element.code, element.message, element.text);
      }
      if (heldEarlier(raw.position)) continue;
      const normalized = normalizeRecord(raw.value, this.context);
      if (normalized.success) {
        this.good(item, raw.position, normalized.record);
        run = null;
      } else if (normalized.kind === 'unsupported') {
        this.unsupported++;
        run = null;
      } else {
        bad(raw.position, normalized.code, normalized.message, jsonSample(raw.value));
      }
    }
    for (; next < rejected.length; next++) {
      const element = rejected[next] as RejectedElement;
      if (!heldEarlier(element.position)) bad(element.position, element.code, element.message, element.text);
    }
  }

  result(): Interpreted {
    this.closeUnits();
    return {
      records: this.records,
      quarantined: this.quarantined,
      badLines: this.badLines,
      unsupported: this.unsupported,
      lastRecordAt: Number.isFinite(this.lastRecordTime) ? new Date(this.lastRecordTime).toISOString() : null,
    };
  }

  private good(item: FramedItem, position: number, record: PositionedRecord['record']): void {
    this.closeUnits();
    this.records.push({ position, record, unitOffset: item.offset, unitEnd: item.end, unitLine: item.line });
    if (record.time > this.lastRecordTime) this.lastRecordTime = record.time;
  }

  private readsButUnsupported(): void {
    this.closeUnits();
    this.unsupported++;
  }

  private badUnit(item: FramedItem, code: string, message: string, text: string, truncated: boolean): void {
    const run = this.openUnits;
    // A line the file ended inside stands alone: if the file grows after all, it is read again and its entry superseded.
    if (run !== null && code !== 'truncated' && joins(run.entry.mode, item.mode)) {
      this.extend(run, item, code, text, truncated);
      return;
    }
    this.closeUnits();
    this.openUnits = this.open(item, item.offset, 'units', code, message, text, truncated);
  }

  private open(item: FramedItem, position: number, scope: 'units' | 'records', code: string, message: string, text: string, truncated: boolean): OpenRun {
    const raw = truncate(text, this.maxRawBytes);
    this.quarantinedChars += raw.text.length;
    this.badLines++;
    const entry: QuarantinedLine = {
      container: this.file.container,
      path: this.file.path,
      generation: this.generation,
      offset: item.offset,
      end: item.end,
      position,
      line: item.line,
      code,
      message,
      raw: raw.text,
      rawTruncated: truncated || raw.truncated,
      quarantinedAt: this.quarantinedAt,
      category: this.context.fileCategory ?? null,
      count: 1,
      lastLine: item.line,
      scope,
      ...(item.mode ? { mode: item.mode } : {}),
    };
    this.quarantined.push(entry);
    return { entry, sampleBytes: entry.rawTruncated ? null : Buffer.byteLength(raw.text), codes: new Map([[code, 1]]) };
  }

  private extend(run: OpenRun, item: FramedItem, code: string, text: string, truncated: boolean): void {
    const entry = run.entry;
    this.badLines++;
    entry.count = (entry.count ?? 1) + 1;
    entry.lastLine = item.line;
    entry.end = item.end;
    run.codes.set(code, (run.codes.get(code) ?? 0) + 1);
    if (run.sampleBytes === null) return;
    // The sample keeps whole lines while they fit, so a short run's sample is its whole text.
    const room = this.maxRawBytes - run.sampleBytes - 1;
    const bytes = text.length * 3 <= room ? text.length : Buffer.byteLength(text);
    if (truncated || bytes > room) {
      entry.rawTruncated = true;
      run.sampleBytes = null;
      return;
    }
    entry.raw += '\n' + text;
    run.sampleBytes += bytes + 1;
    this.quarantinedChars += text.length + 1;
  }

  private closeUnits(): void {
    if (this.openUnits !== null) finishCodes(this.openUnits);
    this.openUnits = null;
  }
}

/** A bad unit joins the open run when a framer started at the run's mode frames it the same way. */
function joins(runMode: FramingMode | undefined, itemMode: FramingMode | undefined): boolean {
  return runMode === itemMode || (DOCUMENT_MODES.has(runMode) && DOCUMENT_MODES.has(itemMode));
}

function finishCodes(run: OpenRun): void {
  if (run.codes.size > 1) run.entry.codes = [...run.codes].map(([code, count]) => `${code} ${count}`).join(', ');
}

/** Decodes and normalizes a list of units at once (quarantine replay, tests). */
export function interpret(
  items: readonly FramedItem[],
  context: NormalizeContext,
  generation: number,
  file: LogFileRef,
  maxRawBytes: number,
  now: number,
): Interpreted {
  const interpreter = new Interpreter(context, generation, file, maxRawBytes, now);
  interpreter.add(items);
  return interpreter.result();
}

function truncate(text: string, maxBytes: number): { text: string; truncated: boolean } {
  if (text.length * 3 <= maxBytes || Buffer.byteLength(text) <= maxBytes) return { text, truncated: false };
  const bytes = Buffer.from(text);
  // At a whole character: a cut inside one would end the sample in a U+FFFD the line never held.
  return { text: bytes.toString('utf8', 0, utf8Boundary(bytes, maxBytes)), truncated: true };
}
