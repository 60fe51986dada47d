import { beforeAll, describe, expect, it } from 'vitest';
import { ZodObject, ZodPipe, type z } from 'zod';
import {
  ALL_VIEWS,
  CALL_QUALITY_TABLE,
  CALL_VOLUME_TABLE,
  CONTRIBUTION_VIEWS,
  RECORDING_OPERATIONS_TABLE,
  RECORDINGS_TABLE,
  ROOMS_OPERATIONS_TABLE,
  ROOMS_TABLE,
  USAGE_TABLE,
} from '../../src/lib/aggregating/index.js';
import { CALL_ROW_KEY, CALLS_TABLE, callRowSchema, recordingRowSchema, SUMMARY_ROW_PREFIX } from '../../src/lib/aggregating/calls/index.js';
import { callQualityRowSchema, callVolumeRowSchema } from '../../src/lib/aggregating/calls/callTotalsRows.js';
import { recordingOperationsRowSchema, recordingsRowSchema } from '../../src/lib/aggregating/recordings/recordingRows.js';
import { roomRowSchema, roomsOperationsRowSchema } from '../../src/lib/aggregating/rooms/roomsRows.js';
import { usageRowSchema } from '../../src/lib/aggregating/usage/usageRows.js';
import { defaultGenerateOptions, generateLogs } from '../../src/lib/generating/index.js';
import { categoryFromContainer, normalizeRecord, resourceIdFromBlobPath } from '../../src/lib/normalizing/index.js';
import { contributionMarkSchema } from '../../src/lib/aggregating/calls/callContribution.js';
import { LOCATOR_ROW_KEY, locatorRowSchema } from '../../src/lib/aggregating/calls/callLocator.js';
import { applyToViews, type PositionedRecord, type RecordSource } from '../../src/lib/processing/applyExactlyOnce.js';
import { highWaterMarkRowKey, highWaterMarkRowSchema } from '../../src/lib/processing/highWaterMarkRows.js';
import { CONTRIBUTION_ROW_PREFIX } from '../../src/lib/processing/publishCallContributions.js';
import { publishCallContributions } from '../../src/lib/processing/publishCallContributions.js';
import type { ViewFilters } from '../../src/lib/querying/filters.js';
import { queryCallQuality, queryCallVolume } from '../../src/lib/querying/callQueries.js';
import { queryCalls, queryRecordingOperations, queryRecordings } from '../../src/lib/querying/recordingQueries.js';
import { queryRetirement } from '../../src/lib/querying/retirementQueries.js';
import { queryRooms, queryRoomsOperations } from '../../src/lib/querying/roomsQueries.js';
import { queryUsage } from '../../src/lib/querying/usageQueries.js';
import { RESERVED_ROW_PREFIX } from '../../src/lib/storage/keys.js';
import type { StoredRow, TableStore } from '../../src/lib/storage/TableStore.js';
import { newTableStore, putRawRow } from '../support/storage.js';

const HOUR = 3_600_000;
const DAY_FILTERS: ViewFilters = { granularity: 'day' };

/** Per table: the schema its view owns, and a query that reads the table through it. */
interface TableCase {
  schema: z.ZodType;
  query: (tables: TableStore) => Promise<unknown>;
  corrupt: Record<string, unknown>;
  /** The rows the schema is for and the queries read (default: every row but bookkeeping). */
  rows?: (rowKey: string) => boolean;
}

