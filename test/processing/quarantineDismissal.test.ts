import { describe, expect, it } from 'vitest';
import { QuarantineStore, type ListedEntry, type QuarantinedLine } from '../../src/lib/processing/quarantine.js';
import { isPending } from '../../src/lib/processing/quarantineRows.js';
import { portOf, startFaultProxy, withPorts } from '../support/faultProxy.js';
import { azuriteConnectionString, newTableStore, uniquePrefix } from '../support/storage.js';

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
  it('a dismissal or purge whose answer was lost, sent again and answered 412 on its own ETag, says it changed the entry', async () => {
    const prefix = uniquePrefix();
    await new QuarantineStore(newTableStore(azuriteConnectionString(), prefix)).put(FILE, [entry(0)]);
    const proxy = await startFaultProxy(portOf(azuriteConnectionString(), 'Table'), { rejectBefore: 0, loseAnswer: 0, seed: 1, loseQuarantineWriteAnswers: 2 });
    try {
      const store = new QuarantineStore(newTableStore(withPorts(azuriteConnectionString(), { table: proxy.port }), prefix));
      const listed = await only(store);
      expect(await store.setDismissed(listed, { at: '2024-06-01T00:00:00.000Z', because: 'converted' })).toBe(true);
      expect(await store.purgeText(await only(store), '2024-06-02T00:00:00.000Z')).toBe(true);
      expect(proxy.injected.lostWrites).toBe(2);
      expect(await only(store)).toMatchObject({ dismissedAt: '2024-06-01T00:00:00.000Z', purgedAt: '2024-06-02T00:00:00.000Z', raw: '' });
      // Another's dismissal or purge, at another time, is not counted as this one's.
      expect(await store.setDismissed(listed, { at: '2024-06-03T00:00:00.000Z', because: 'again' })).toBe(false);
      expect(await store.purgeText(listed, '2024-06-03T00:00:00.000Z')).toBe(false);
    } finally {
      await proxy.close();
    }
  });

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

describe('dismissing and purging listed entries together (Azurite)', () => {
  const dismissal = { at: '2024-06-01T00:00:00.000Z', because: 'junk' };

  async function listedOf(store: QuarantineStore): Promise<ListedEntry[]> {
    const listed: ListedEntry[] = [];
    for await (const one of store.listTagged(FILE)) listed.push(one);
    return listed;
  }

  it('writes 100 entries to a request under the ETags they were listed with, and the purge after it too', async () => {
    const tables = newTableStore();
    const store = new QuarantineStore(tables);
    await store.put(
      FILE,
      Array.from({ length: 250 }, (_, i) => entry(i)),
    );
    const listed = await listedOf(store);
    const before = { ...tables.requests };
    expect(await store.setDismissedListed(listed, dismissal)).toEqual(listed.map(() => true));
    expect(tables.requests.transactions - before.transactions).toBe(3);
    expect(tables.requests.reads + tables.requests.writes).toBe(before.reads + before.writes);
    const dismissed = await listedOf(store);
    expect(dismissed.every(({ line }) => line.dismissedAt === dismissal.at && line.dismissedBecause === 'junk')).toBe(true);
    expect(await store.purgeListed(dismissed, '2024-06-02T00:00:00.000Z')).toEqual(listed.map(() => true));
    expect(
      (await listedOf(store)).every(({ line }) => line.raw === '' && line.purgedAt === '2024-06-02T00:00:00.000Z' && line.dismissedAt === dismissal.at),
    ).toBe(true);
    // Listed before they changed: nothing is changed twice (by a command of its own time: the same dismissal would be taken as this one, its answer lost).
    expect(await store.setDismissedListed(listed, { ...dismissal, at: '2024-06-03T00:00:00.000Z' })).toEqual(listed.map(() => false));
  });

  it('an entry changed since the listing undoes its transaction, whose entries are then changed one by one as stored', async () => {
    const store = new QuarantineStore(newTableStore());
    await store.put(
      FILE,
      Array.from({ length: 150 }, (_, i) => entry(i)),
    );
    const listed = await listedOf(store);
    // Dismissed by another command between the listing and the write: it keeps that dismissal.
    expect(await store.setDismissed((listed[7] as ListedEntry).line, { at: '2024-05-31T00:00:00.000Z', because: 'other' })).toBe(true);
    const changed = await store.setDismissedListed(listed, dismissal);
    expect(changed.filter((one) => !one)).toHaveLength(1);
    expect(changed[7]).toBe(false);
    const stored = await listedOf(store);
    expect(stored.filter(({ line }) => line.dismissedBecause === 'junk')).toHaveLength(149);
    expect((stored[7] as ListedEntry).line.dismissedBecause).toBe('other');
  });
});
