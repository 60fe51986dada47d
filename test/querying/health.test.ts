import { describe, expect, it } from 'vitest';
import { CheckpointStore, freshCheckpoint } from '../../src/lib/processing/checkpoints.js';
import { readHealth, REPLACED_FILES_LISTED } from '../../src/lib/querying/health.js';
import { newTableStore } from '../support/storage.js';

describe('readHealth: replaced files', () => {
  it('counts the replacements per container and lists the newest replaced files first, bounded', async () => {
    const tables = newTableStore();
    const checkpoints = new CheckpointStore(tables);
    const container = 'insights-logs-usage';
    const at = (minute: number): string => new Date(Date.UTC(2026, 10, 1, 0, minute)).toISOString();
    // 25 replaced files (one replaced twice, two recorded before the time was kept), and one never replaced.
    for (let i = 0; i < 25; i++) {
      const file = { container, path: `file-${String(i).padStart(2, '0')}.json` };
      await checkpoints.save(
        {
          ...freshCheckpoint(file, Date.now()),
          generation: i === 7 ? 2 : 1,
          replacements: i === 7 ? 2 : 1,
          replacedAt: i < 2 ? null : at((i * 17) % 50),
          replacedBecause: 'tail',
        },
        undefined,
      );
    }
    await checkpoints.save(freshCheckpoint({ container, path: 'steady.json' }, Date.now()), undefined);

    const health = (await readHealth(tables, [container])).containers[0];

    expect(health?.replacements).toBe(26);
    expect(health?.replacedFiles).toHaveLength(REPLACED_FILES_LISTED);
    const times = health?.replacedFiles.map((file) => file.replacedAt) ?? [];
    expect(times).toEqual([...times].sort().reverse());
    expect(times.every((time) => time !== null)).toBe(true);
    expect(health?.replacedFiles[0]).toMatchObject({ because: 'tail', generation: expect.any(Number) });
    expect(health?.replacedFiles.some((file) => file.path === 'steady.json')).toBe(false);
  });
});
