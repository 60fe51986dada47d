import { describe, expect, it } from 'vitest';
import { CheckpointStore, freshCheckpoint } from '../../src/lib/processing/checkpoints.js';
import type { CommitOutcome, RowWrite } from '../../src/lib/storage/TableStore.js';
import { MemoryTableStore } from '../../src/lib/storage/memoryTableStore.js';
import { WrappedTableStore } from '../support/wrappedTableStore.js';

const FILE = { container: 'insights-logs-roomsoperational', path: 'resourceId=/SUBSCRIPTIONS/X/y=2024/m=05/d=25/h=10/m=00/PT1H.json' };

/** Storage takes each conditional write, its answer is lost, and the SDK's retry is refused by the write's own condition. */
class LostAnswers extends WrappedTableStore {
  override async writeConditional(logicalName: string, partitionKey: string, write: RowWrite): Promise<CommitOutcome> {
    await super.writeConditional(logicalName, partitionKey, write);
    return super.writeConditional(logicalName, partitionKey, write);
  }
}

describe('checkpoint saves whose answer was lost', () => {
  it('a save that storage took, then refused when sent again, is the save of this run (not a race lost to another)', async () => {
    const checkpoints = new CheckpointStore(new LostAnswers(new MemoryTableStore('Lost')));
    const first = freshCheckpoint(FILE, Date.parse('2026-12-06T10:00:00Z'));
    expect(await checkpoints.save(first, undefined)).toBe(true);
    const loaded = await checkpoints.get(FILE);
    const moved = { ...first, offset: 500, records: 3, updatedAt: '2026-12-06T10:00:01.000Z' };
    expect(await checkpoints.save(moved, loaded?.etag)).toBe(true);
    expect((await checkpoints.get(FILE))?.checkpoint).toMatchObject({ offset: 500, records: 3 });
  });

  it('a save refused because another run moved the checkpoint is still a race lost', async () => {
    const tables = new MemoryTableStore('Race');
    const ours = new CheckpointStore(tables);
    const first = freshCheckpoint(FILE, Date.parse('2026-12-06T10:00:00Z'));
    expect(await ours.save(first, undefined)).toBe(true);
    const read = (await ours.get(FILE))?.etag;
    expect(await new CheckpointStore(tables).save({ ...first, offset: 900, updatedAt: '2026-12-06T10:00:02.000Z' }, read)).toBe(true);
    expect(await ours.save({ ...first, offset: 500, updatedAt: '2026-12-06T10:00:01.000Z' }, read)).toBe(false);
    expect(await ours.save({ ...first, offset: 900, updatedAt: '2026-12-06T10:00:01.000Z' }, undefined)).toBe(false);
  });

  it('another run saving the same bytes in the same millisecond (a watch and a demo on one store) still wins the race: its records are its own', async () => {
    const tables = new MemoryTableStore('SameMoment');
    const first = freshCheckpoint(FILE, Date.parse('2026-12-06T10:00:00Z'));
    expect(await new CheckpointStore(tables).save(first, undefined)).toBe(true);
    const read = (await new CheckpointStore(tables).get(FILE))?.etag;
    const same = { ...first, offset: 900, records: 7, updatedAt: '2026-12-06T10:00:02.000Z' };
    expect(await new CheckpointStore(tables).save(same, read)).toBe(true);
    expect(await new CheckpointStore(tables).save(same, read)).toBe(false);
  });
});
