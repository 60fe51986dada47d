import { describe, expect, it } from 'vitest';
import { QuarantineStore, type QuarantinedLine } from '../../src/lib/processing/quarantine.js';
import { isPending } from '../../src/lib/processing/quarantineRows.js';
import { newTableStore } from '../support/storage.js';

const FILE = { container: 'insights-logs-roomsoperational', path: 'resourceId=/S/y=2024/m=05/d=25/h=10/m=00/PT1H.json' };

function entry(position: number): QuarantinedLine {
  return {
    ...FILE,
    generation: 0,
    offset: position,
    end: position + 10,
    position,
    line: 1,
    code: 'invalid_json',
    message: 'bad',
    raw: 'not json!',
    rawTruncated: false,
    count: 1,
    scope: 'units',
    quarantinedAt: '2024-05-25T10:00:00.000Z',
    category: 'RoomsOperational',
  };
}

async function only(store: QuarantineStore): Promise<QuarantinedLine> {
  const all: QuarantinedLine[] = [];
  for await (const line of store.list()) all.push(line);
  expect(all).toHaveLength(1);
  return all[0] as QuarantinedLine;
}

describe('dismissing a quarantine entry (Azurite)', () => {
  it('is set once and taken back once, under the row ETag', async () => {
    const store = new QuarantineStore(newTableStore());
    await store.put(FILE, [entry(0)]);
    const listed = await only(store);
    expect(await store.setDismissed(listed, { at: '2024-06-01T00:00:00.000Z', because: 'converted' })).toBe(true);
    expect(await store.setDismissed(listed, { at: '2024-06-02T00:00:00.000Z', because: 'again' })).toBe(false);
    const dismissed = await only(store);
    expect(dismissed).toMatchObject({ dismissedAt: '2024-06-01T00:00:00.000Z', dismissedBecause: 'converted' });
    expect(isPending(dismissed)).toBe(false);
    expect(await store.setDismissed(listed, null)).toBe(true);
    expect(await store.setDismissed(listed, null)).toBe(false);
    const restored = await only(store);
    expect(restored.dismissedAt).toBeUndefined();
    expect(restored.dismissedBecause).toBeUndefined();
    expect(isPending(restored)).toBe(true);
  });

  it('a replay that applied the entry while it was dismissed records both; an applied entry is not dismissed', async () => {
    const store = new QuarantineStore(newTableStore());
    await store.put(FILE, [entry(0)]);
    const listedByReplay = await only(store);
    expect(await store.setDismissed(listedByReplay, { at: '2024-06-01T00:00:00.000Z', because: 'junk' })).toBe(true);
    expect(await store.updateAfterReplay(listedByReplay, { ...listedByReplay, replayedAt: '2024-06-01T00:00:01.000Z', replayedRecords: 1 })).toBe(true);
    expect(await only(store)).toMatchObject({
      replayedAt: '2024-06-01T00:00:01.000Z',
      replayedRecords: 1,
      dismissedAt: '2024-06-01T00:00:00.000Z',
      dismissedBecause: 'junk',
    });
    expect(await store.setDismissed(listedByReplay, null)).toBe(false);
  });
});
