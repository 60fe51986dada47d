import fc from 'fast-check';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_VIEWS } from '../../../src/lib/aggregating/index.js';
import { foldThroughEveryView } from '../../support/foldThroughViews.js';
import { normalizeRecord } from '../../../src/lib/normalizing/index.js';
import { CheckpointStore } from '../../../src/lib/processing/checkpoints.js';
import { interpret } from '../../../src/lib/processing/interpret.js';
import { silentLogger } from '../../../src/lib/logging.js';
import { processFile } from '../../../src/lib/processing/processFile.js';
import { DEFAULT_PROCESS_SETTINGS } from '../../../src/lib/processing/settings.js';
import { decodeUnit, Framer } from '../../../src/lib/reading/index.js';
import type { FramedItem, FramingMode } from '../../../src/lib/reading/types.js';
import { LocalLogSource } from '../../../src/lib/storage/LocalLogSource.js';
import { newTableStore } from '../../support/storage.js';
import { PLANS } from '../../../src/lib/normalizing/mapping.js';
import { timeBoundsAt } from '../../../src/lib/normalizing/ranges.js';
import type { RowData } from '../../../src/lib/aggregating/types.js';
import {
  anyJson,
  chunking,
  cut,
  expectedOutcomes,
  extremeNumber,
  extremeTime,
  isBlankLine,
  mutate,
  mutation,
  NUMBER_PATHS,
  referenceHourAndDay,
  setAt,
  splitLines,
  TIME_PATHS,
  type Mutation,
} from './fuzz.js';
import { generatedAppends, recordFigures, tempDir } from './scenario.js';

const MAX_UNIT = 2048;
const FILE = {
  container: 'insights-logs-roomsoperational',
  path: 'resourceId=/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000001/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/FUZZ/y=2024/m=05/d=25/h=00/m=00/PT1H.json',
};
/** The first bytes of gzip, zip, zstd, xz and bzip2 files (docs/ARCHITECTURE.md: such a file is not read as text). */
const COMPRESSED_STARTS: readonly (readonly number[])[] = [
  [0x1f, 0x8b],
  [0x50, 0x4b, 0x03, 0x04],
  [0x28, 0xb5, 0x2f, 0xfd],
  [0xfd, 0x37, 0x7a, 0x58],
  [0x42, 0x5a, 0x68],
];

const CONTEXT = {
  fileCategory: 'RoomsOperational' as const,
  resourceIdFromPath: '/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000001/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/FUZZ',
};

/** Frames `data` in the given chunks and interprets everything, as one segment of the per-file loop. */
function runLoop(data: Buffer, sizes: readonly number[], mode: FramingMode, final: boolean) {
  const framer = new Framer({ start: { offset: 0, newlines: 0, mode }, maxUnitBytes: MAX_UNIT, maxRawBytes: 256 });
  const items: FramedItem[] = [];
  for (const chunk of cut(data, sizes)) items.push(...framer.push(chunk));
  items.push(...framer.finish(final));
  const outcome = interpret(items, CONTEXT, 0, FILE, 256, Date.UTC(2024, 4, 25));
  return { items, outcome, position: framer.position };
}

export interface FuzzSizes {
  bytesRuns: number;
  linesRuns: number;
  normalizeRuns: number;
  fileRuns: number;
  extremeRuns: number;
  seed?: number;
}