const TABLES: Record<string, TableCase> = {
  [USAGE_TABLE]: { schema: usageRowSchema, query: (tables) => queryUsage(tables, DAY_FILTERS), corrupt: { records: 'many' } },
  [ROOMS_OPERATIONS_TABLE]: { schema: roomsOperationsRowSchema, query: (tables) => queryRoomsOperations(tables, DAY_FILTERS), corrupt: { count: '3' } },
  [ROOMS_TABLE]: { schema: roomRowSchema, query: (tables) => queryRooms(tables, DAY_FILTERS), corrupt: { participantsAdded: true } },
  [RECORDINGS_TABLE]: { schema: recordingsRowSchema, query: (tables) => queryRecordings(tables, DAY_FILTERS), corrupt: { byFormat: '{"MP4":"two"}' } },
  [RECORDING_OPERATIONS_TABLE]: {
    schema: recordingOperationsRowSchema,
    query: (tables) => queryRecordingOperations(tables, DAY_FILTERS),
    corrupt: { durationMinMs: '12' },
  },
  [CALL_VOLUME_TABLE]: { schema: callVolumeRowSchema, query: (tables) => queryCallVolume(tables, DAY_FILTERS), corrupt: { callMs: '60000' } },
  [CALL_QUALITY_TABLE]: { schema: callQualityRowSchema, query: (tables) => queryCallQuality(tables, DAY_FILTERS), corrupt: { jitterMs: '0;x:1' } },
  [CALLS_TABLE]: {
    schema: callRowSchema,
    query: (tables) => queryCalls(tables, DAY_FILTERS),
    corrupt: { recordingCount: '2' },
    rows: (rowKey) => rowKey === CALL_ROW_KEY,
  },
  [`${CALLS_TABLE} recordings`]: {
    schema: recordingRowSchema,
    query: (tables) => queryCalls(tables, DAY_FILTERS),
    corrupt: { chunkCount: 'three' },
    rows: (rowKey) => rowKey.startsWith(SUMMARY_ROW_PREFIX),
  },
};

/** Properties the generated logs do not produce (or only older versions wrote): the schema names them, no row here has them. */
const RARE: Record<string, string[]> = {
  // unsummarizedRecords: only while a write of many transactions to one call is under way, or was cut short.
  [CALLS_TABLE]: ['truncated', 'appliedRecords', 'unsummarizedRecords'],
};

/** The property names a row schema reads (through a transform, the object's). */
function propertiesOf(schema: z.ZodType): string[] {
  const object = schema instanceof ZodPipe ? schema.in : schema;
  if (!(object instanceof ZodObject)) throw new Error('a row schema is an object schema');
  return Object.keys(object.shape);
}

let tables: TableStore;

/** Generated logs of every category, applied to every view through the real store: the rows the views write today. */
beforeAll(async () => {
  tables = newTableStore();
  const from = Date.UTC(2024, 4, 25);
  const files = new Map<string, PositionedRecord[]>();
  for (const append of generateLogs(
    defaultGenerateOptions({ seed: 11, from, to: from + 3 * HOUR, roomsPerHour: 8, callsPerHour: 6, summaryDelayMinutes: [1, 30] }),
  )) {
    const key = `${append.file.container}/${append.file.path}`;
    const records = files.get(key) ?? [];
    files.set(key, records);
    const context = { fileCategory: categoryFromContainer(append.file.container), resourceIdFromPath: resourceIdFromBlobPath(append.file.path) };
    for (const line of append.lines) {
      const result = normalizeRecord(JSON.parse(line) as Record<string, unknown>, context);
      if (result.success) records.push({ position: records.length, record: result.record });
    }
  }
  const sources: RecordSource[] = [...files].map(([key, records], i) => ({ fileId: `f${i}.0`, fileKey: key, records }));
  await applyToViews(tables, ALL_VIEWS, sources, { concurrency: 4 });
  await publishCallContributions(
    tables,
    ALL_VIEWS,
    sources.flatMap((source) => source.records),
    4,
  );
}, 60_000);

/** The table a case is about: `Calls recordings` is the Calls table's `s|` rows. */
const tableOf = (name: string): string => name.split(' ')[0] as string;

async function storedRows(name: string): Promise<StoredRow[]> {
  const picked = TABLES[name]?.rows ?? (() => true);
  const rows: StoredRow[] = [];
  for await (const row of tables.query(tableOf(name), undefined)) if (!row.rowKey.startsWith(RESERVED_ROW_PREFIX) && picked(row.rowKey)) rows.push(row);
  return rows;
}

