import { describe, expect, it } from 'vitest';
import type { AggregateView } from '../../src/lib/aggregating/index.js';
import type { NormalizedRecord } from '../../src/lib/normalizing/types.js';
import { applyToViews, type PositionedRecord } from '../../src/lib/processing/applyExactlyOnce.js';
import type { CommitOutcome, RowWrite } from '../../src/lib/storage/TableStore.js';
import { WrappedTableStore } from '../support/wrappedTableStore.js';
import { newMemoryTableStore } from '../support/storage.js';

/** A view of one row per partition, a partition per record's `id`, counting its records. */
function countingView(table: string): AggregateView {
  return {
    table,
    route: (record) => ({ partitionKey: String((record as unknown as { id: string }).id), rowKeys: ['count'] }),
    apply: (_record, rows) => {
      const row = rows[0] as Record<string, unknown>;
      row['count'] = ((row['count'] as number | undefined) ?? 0) + 1;
    },
  };
}

/**
 * 'Slow' is an unpacked table (32 of its partitions at once), 'Spread' one spread over 16 physical
 * partitions (the pool holds 512): commits to 'Slow' take a while, and making 'Spread' fails.
 */
class SpreadStore extends WrappedTableStore {
  failing = true;
  failedAt: number | undefined;
  commitsAfterFailure = 0;

  override physicalSpread(logicalName: string): number {
    return logicalName === 'Spread' ? 16 : 1;
  }

  override async ensureTable(logicalName: string): Promise<void> {
    if (logicalName === 'Spread' && this.failing) {
      this.failedAt = Date.now();
      throw new Error('storage unreachable');
    }
    return super.ensureTable(logicalName);
  }

  override async commit(logicalName: string, partitionKey: string, writes: readonly RowWrite[]): Promise<CommitOutcome> {
    if (this.failedAt !== undefined) this.commitsAfterFailure++;
    await new Promise((resolve) => setTimeout(resolve, 20));
    return super.commit(logicalName, partitionKey, writes);
  }
}

describe('a write that fails while partitions wait for their place', () => {
  it('starts none of them when the failure is the next view’s (its table could not be made), not a partition’s', async () => {
    const store = new SpreadStore(newMemoryTableStore());
    const records: PositionedRecord[] = Array.from({ length: 200 }, (_, position) => ({
      position,
      record: { id: `call-${position}` } as unknown as NormalizedRecord,
    }));
    await expect(
      applyToViews(store, [countingView('Slow'), countingView('Spread')], [{ fileId: 'f', fileKey: 'c/f', records }], { concurrency: 32 }),
    ).rejects.toThrow('storage unreachable');
    // The 32 partitions in flight as it failed may end their commits; the 168 waiting start none.
    expect(store.failedAt).toBeDefined();
    expect(store.commitsAfterFailure).toBeLessThanOrEqual(32);

    // Run again once the store answers: every record counted once in each view.
    store.failing = false;
    await applyToViews(store, [countingView('Slow'), countingView('Spread')], [{ fileId: 'f', fileKey: 'c/f', records }], { concurrency: 32 });
    for (const table of ['Slow', 'Spread']) {
      const counts: unknown[] = [];
      for await (const row of store.query(table, undefined)) if (row.rowKey === 'count') counts.push(row.data['count']);
      expect(counts, table).toEqual(Array.from({ length: 200 }, () => 1));
    }
  });
});

/** 'Slow' is unpacked (32 of its partitions at once) and its commits take a while; 'Spread' sizes the pool for 512. */
class SlowCommits extends WrappedTableStore {
  commits = 0;
  override physicalSpread(logicalName: string): number {
    return logicalName === 'Spread' ? 16 : 1;
  }
  override async commit(logicalName: string, partitionKey: string, writes: readonly RowWrite[]): Promise<CommitOutcome> {
    if (logicalName === 'Slow') this.commits++;
    await new Promise((resolve) => setTimeout(resolve, 5));
    return super.commit(logicalName, partitionKey, writes);
  }
}

describe('a view of a write', () => {
  it('is routed only once every partition of the views before it has started, not while hundreds wait for their place', async () => {
    const store = new SlowCommits(newMemoryTableStore());
    const records: PositionedRecord[] = Array.from({ length: 200 }, (_, position) => ({
      position,
      record: { id: `call-${position}` } as unknown as NormalizedRecord,
    }));
    // The Slow partitions started when the next view began routing: it holds an item per record routed until they are written.
    let startedWhenRouted: number | undefined;
    const next = countingView('Spread');
    const routed: AggregateView = {
      ...next,
      route: (record) => {
        startedWhenRouted ??= store.commits;
        return next.route(record);
      },
    };
    await applyToViews(store, [countingView('Slow'), routed], [{ fileId: 'f', fileKey: 'c/f', records }], { concurrency: 32 });
    expect(startedWhenRouted).toBeGreaterThan(200 - 32);
  });
});
