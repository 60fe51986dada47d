import { describe, expect, it } from 'vitest';
import { roomsView } from '../../src/lib/aggregating/index.js';
import { applyToViews, type PositionedRecord } from '../../src/lib/processing/applyExactlyOnce.js';
import { PartitionCache } from '../../src/lib/processing/partitionCache.js';
import type { TableStore } from '../../src/lib/storage/TableStore.js';
import { addParticipantsRecord, normalizeAll } from '../support/roomsLogs.js';
import { newTableStore, readAggregates, referenceAggregates } from '../support/storage.js';

/** One AddParticipants record a minute, from `firstMinute` past midnight, one for each room given. */
function records(rooms: readonly string[], firstMinute: number): Record<string, unknown>[] {
  return rooms.map((room, i) => addParticipantsRecord(new Date(Date.UTC(2024, 4, 25, 0, firstMinute + i)).toISOString(), i + 1, room));
}

function positioned(raw: readonly Record<string, unknown>[], first: number): PositionedRecord[] {
  return normalizeAll(raw).map((record, i) => ({ position: first + i, record }));
}

async function write(tables: TableStore, fileId: string, records: PositionedRecord[], cache?: PartitionCache): Promise<void> {
  await applyToViews(tables, [roomsView], [{ fileId, fileKey: `c/${fileId}`, records }], { concurrency: 1, ...(cache ? { cache } : {}) });
}

describe('a run whose cache holds a file mark that another run has moved since', () => {
  it('does not apply again the records the other run applied to rows it had not read yet (Azurite)', async () => {
    const other = newTableStore();
    const run = newTableStore(undefined, other.prefix);
    // Another file made the resource's Rooms partition earlier, so the run reads it instead of assuming it new.
    const earlier = records(['room-3'], 0);
    await write(other, 'g.0', positioned(earlier, 0));
    // The file: its first ten records touch rooms 1 and 3, its next ten room 2 only.
    const head = records(['room-3', ...Array.from({ length: 9 }, () => 'room-1')], 10);
    const rest = records(
      Array.from({ length: 10 }, () => 'room-2'),
      20,
    );
    const cache = new PartitionCache(run);

    // The run writes the file's first segment and keeps the partition's rows and the file's mark in its cache.
    await write(run, 'f.0', positioned(head, 0), cache);
    // Meanwhile another run reads the file further in one segment: it applies the next ten records, all to
    // room 2, which the first run has not read, so the rows that run holds are still current; only the mark moved.
    await write(other, 'f.0', positioned([...head, ...rest], 0));
    // The first run writes its next segment: the mark it holds says those records are not in yet. Only the
    // mark's ETag tells it that another writer moved the mark.
    await write(run, 'f.0', positioned(rest, 10), cache);

    expect(await readAggregates(other, [roomsView])).toEqual(referenceAggregates(normalizeAll([...earlier, ...head, ...rest]), [roomsView]));
  });
});