export function defineFuzzTests(sizes: FuzzSizes): void {
  const pool = generatedAppends(5, 2, 10, 6).flatMap((append) => append.lines.map((line) => line.replace(/\n$/, '')));
  const figures = {
    extremeCases: 0,
    extremeRecords: 0,
    extremeRejected: 0,
    bytesCases: 0,
    bytesFuzzed: 0,
    lineCases: 0,
    linesFuzzed: 0,
    badLines: 0,
    records: 0,
    unsupported: 0,
    normalizeCases: 0,
    fileCases: 0,
    fileLines: 0,
  };
  const params = (numRuns: number) => ({
    numRuns: numRuns * Number(process.env['FUZZ_SCALE'] ?? 1),
    ...(sizes.seed === undefined ? {} : { seed: sizes.seed }),
  });

  describe('fuzzing the reader and the normalizer', () => {
    it('random bytes in any framing mode and any chunking: nothing throws, items stay inside the input', () => {
      fc.assert(
        fc.property(
          fc.uint8Array({ maxLength: 3000 }),
          chunking,
          fc.constantFrom<FramingMode>('auto', 'lines', 'values', 'array', 'records'),
          fc.boolean(),
          (bytes, sizes, mode, final) => {
            const data = Buffer.from(bytes);
            figures.bytesCases++;
            figures.bytesFuzzed += data.length;
            const { items, position } = runLoop(data, sizes, mode, final);
            for (const item of items) {
              expect(item.offset).toBeGreaterThanOrEqual(0);
              expect(item.end).toBeLessThanOrEqual(data.length);
              expect(item.offset).toBeLessThanOrEqual(item.end);
            }
            expect(position.offset).toBeLessThanOrEqual(data.length);
          },
        ),
        params(sizes.bytesRuns),
      );
    });

    it('mutated records, lines mode, any chunking: lines = records + quarantined + unsupported, every bad line quarantined at its offset', () => {
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.nat(pool.length - 1), mutation), { minLength: 1, maxLength: 40 }), chunking, (picks, sizes) => {
          const data = Buffer.concat(picks.flatMap(([index, m]) => [mutate(pool[index] as string, m, MAX_UNIT), Buffer.from('\n')]));
          const { outcome } = runLoop(data, sizes, 'lines', true);
          if (COMPRESSED_STARTS.some((magic) => magic.every((byte, i) => data[i] === byte))) {
            // Garbage that made the file start as a compressed one: it is quarantined whole, with instructions, not read as lines.
            expect(outcome.records).toEqual([]);
            expect(outcome.badLines).toBeGreaterThan(0);
            return;
          }
          const lines = splitLines(data).filter((line) => !isBlankLine(line.bytes));
          let expected = 0;
          for (const line of lines) expected += expectedOutcomes(line.bytes, MAX_UNIT);
          figures.lineCases++;
          figures.linesFuzzed += lines.length;
          figures.badLines += outcome.badLines;
          figures.records += outcome.records.length;
          figures.unsupported += outcome.unsupported;
          expect(outcome.records.length + outcome.badLines + outcome.unsupported).toBe(expected);
          // Every quarantined line and every record lies inside one line; a line with nothing in it must be unsupported.
          const lineOf = (offset: number): number => lines.findIndex((line) => offset >= line.start && offset <= line.start + line.bytes.length);
          for (const bad of outcome.quarantined) expect(lineOf(bad.offset)).toBeGreaterThanOrEqual(0);
          // An entry is a run of bad lines: every line starting inside its byte range is accounted for.
          const inRun = (q: { offset: number; end: number }): number[] =>
            lines.flatMap((line, index) => (line.start >= q.offset && line.start < q.end ? [index] : []));
          const accounted = new Set([
            ...outcome.quarantined.flatMap((q) => [lineOf(q.offset), ...inRun(q)]),
            ...outcome.records.map((r) => lineOf(r.position)),
          ]);
          const silent = lines.filter((line, index) => !accounted.has(index) && expectedOutcomes(line.bytes, MAX_UNIT) > 0);
          expect(silent.length).toBeLessThanOrEqual(outcome.unsupported);
        }),
        params(sizes.linesRuns),
      );
    });

    it('normalizeRecord and every view accept any JSON value without throwing', () => {
      fc.assert(
        fc.property(
          fc.nat(pool.length - 1),
          fc.array(
            fc.tuple(
              fc.constantFrom(
                'time',
                'category',
                'resourceId',
                'operationName',
                'correlationId',
                'resultSignature',
                'durationMs',
                'properties',
                'TIME',
                '__proto__',
                'records',
              ),
              anyJson,
            ),
            { maxLength: 4 },
          ),
          fc.dictionary(fc.string({ maxLength: 12 }), anyJson, { maxKeys: 6 }),
          (index, top, props) => {
            figures.normalizeCases++;
            const record = JSON.parse(pool[index] as string) as Record<string, unknown>;
            for (const [key, value] of top) Object.defineProperty(record, key, { value, enumerable: true, configurable: true, writable: true });
            const properties = record['properties'];
            if (properties !== null && typeof properties === 'object' && !Array.isArray(properties)) Object.assign(properties, props);
            const result = normalizeRecord(record, CONTEXT);
            if (!result.success) return;
            foldThroughEveryView(result.record);
            // The decoded text of the record round-trips through decodeUnit too.
            const text = JSON.stringify(record);
            expect(() => decodeUnit({ kind: 'unit', offset: 0, end: text.length, line: 1, text })).not.toThrow();
          },
        ),
        params(sizes.normalizeRuns),
      );
    });

    it('extreme numbers and times: a record is within every range and bound, or quarantined with the right code; sums stay exact; buckets floor', () => {
      const now = Date.UTC(2024, 4, 25, 12);
      const isoOf = (ms: number): string => new Date(ms).toISOString().replace('Z', '0000Z');
      fc.assert(
        fc.property(
          fc.nat(pool.length - 1),
          fc.array(fc.tuple(fc.constantFrom(...NUMBER_PATHS), extremeNumber), { maxLength: 3 }),
          fc.array(fc.tuple(fc.constantFrom(...TIME_PATHS), extremeTime), { maxLength: 2 }),
          fc.constantFrom(undefined, Date.UTC(1900, 0, 1)),
          (index, numbers, times, earliest) => {
            figures.extremeCases++;
            const bounds = timeBoundsAt(now, earliest);
            const record = JSON.parse(pool[index] as string) as Record<string, unknown>;
            for (const [path, value] of numbers) setAt(record, path, value);
            for (const [path, ms] of times) setAt(record, path, isoOf(ms));
            const result = normalizeRecord(record, { ...CONTEXT, timeBounds: bounds });
            const timeMs = times
              .filter(([path]) => path[0] === 'time')
              .map(([, ms]) => ms)
              .pop();
            if (timeMs !== undefined && (timeMs < bounds.earliest || timeMs > bounds.latest)) {
              // The record time is judged first, whatever else is wrong.
              expect(result).toMatchObject({ success: false, code: 'time_out_of_range' });
            }
            if (!result.success) {
              if (result.kind === 'invalid') {
                figures.extremeRejected++;
                expect(['schema_invalid', 'value_out_of_range', 'time_out_of_range', 'time_invalid']).toContain(result.code);
              }
              return;
            }
            figures.extremeRecords++;
            const normalized = result.record as unknown as Record<string, unknown>;
            for (const field of PLANS[result.record.category].fields) {
              const value = normalized[field.key];
              if (field.range && value !== null) {
                expect(Number.isFinite(value), field.label).toBe(true);
                expect(value as number, field.label).toBeGreaterThanOrEqual(field.range.min);
                expect(value as number, field.label).toBeLessThanOrEqual(field.range.max);
              }
              if (field.kind === 'time' && value !== null) {
                expect(value as number).toBeGreaterThanOrEqual(bounds.earliest);
                expect(value as number).toBeLessThanOrEqual(bounds.latest);
              }
            }
            expect(result.record.time).toBeGreaterThanOrEqual(bounds.earliest);
            expect(result.record.time).toBeLessThanOrEqual(bounds.latest);
            const { hour, day } = referenceHourAndDay(result.record.time);
            for (const view of ALL_VIEWS) {
              const route = view.route(result.record);
              if (!route) continue;
              const rows: RowData[] = route.rowKeys.map(() => ({}));
              // Folding twice checks the sums once more on a row that already holds a value.
              view.apply(result.record, rows);
              view.apply(result.record, rows);
              view.finalize?.(rows[0] as RowData);
              for (const row of rows) {
                for (const [key, value] of Object.entries(row))
                  if (typeof value === 'number') expect(Number.isFinite(value), `${view.table}.${key}`).toBe(true);
                for (const key of [
                  'count',
                  'failed',
                  'durationCount',
                  'durationSumUs',
                  'recordings',
                  'recordingMs',
                  'chunks',
                  'audioChannels',
                  'records',
                  'operations',
                  'participantsAdded',
                ]) {
                  if (typeof row[key] === 'number') expect(Number.isSafeInteger(row[key]), `${view.table}.${key}`).toBe(true);
                }
              }
              const bucketTime =
                result.record.category === 'CallRecordingSummary' ? (result.record.recordingStartTime ?? result.record.time) : result.record.time;
              const expected = bucketTime === result.record.time ? { hour, day } : referenceHourAndDay(bucketTime);
              if (route.rowKeys[0]?.startsWith('h|')) {
                expect(route.partitionKey.endsWith('|' + expected.day.slice(0, 10)), `${view.table} ${route.partitionKey}`).toBe(true);
                expect(route.rowKeys[0].startsWith('h|' + expected.hour.slice(0, 13)), `${view.table} ${route.rowKeys[0]}`).toBe(true);
                expect(rows[0]?.['bucket']).toBe(expected.hour);
              }
            }
          },
        ),
        params(sizes.extremeRuns),
      );
      recordFigures({ suite: 'fuzz-extreme', cases: figures.extremeCases, records: figures.extremeRecords, quarantined: figures.extremeRejected });
    });

    it('fuzzed files through processFile into Azurite: it resolves, and the checkpoint counts every line', async () => {
      const dir = await tempDir('fuzzfiles');
      const tables = newTableStore();
      const source = new LocalLogSource();
      const deps = {
        source,
        tables,
        views: ALL_VIEWS,
        settings: { ...DEFAULT_PROCESS_SETTINGS, maxUnitBytes: MAX_UNIT, maxRawBytes: 512, segmentBytes: 4096, readChunkBytes: 1500 },
        logger: silentLogger,
      };
      const samples = fc.sample(fc.array(fc.tuple(fc.nat(pool.length - 1), mutation), { minLength: 1, maxLength: 30 }), {
        numRuns: sizes.fileRuns,
        ...(sizes.seed === undefined ? {} : { seed: sizes.seed }),
      });
      for (let i = 0; i < samples.length; i++) {
        // The first line is left intact: a mutated first line may legitimately start a JSON document
        // (`[`…), and the sniffer's choice is not what this accounting test is about.
        const picks: [number, Mutation][] = [[i % pool.length, { kind: 'none' }], ...(samples[i] ?? [])];
        const data = Buffer.concat(picks.flatMap(([index, m]) => [mutate(pool[index] as string, m, MAX_UNIT), Buffer.from('\n')]));
        const local = path.join(dir, `f${i}.json`);
        await writeFile(local, data);
        const ref = source.register(local);
        const result = await processFile(ref, deps, { category: 'RoomsOperational', isFinal: () => true });
        const lines = splitLines(data).filter((line) => !isBlankLine(line.bytes));
        let expected = 0;
        for (const line of lines) expected += expectedOutcomes(line.bytes, MAX_UNIT);
        figures.fileCases++;
        figures.fileLines += lines.length;
        const checkpoint = (await new CheckpointStore(tables).get(ref))?.checkpoint;
        expect(result.records + result.badLines + result.unsupported, `file ${i}`).toBe(expected);
        expect(checkpoint, `file ${i}`).toMatchObject({
          records: result.records,
          badLines: result.badLines,
          unsupported: result.unsupported,
          sealed: true,
          offset: data.length,
        });
      }
      recordFigures({ suite: 'fuzz', ...figures });
    });

    // Regression test: before 3e457da, in 'auto' mode a first line starting with `{` but not valid
    // JSON (a truncated record) made the sniffer pick 'values' for the whole file, and its
    // unterminated string swallowed every following line into one `truncated` issue.
    it('a truncated first line does not swallow the good lines after it (auto mode)', () => {
      const good = pool.slice(0, 4);
      const data = Buffer.from([(pool[0] as string).slice(0, 120), ...good].join('\n') + '\n');
      const { outcome, position } = runLoop(data, [1 << 20], 'auto', true);
      expect(position.mode).toBe('lines');
      expect(outcome.records.length).toBe(4);
      expect(outcome.badLines).toBe(1);
    });
  });
}