describe('every row a view writes parses through the schema the view owns', () => {
  it('covers every table the views write', () => {
    const written = [...ALL_VIEWS.map((view) => view.table), ...CONTRIBUTION_VIEWS.map((view) => view.table)];
    expect([...new Set(Object.keys(TABLES).map(tableOf))].sort()).toEqual([...written].sort());
  });

  for (const [table, { schema }] of Object.entries(TABLES)) {
    it(table, async () => {
      const rows = await storedRows(table);
      expect(rows.length).toBeGreaterThan(1);
      const known = new Set(propertiesOf(schema));
      const seen = new Set<string>();
      for (const row of rows) {
        const parsed = schema.safeParse(row.data);
        expect(parsed.error?.issues, `${row.partitionKey} / ${row.rowKey}`).toBeUndefined();
        for (const property of Object.keys(row.data)) seen.add(property);
      }
      // A property the view writes that the schema does not name, or one the schema names that no row has: a name drifted apart.
      expect([...seen].filter((property) => !known.has(property))).toEqual([]);
      expect([...known].filter((property) => !seen.has(property) && !(RARE[table] ?? []).includes(property))).toEqual([]);
    });
  }
});

describe('the bookkeeping rows of aggregate tables parse through their schemas', () => {
  const bookkeeping: [string, string, z.ZodType][] = [
    // A view with a summary row keeps its files' marks in it (SUMMARY_MARKS_FIELD), not in rows.
    ...ALL_VIEWS.filter((view) => !view.summary).map((view): [string, string, z.ZodType] => [view.table, highWaterMarkRowKey(''), highWaterMarkRowSchema]),
    [CALLS_TABLE, LOCATOR_ROW_KEY, locatorRowSchema],
    ...CONTRIBUTION_VIEWS.map((view): [string, string, z.ZodType] => [view.table, CONTRIBUTION_ROW_PREFIX, contributionMarkSchema]),
  ];
  for (const [table, prefix, schema] of bookkeeping) {
    it(`${table} ${prefix}`, async () => {
      let rows = 0;
      for await (const row of tables.query(table, undefined)) {
        if (!row.rowKey.startsWith(prefix)) continue;
        rows++;
        expect(schema.safeParse(row.data).error?.issues, `${row.partitionKey} / ${row.rowKey}`).toBeUndefined();
      }
      expect(rows).toBeGreaterThan(0);
    });
  }
});

describe('a stored row with a wrong type is a clear error in its query, not a silent default', () => {
  for (const [name, { query, corrupt }] of Object.entries(TABLES)) {
    it(name, async () => {
      const own = newTableStore();
      const table = tableOf(name);
      const [row] = await storedRows(name);
      if (!row) throw new Error(`no ${name} rows`);
      if (table === CALLS_TABLE && row.rowKey !== CALL_ROW_KEY) {
        // A recording row is read with its call's row.
        const callRow = (await storedRows(CALLS_TABLE)).find((stored) => stored.partitionKey === row.partitionKey);
        if (!callRow) throw new Error('no call row');
        await putRawRow(own, table, callRow.partitionKey, callRow.rowKey, callRow.data);
      }
      await putRawRow(own, table, row.partitionKey, row.rowKey, { ...row.data, ...corrupt });
      const [property] = Object.keys(corrupt);
      const error = await query(own).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(Error);
      const message = (error as Error).message;
      expect(message).toContain(`table ${table} (partition '${row.partitionKey}', row '${row.rowKey}')`);
      expect(message).toContain(`${property}: `);
    });
  }

  it('retirement reads the Usage table through the same schema', async () => {
    const own = newTableStore();
    const [row] = (await storedRows(USAGE_TABLE)).filter((stored) => stored.data['granularity'] === 'day');
    if (!row) throw new Error('no daily Usage rows');
    await putRawRow(own, USAGE_TABLE, row.partitionKey, row.rowKey, { ...row.data, quantityMicros: '1.5' });
    await expect(queryRetirement(own, DAY_FILTERS)).rejects.toThrow(/table Usage .*quantityMicros: /);
  });
});
