/**
 * Oversized values in every field that reaches a table key or property: records of every category
 * with one normalized field blown up (1,100 chars, 40K chars, non-ASCII, JSON-escape-heavy, astral
 * characters), records too large for any entity, and a huge call, among good records. After
 * processing, every view must equal one clean pass over the records it did not refuse, and every
 * refusal must be a quarantined `storage_rejected` entry of a record that could not fit.
 */
import { expect } from 'vitest';
import { ALL_VIEWS } from '../../../src/lib/aggregating/index.js';
import { CheckpointStore } from '../../../src/lib/processing/checkpoints.js';
import { processFile } from '../../../src/lib/processing/processFile.js';
import { QuarantineStore, type QuarantinedLine } from '../../../src/lib/processing/quarantine.js';
import { replayQuarantine } from '../../../src/lib/processing/replayQuarantine.js';
import { boundedKey } from '../../../src/lib/storage/keys.js';
import {
  appendToBlob,
  azuriteConnectionString,
  newContainer,
  newTableStore,
  readAggregates,
  referenceAggregates,
  testDeps,
  uniquePrefix,
  type AggregateSnapshot,
} from '../../support/storage.js';
import { normalizeAll } from '../../support/roomsLogs.js';
import { rng } from '../../support/random.js';
import { DAY, operationRecord, recordingBlobPath, summaryRecord, usageRecord } from '../../support/recordingLogs.js';
import { roomsRecords } from '../../support/roomsLogs.js';

type Raw = Record<string, unknown>;

/** Where a normalized field lives in a storage-format record: top level or under `properties`. */
interface FieldPath {
  name: string;
  inProperties: boolean;
}

const COMMON: FieldPath[] = ['resourceId', 'correlationId', 'operationName', 'operationVersion', 'resultType', 'resultSignature', 'level'].map((name) => ({
  name,
  inProperties: false,
}));
const props = (...names: string[]): FieldPath[] => names.map((name) => ({ name, inProperties: true }));

export interface CategoryCase {
  category: string;
  container: string;
  fields: FieldPath[];
  good(count: number, seed: number): Raw[];
}

export const CATEGORY_CASES: readonly CategoryCase[] = [
  {
    category: 'RoomsOperational',
    container: 'roomsoperational',
    fields: [...COMMON, ...props('roomId')],
    good: (count, seed) => roomsRecords(count, seed, 8),
  },
  {
    category: 'CallRecordingSummary',
    container: 'callrecordingsummary',
    fields: [...COMMON, ...props('recordingId', 'contentType', 'channelType', 'formatType', 'recordingEndReason')],
    good: (count, seed) =>
      Array.from({ length: count }, (_, n) =>
        summaryRecord({
          correlationId: `call-${seed}-${n % 4}`,
          recordingId: `rec-${seed}-${n}`,
          time: DAY + n * 60_000,
          formatType: n % 2 ? 'mp3' : 'mp4',
        }),
      ),
  },
  {
    category: 'CallRecordingOperational',
    container: 'callrecordingoperational',
    fields: [...COMMON, ...props('CallConnectionId', 'ServerCallId', 'SdkType', 'SdkVersion', 'URI')],
    good: (count, seed) =>
      Array.from({ length: count }, (_, n) =>
        operationRecord({
          correlationId: `call-${seed}-${n % 4}`,
          operationName: n % 3 ? 'PauseRecording' : 'StopRecording',
          time: DAY + n * 60_000,
          recordingId: `rec-${seed}-${n % 5}`,
          durationMs: 1 + n,
        }),
      ),
  },
  {
    category: 'Usage',
    container: 'usage',
    fields: [...COMMON, ...props('usageType', 'unitType', 'recordId')],
    good: (count, seed) =>
      Array.from({ length: count }, (_, n) =>
        usageRecord({
          time: DAY + n * 60_000,
          usageType: n % 2 ? 'Recording' : 'Audio',
          quantity: 0.25 * (n + 1),
          recordId: `u-${seed}-${n}`,
        }),
      ),
  },
];

/** Values that break a limit when copied into a key or property as they are. */
export const OVERSIZED_VALUES: Readonly<Record<string, string>> = {
  ascii1100: 'A'.repeat(1100),
  ascii40k: 'B'.repeat(40_000),
  nonAscii1100: '中'.repeat(1100),
  escapes1100: '"\\\u0001/#?%\'|~!'.repeat(110),
  astral40k: '😀'.repeat(20_000),
};

function setField(record: Raw, field: FieldPath, value: string): Raw {
  if (!field.inProperties) return { ...record, [field.name]: value };
  const properties = { ...(record['properties'] as Raw) };
  // The URI carries the RecordingId: blow that up instead of the address (which must still parse).
  properties[field.name] =
    field.name === 'URI' ? `https://contoso.communication.azure.com/calling/recordings/${encodeURIComponent(value)}:pause?api-version=2023-03-06` : value;
  return { ...record, properties };
}

export interface OversizedFile {
  category: CategoryCase;
  records: Raw[];
  /** Records that cannot fit any entity (a 600K-char resource id, copied onto every row): the only ones the store may refuse. */
  unfit: Set<Raw>;
}

