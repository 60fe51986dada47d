import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VIEWS, VIEW_NAMES } from '../../src/lib/querying/views.js';

describe('the view registry', () => {
  it('lists the views by the names the CLI offers without loading them, in the same order', () => {
    expect(Object.keys(VIEWS)).toEqual([...VIEW_NAMES]);
  });

  it.each(VIEW_NAMES)('%s: its table columns and additive fields are fields of its rows', (name) => {
    const view = VIEWS[name];
    expect(view).toBeDefined();
    if (!view) return;
    expect(view.tableColumns.length).toBeGreaterThan(0);
    for (const column of [...view.tableColumns, ...(view.additive ?? [])]) expect(view.columns).toContain(column);
  });

  it("docs/QUERYING.md's table of default columns names every view with the columns tables show", () => {
    const docs = readFileSync(new URL('../../docs/QUERYING.md', import.meta.url), 'utf8');
    const documented = new Map<string, string[]>();
    for (const match of docs.matchAll(/^\| `([a-z-]+)` \| ([a-zA-Z, ]+) \|$/gm)) documented.set(match[1] as string, (match[2] as string).split(', '));
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(VIEW_NAMES.map((name) => [name, [...(VIEWS[name]?.tableColumns ?? [])]])));
  });

  it('only the bucket views stream, and only for one resource given by its full id', () => {
    const streaming = VIEW_NAMES.filter((name) => VIEWS[name]?.stream !== undefined);
    expect(streaming.sort()).toEqual(['call-quality', 'call-volume', 'recording-operations', 'recordings', 'rooms-operations', 'usage']);
    const id = '/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/ACS';
    const tables = {} as never;
    for (const name of streaming) {
      const stream = VIEWS[name]?.stream;
      expect(stream?.(tables, { granularity: 'day' })).toBeUndefined();
      expect(stream?.(tables, { granularity: 'day', resourceId: 'ACS' })).toBeUndefined();
      expect(stream?.(tables, { granularity: 'day', resourceId: id + 'X'.repeat(600) })).toBeUndefined();
      expect(stream?.(tables, { granularity: 'day', resourceId: id })).toBeDefined();
    }
  });
});

describe('views without time buckets', () => {
  it('the list the dashboard uses is the views whose rows have no bucket', async () => {
    const { UNBUCKETED_VIEWS } = await import('../../src/lib/querying/bucketNote.js');
    expect([...UNBUCKETED_VIEWS].sort()).toEqual(
      Object.keys(VIEWS)
        .filter((view) => !VIEWS[view]!.columns.includes('bucket'))
        .sort(),
    );
  });
});
