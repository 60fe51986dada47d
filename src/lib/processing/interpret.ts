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

/** Decodes and normalizes a segment's units; every failure becomes a quarantine line, never an exception. */
export function interpret(
  items: readonly FramedItem[],
  context: NormalizeContext,
  generation: number,
  file: LogFileRef,
  maxRawBytes: number,
  now: number,
): Interpreted {
  const records: PositionedRecord[] = [];
  const quarantined: QuarantinedLine[] = [];
  const quarantinedAt = new Date(now).toISOString();
  let unsupported = 0;
  let lastRecordTime = -Infinity;
  const bad = (unit: { offset: number; end: number; line: number }, position: number, code: string, message: string, text: string, truncated = false): void => {
    const raw = truncate(text, maxRawBytes);
    quarantined.push({
      container: file.container, path: file.path, generation, offset: unit.offset, end: unit.end, position, line: unit.line, code, message,
      raw: raw.text, rawTruncated: truncated || raw.truncated, quarantinedAt, category: context.fileCategory ?? null,
    });
  };

  for (const item of items) {
    if (item.kind === 'issue') {
      bad(item, item.offset, item.code, item.message, item.raw, item.rawTruncated);
      continue;
    }
    const decoded = decodeUnit(item);
    if (!decoded.success) {
      bad(item, item.offset, decoded.code, decoded.message, item.text);
      continue;
    }
    for (const raw of decoded.records) {
      const normalized = normalizeRecord(raw.value, context);
      if (normalized.success) {
        records.push({ position: raw.position, record: normalized.record });
        if (normalized.record.time > lastRecordTime) lastRecordTime = normalized.record.time;
      } else if (normalized.kind === 'unsupported') {
        unsupported++;
      } else {
        const text = decoded.records.length === 1 ? item.text : JSON.stringify(raw.value);
        bad(item, raw.position, normalized.code, normalized.message, text);
      }
    }
  }
  return {
    records,
    quarantined,
    unsupported,
    lastRecordAt: Number.isFinite(lastRecordTime) ? new Date(lastRecordTime).toISOString() : null,
  };
}

function truncate(text: string, maxBytes: number): { text: string; truncated: boolean } {
  if (Buffer.byteLength(text) <= maxBytes) return { text, truncated: false };
  return { text: Buffer.from(text).subarray(0, maxBytes).toString('utf8'), truncated: true };
}

