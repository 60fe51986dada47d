import { describe, expect, it } from 'vitest';
import { CheckpointStore } from '../../../src/lib/processing/checkpoints.js';
import { processFile } from '../../../src/lib/processing/processFile.js';
import { QuarantineStore } from '../../../src/lib/processing/quarantine.js';
import { replayQuarantine } from '../../../src/lib/processing/replayQuarantine.js';
import { blobPath, normalizeAll, roomsRecords } from '../../support/roomsLogs.js';
import { rng } from '../../support/random.js';
import { appendToBlob, newContainer, newTableStore, readAggregates, referenceAggregates, testDeps } from '../../support/storage.js';
import { recordFigures } from './scenario.js';

const MAX_UNIT = 4096;

export interface JunkSizes {
  seeds: readonly number[];
  /** Good records per file. */
  records: number;
  /** Junk lines per block (a block sits between two good records). */
  blockLines: number;
  /** Appends the file is written in (the file is processed after each, then once more when final). */
  appends: number;
}

type Shape = 'two-byte' | 'huge' | 'nul' | 'invalid-utf8' | 'utf16' | 'mixed';
const SHAPES: readonly Shape[] = ['two-byte', 'huge', 'nul', 'invalid-utf8', 'utf16', 'mixed'];

/** One junk line of a shape (with its newline); `hugeRecord` lines are real records too long for the limit. */
function junkLine(shape: Shape, random: () => number, hugeRecord: Record<string, unknown>): Buffer {
  // Mixed junk holds a too-long record now and then (each is replayed on its own after the fix).
  const pick = shape !== 'mixed' ? shape : random() < 0.02 ? 'huge' : (['two-byte', 'nul', 'invalid-utf8', 'utf16'] as const)[Math.floor(random() * 4)]!;
  switch (pick) {
    case 'two-byte':
      return Buffer.from('x\n');
    case 'huge':
      return Buffer.from(JSON.stringify(hugeRecord) + '\n');
    case 'nul':
      return Buffer.from('\u0000'.repeat(1 + Math.floor(random() * 40)) + '\n');
    case 'invalid-utf8':
      return Buffer.concat([Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x82]), Buffer.from('\n')]);
    case 'utf16':
      return Buffer.concat([Buffer.from(JSON.stringify(hugeRecord).slice(0, 200), 'utf16le'), Buffer.from('\n')]);
  }
}

/** Non-blank lines of a file (as the framer sees them: bytes other than space, tab, CR, LF). */
function nonBlankLines(data: Buffer): number {
  let count = 0;
  let from = 0;
  while (from < data.length) {
    const nl = data.indexOf(0x0a, from);
    const end = nl < 0 ? data.length : nl;
    for (let i = from; i < end; i++) {
      const b = data[i]!;
      if (b !== 0x20 && b !== 0x09 && b !== 0x0d) {
        count++;
        break;
      }
    }
    from = end + 1;
  }
  return count;
}

/**
 * Junk floods between good records, written as a growing append blob and processed after every
 * append and once more when final: every good record counts exactly once, every bad line is counted,
 * quarantine entries stay bounded by the junk blocks and segments (not the lines), and a replay after
 * raising the line limit applies the too-long records exactly once.
 */
export function defineJunkTests(sizes: JunkSizes): void {
  describe('junk floods between good records', () => {
    for (const seed of sizes.seeds) {
      it(`seed ${seed}: good records once, bad lines counted, entries bounded, replay exactly once`, async () => {
        const random = rng(seed);
        const good = roomsRecords(sizes.records, seed);
        const huge: Record<string, unknown>[] = [];
        const parts: Buffer[] = [Buffer.from(JSON.stringify(good[0]) + '\n')];
        let blocks = 0;
        for (let i = 1; i < good.length; i++) {
          if (random() < 0.5) {
            blocks++;
            const shape = SHAPES[Math.floor(random() * SHAPES.length)] as Shape;
            // Too-long lines come a few at a time; the other shapes in floods.
            const lines = 1 + Math.floor(random() * (shape === 'huge' ? 8 : sizes.blockLines));
            for (let k = 0; k < lines; k++) {
              const base = roomsRecords(1, seed * 1000 + huge.length + 1)[0] as Record<string, unknown>;
              const record = { ...base, properties: { ...(base['properties'] as object), note: 'n'.repeat(MAX_UNIT) } };
              const line = junkLine(shape, random, record);
              if (line.toString().startsWith('{"time"')) huge.push(record);
              parts.push(line);
            }
          }
          parts.push(Buffer.from(JSON.stringify(good[i]) + '\n'));
        }
        const data = Buffer.concat(parts);
        const container = await newContainer();
        const file = { container: container.containerName, path: blobPath(5) };
        const tables = newTableStore();
        const settings = { maxUnitBytes: MAX_UNIT, maxRawBytes: 512, segmentBytes: 64 * 1024, segmentRecords: 200, readChunkBytes: 16 * 1024 };
        const deps = testDeps(tables, undefined, settings);
        const cuts = [...Array.from({ length: sizes.appends - 1 }, () => Math.floor(random() * data.length)), data.length].sort((a, b) => a - b);
        let written = 0;
        let segments = 0;
        let badLines = 0;
        let records = 0;
        for (const cut of cuts) {
          if (cut > written) await appendToBlob(container, file.path, data.subarray(written, cut));
          written = Math.max(written, cut);
          const result = await processFile(file, deps);
          segments += result.segments;
          badLines += result.badLines;
          records += result.records;
        }
        const last = await processFile(file, deps, { isFinal: () => true });
        segments += last.segments;
        badLines += last.badLines;
        records += last.records;

        const entries = [];
        for await (const entry of new QuarantineStore(tables).list(file)) entries.push(entry);
        const checkpoint = (await new CheckpointStore(tables).get(file))?.checkpoint;
        expect({ records, checkpointRecords: checkpoint?.records }).toEqual({ records: good.length, checkpointRecords: good.length });
        expect(badLines).toBe(nonBlankLines(data) - good.length);
        expect(checkpoint?.badLines).toBe(badLines);
        expect(entries.reduce((sum, entry) => sum + (entry.count ?? 1), 0)).toBe(badLines);
        // A block is one entry, unless a segment or a read that stopped inside it cut it.
        expect(entries.length).toBeLessThanOrEqual(blocks + segments + sizes.appends);
        expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(good)));

        // The fix for line_too_long: a larger limit. Replayed twice (once concurrently): each too-long record lands once.
        const fixed = testDeps(tables, undefined, { ...settings, maxUnitBytes: 64 * 1024 });
        await replayQuarantine(fixed);
        await Promise.all([replayQuarantine(fixed), replayQuarantine(fixed)]);
        expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll([...good, ...huge])));
        recordFigures({
          suite: 'junk',
          seed,
          bytes: data.length,
          goodRecords: good.length,
          badLines,
          entries: entries.length,
          blocks,
          segments,
          hugeRecords: huge.length,
        });
      });
    }
  });
}
