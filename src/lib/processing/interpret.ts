import { normalizeRecord } from '../normalizing/index.js';
import type { NormalizeContext } from '../normalizing/types.js';
import { decodeUnit } from '../reading/index.js';
import type { FramedItem } from '../reading/types.js';
import type { LogFileRef } from '../storage/LogSource.js';
import type { PositionedRecord } from './applyExactlyOnce.js';
import type { QuarantinedLine } from './quarantine.js';

export interface Interpreted {
  records: PositionedRecord[];
  quarantined: QuarantinedLine[];
  unsupported: number;
  lastRecordAt: string | null;
}

/**
 * Decodes and normalizes framed units as they come, keeping only the normalized records and the
 * quarantined lines: a unit's text and parsed JSON die young, so a segment holds its records, not
 * its bytes. Every failure becomes a quarantine line, never an exception.
 */
export class Interpreter {
  readonly records: PositionedRecord[] = [];
  readonly quarantined: QuarantinedLine[] = [];
  unsupported = 0;
  /** Characters of raw text held by the quarantined lines. */
  quarantinedChars = 0;
  private lastRecordTime = -Infinity;
  private readonly quarantinedAt: string;

  constructor(
    private readonly context: NormalizeContext,
    private readonly generation: number,
    private readonly file: LogFileRef,
    private readonly maxRawBytes: number,
    now: number,
  ) {
    this.quarantinedAt = new Date(now).toISOString();
  }

  add(items: Iterable<FramedItem>): void {
    for (const item of items) {
      if (item.kind === 'issue') {
        this.bad(item, item.offset, item.code, item.message, item.raw, item.rawTruncated);
        continue;
      }
      const decoded = decodeUnit(item);
      if (!decoded.success) {
        this.bad(item, item.offset, decoded.code, decoded.message, item.text);
        continue;
      }
      for (const raw of decoded.records) {
        const normalized = normalizeRecord(raw.value, this.context);
        if (normalized.success) {
          this.records.push({ position: raw.position, record: normalized.record, unit: { offset: item.offset, end: item.end, line: item.line } });
          if (normalized.record.time > this.lastRecordTime) this.lastRecordTime = normalized.record.time;
        } else if (normalized.kind === 'unsupported') {
          this.unsupported++;
        } else {
          const text = decoded.records.length === 1 ? item.text : JSON.stringify(raw.value);
          this.bad(item, raw.position, normalized.code, normalized.message, text);
        }
      }
    }
  }

  result(): Interpreted {
    return {
      records: this.records,
      quarantined: this.quarantined,
      unsupported: this.unsupported,
      lastRecordAt: Number.isFinite(this.lastRecordTime) ? new Date(this.lastRecordTime).toISOString() : null,
    };
  }

  private bad(unit: { offset: number; end: number; line: number }, position: number, code: string, message: string, text: string, truncated = false): void {
    const raw = truncate(text, this.maxRawBytes);
    this.quarantinedChars += raw.text.length;
    this.quarantined.push({
      container: this.file.container, path: this.file.path, generation: this.generation, offset: unit.offset, end: unit.end,
      position, line: unit.line, code, message, raw: raw.text, rawTruncated: truncated || raw.truncated,
      quarantinedAt: this.quarantinedAt, category: this.context.fileCategory ?? null,
    });
  }
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
  return { text: Buffer.from(text).subarray(0, maxBytes).toString('utf8'), truncated: true };
}