/** Good records of one category with, at random positions, every field × every value, plus unfit records. */
export function oversizedFile(category: CategoryCase, seed: number, values: readonly string[], goodCount: number): OversizedFile {
  const random = rng(seed);
  const records = category.good(goodCount, seed);
  const insert = (record: Raw): void => {
    records.splice(Math.floor(random() * (records.length + 1)), 0, record);
  };
  let n = 0;
  for (const field of category.fields) {
    for (const value of values) insert(setField(category.good(1, seed + ++n)[0] as Raw, field, value + field.name + n));
  }
  const unfit = new Set<Raw>();
  const huge = setField(category.good(1, seed + 999)[0] as Raw, { name: 'resourceId', inProperties: false }, '/R'.repeat(300_000));
  unfit.add(huge);
  insert(huge);
  return { category, records, unfit };
}

/** One call (one CorrelationId) of `operations` operations, some with a 40K-char SdkVersion. */
export function hugeCall(operations: number, seed: number): Raw[] {
  return Array.from({ length: operations }, (_, n) =>
    operationRecord({
      correlationId: `huge-call-${seed}`,
      operationName: n % 2 ? 'PauseRecording' : 'ResumeRecording',
      time: DAY + n * 1000,
      recordingId: `rec-${n % 7}`,
      durationMs: 1 + (n % 300),
      sdkVersion: n % 97 === 0 ? 'v'.repeat(40_000) + n : '1.0.0',
    }),
  );
}

export interface OversizedReport {
  records: number;
  refused: number;
  files: number;
}

/**
 * Writes each file as an append blob, processes it (twice: the second run must change nothing),
 * replays the quarantine (nothing fixed: nothing may change), and checks the tables.
 */
export async function runOversized(files: readonly { container: string; records: Raw[]; unfit: Set<Raw> }[], segmentRecords: number): Promise<OversizedReport> {
  const tables = newTableStore();
  const deps = testDeps(tables, undefined, { segmentRecords });
  const refusedByView = new Map<string, Set<Raw>>();
  const all: Raw[] = [];
  let refused = 0;
  // The files are independent (own containers, shared tables): processed side by side.
  const outcomes = await Promise.all(
    files.map(async (file, i) => {
      const container = await newContainer(azuriteConnectionString(), `insights-logs-${file.container}-${uniquePrefix().toLowerCase()}`);
      const path = recordingBlobPath(DAY, i % 24);
      const lines = file.records.map((record) => JSON.stringify(record) + '\n');
      await appendToBlob(container, path, lines.join(''));
      const byOffset = new Map<number, Raw>();
      let offset = 0;
      lines.forEach((line, n) => {
        byOffset.set(offset, file.records[n] as Raw);
        offset += Buffer.byteLength(line);
      });
      const ref = { container: container.containerName, path };
      const first = await processFile(ref, deps);
      const again = await processFile(ref, deps);
      expect(again.records).toBe(0);
      const checkpoint = (await new CheckpointStore(tables).get(ref))?.checkpoint;
      expect(checkpoint?.records, 'every record was read and counted by the checkpoint').toBe(file.records.length);
      const entries: QuarantinedLine[] = [];
      for await (const entry of new QuarantineStore(tables).list(ref)) entries.push(entry);
      // A record refused in several views is one bad line, with an entry per view.
      expect(first.badLines).toBe(new Set(entries.map((entry) => entry.position)).size);
      return { file, entries, byOffset };
    }),
  );
  for (const { file, entries, byOffset } of outcomes) {
    for (const entry of entries) {
      expect(entry.code).toBe('storage_rejected');
      expect(entry.message).not.toBe('');
      const record = byOffset.get(entry.position);
      expect(record, 'a quarantined position is a record of the file').toBeDefined();
      expect(file.unfit.has(record as Raw), `only a record that cannot fit is refused (${entry.view}: ${entry.message.slice(0, 120)})`).toBe(true);
      let set = refusedByView.get(entry.view ?? '');
      if (!set) refusedByView.set(entry.view ?? '', (set = new Set()));
      set.add(record as Raw);
    }
    for (const record of file.unfit) {
      expect(
        entries.some((entry) => byOffset.get(entry.position) === record),
        'a record too large to store is quarantined, not lost',
      ).toBe(true);
    }
    refused += entries.length;
    all.push(...file.records);
  }
  const before = await readAggregates(tables);
  expect(before).toEqual(expectedAggregates(all, refusedByView));
  // Nothing fixed: a replay leaves every refused record where it is.
  const replay = await replayQuarantine(deps);
  expect(replay.applied).toBe(0);
  expect(await readAggregates(tables)).toEqual(before);
  return { records: all.length, refused, files: files.length };
}

/** One clean pass per view over the records that view did not refuse, with keys as stored. */
function expectedAggregates(records: readonly Raw[], refusedByView: ReadonlyMap<string, Set<Raw>>): AggregateSnapshot {
  const expected: AggregateSnapshot = {};
  for (const view of ALL_VIEWS) {
    const refused = refusedByView.get(view.table);
    const kept = refused ? records.filter((record) => !refused.has(record)) : records;
    Object.assign(expected, storedKeys(referenceAggregates(normalizeAll(kept), [view])));
  }
  return expected;
}

function storedKeys(snapshot: AggregateSnapshot): AggregateSnapshot {
  const stored: AggregateSnapshot = {};
  for (const [table, rows] of Object.entries(snapshot)) {
    const keyed = Object.entries(rows).map(([key, row]) => {
      const [partitionKey, rowKey] = key.split(' / ') as [string, string];
      return [`${boundedKey(partitionKey)} / ${boundedKey(rowKey)}`, row] as const;
    });
    stored[table] = Object.fromEntries(keyed.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
  return stored;
}
