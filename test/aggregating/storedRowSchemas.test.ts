import { beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  ALL_VIEWS, CONTRIBUTION_VIEWS, RECORDING_OPERATIONS_TABLE, RECORDINGS_TABLE, ROOMS_OPERATIONS_TABLE, ROOMS_TABLE, USAGE_TABLE,
} from '../../src/lib/aggregating/index.js';
import { recordingOperationsRowSchema, recordingsRowSchema } from '../../src/lib/aggregating/recordings/recordingRows.js';
import { roomRowSchema, roomsOperationsRowSchema } from '../../src/lib/aggregating/rooms/roomsRows.js';
import { usageRowSchema } from '../../src/lib/aggregating/usage/usageRows.js';
import { defaultGenerateOptions, generateLogs } from '../../src/lib/generating/index.js';
import { categoryFromContainer, normalizeRecord, resourceIdFromBlobPath } from '../../src/lib/normalizing/index.js';
import { applyToViews, type PositionedRecord, type RecordSource } from '../../src/lib/processing/applyExactlyOnce.js';
import { publishCallContributions } from '../../src/lib/processing/publishCallContributions.js';
import type { ViewFilters } from '../../src/lib/querying/filters.js';
import { queryRecordingOperations, queryRecordings } from '../../src/lib/querying/recordingQueries.js';
import { queryRetirement } from '../../src/lib/querying/retirementQueries.js';
import { queryRooms, queryRoomsOperations } from '../../src/lib/querying/roomsQueries.js';
import { queryUsage } from '../../src/lib/querying/usageQueries.js';
import { RESERVED_ROW_PREFIX } from '../../src/lib/storage/keys.js';
import type { StoredRow, TableStore } from '../../src/lib/storage/TableStore.js';
import { newTableStore, putRawRow } from '../support/storage.js';

const HOUR = 3_600_000;
const DAY_FILTERS: ViewFilters = { granularity: 'day' };

/** Per table: the schema its view owns, and a query that reads the table through it. */
const TABLES: Record<string, { schema: z.ZodType; query: (tables: TableStore) => Promise<unknown>; corrupt: Record<string, unknown> }> = {
  [USAGE_TABLE]: { schema: usageRowSchema, query: (tables) => queryUsage(tables, DAY_FILTERS), corrupt: { records: 'many' } },
  [ROOMS_OPERATIONS_TABLE]: { schema: roomsOperationsRowSchema, query: (tables) => queryRoomsOperations(tables, DAY_FILTERS), corrupt: { count: '3' } },
  [ROOMS_TABLE]: { schema: roomRowSchema, query: (tables) => queryRooms(tables, DAY_FILTERS), corrupt: { participantsAdded: true } },
  [RECORDINGS_TABLE]: { schema: recordingsRowSchema, query: (tables) => queryRecordings(tables, DAY_FILTERS), corrupt: { byFormat: '{"MP4":"two"}' } },
  [RECORDING_OPERATIONS_TABLE]: {
    schema: recordingOperationsRowSchema, query: (tables) => queryRecordingOperations(tables, DAY_FILTERS), corrupt: { durationMinMs: '12' },
  },
};

let tables: TableStore;

/** Generated logs of every category, applied to every view through the real store: the rows the views write today. */
beforeAll(async () => {
  tables = newTableStore();
  const from = Date.UTC(2024, 4, 25);
  const files = new Map<string, PositionedRecord[]>();
  for (const append of generateLogs(defaultGenerateOptions({ seed: 11, from, to: from + 3 * HOUR, roomsPerHour: 8, callsPerHour: 6, summaryDelayMinutes: [1, 30] }))) {
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
  await publishCallContributions(tables, ALL_VIEWS, sources.flatMap((source) => source.records), 4);
}, 60_000);

async function storedRows(table: string): Promise<StoredRow[]> {
  const rows: StoredRow[] = [];
  for await (const row of tables.query(table, undefined)) if (!row.rowKey.startsWith(RESERVED_ROW_PREFIX)) rows.push(row);
  return rows;
}

describe('every row a view writes parses through the schema the view owns', () => {
  it('covers every table the views write', () => {
    const written = [...ALL_VIEWS.map((view) => view.table), ...CONTRIBUTION_VIEWS.map((view) => view.table)];
    expect(Object.keys(TABLES).every((table) => written.includes(table))).toBe(true);
  });

  for (const [table, { schema }] of Object.entries(TABLES)) {
    it(table, async () => {
      const rows = await storedRows(table);
      expect(rows.length).toBeGreaterThan(3);
      for (const row of rows) {
        const parsed = schema.safeParse(row.data);
        expect(parsed.error?.issues, `${row.partitionKey} / ${row.rowKey}`).toBeUndefined();
      }
    });
  }
});

describe('a stored row with a wrong type is a clear error in its query, not a silent default', () => {
  for (const [table, { query, corrupt }] of Object.entries(TABLES)) {
    it(table, async () => {
      const own = newTableStore();
      const [row] = await storedRows(table);
      if (!row) throw new Error(`no ${table} rows`);
      await putRawRow(own, table, row.partitionKey, row.rowKey, { ...row.data, ...corrupt });
      const [property] = Object.keys(corrupt);
      const error = await query(own).then(() => undefined, (e: unknown) => e);
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
