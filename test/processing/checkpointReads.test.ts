import { describe, expect, it } from 'vitest';
import { CheckpointStore, freshCheckpoint } from '../../src/lib/processing/checkpoints.js';
import type { LogFileRef } from '../../src/lib/storage/LogSource.js';
import { newMemoryTableStore, newTableStore } from '../support/storage.js';

const files = (container: string, count: number): LogFileRef[] =>
  Array.from({ length: count }, (_, i) => ({ container, path: `resourceId=/R/y=2024/m=05/d=25/h=${String(i).padStart(2, '0')}/m=00/PT1H-${i}.json` }));

describe("checkpoint reads a run's files start together", () => {
  it.each([
    ['in memory', newMemoryTableStore],
    ['on Azurite', () => newTableStore()],
  ])('cost a few reads per container, not one per file, and answer each file in the order asked (%s)', async (_, store) => {
    const tables = store();
    const saved = [...files('insights-logs-usage', 60), ...files('insights-logs-roomsoperational', 40)];
    const checkpoints = new CheckpointStore(tables);
    for (const [i, file] of saved.entries()) {
      expect(await checkpoints.save({ ...freshCheckpoint(file, 0), offset: i, records: i }, undefined)).toBe(true);
    }
    const never = files('insights-logs-callsummary', 5);
    // Containers interleaved and each one's files out of order: the answers must follow this order, not the containers'.
    const asked = [...saved, ...never]
      .map((file, i) => ({ file, key: (i * 37) % 105 }))
      .sort((a, b) => a.key - b.key)
      .map(({ file }) => file);
    const before = tables.requests.reads;
    const answered: LogFileRef[] = [];
    const loaded = await Promise.all(
      asked.map(async (file) => {
        const checkpoint = await new CheckpointStore(tables).get(file);
        answered.push(file);
        return checkpoint;
      }),
    );
    expect(tables.requests.reads - before).toBeLessThanOrEqual(6);
    expect(answered).toEqual(asked);
    asked.forEach((file, i) => {
      const at = saved.indexOf(file);
      if (at < 0) expect(loaded[i]).toBeUndefined();
      else expect([loaded[i]?.checkpoint.path, loaded[i]?.checkpoint.offset]).toEqual([file.path, at]);
    });
  });
});
