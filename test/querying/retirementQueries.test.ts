import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { fateOf, mappedUsageTypes } from '../../src/lib/aggregating/usage/retirementFates.js';
import { processFile } from '../../src/lib/processing/processFile.js';
import { queryRetirement } from '../../src/lib/querying/retirementQueries.js';
import { VIEWS } from '../../src/lib/querying/views.js';
import type { TableStore } from '../../src/lib/storage/TableStore.js';
import { asJsonLines, DAY, recordingBlobPath, RESOURCE, RESOURCE_2, usageRecord } from '../support/recordingLogs.js';
import { appendToBlob, azuriteConnectionString, newContainer, newTableStore, testDeps } from '../support/storage.js';

const JUNE = Date.UTC(2024, 5, 3, 12);

describe('the retirement mapping', () => {
  it('maps UsageTypes without regard to case or punctuation, and leaves anything unlisted unknown', () => {
    expect(fateOf('Audio')).toMatchObject({ fate: 'breaking change', service: 'Voice/Video Calling' });
    expect(fateOf('AUDIO').fate).toBe('breaking change');
    expect(fateOf('Job Router')).toMatchObject({ fate: 'retired', service: 'Job Router' });
    expect(fateOf('sms').fate).toBe('retired');
    expect(fateOf('PSTN').fate).toBe('retired');
    expect(fateOf('NAT')).toMatchObject({ fate: 'unknown', service: '(unknown)' });
    expect(fateOf('').fate).toBe('unknown');
    expect(fateOf('__proto__').fate).toBe('unknown');
  });

  it('gives every mapped UsageType a source, and says which spellings are not documented', () => {
    for (const [usageType, entry] of mappedUsageTypes()) {
      expect(entry.source, usageType).toMatch(/retirement-and-breaking-changes-guide/);
      if (usageType !== 'audio') expect(entry.source, usageType).toMatch(/inferred/);
    }
    expect(fateOf('audio').source).toMatch(/acsbillingusage\.md/);
  });
});

describe('query retirement, against Azurite', () => {
  let tables: TableStore;
  beforeAll(async () => {
    const records = [
      usageRecord({ time: DAY + 3_600_000, usageType: 'Audio', quantity: 0.1 }),
      usageRecord({ time: DAY + 2 * 86_400_000, usageType: 'audio', quantity: '0.2' }),
      usageRecord({ time: DAY + 3 * 86_400_000, usageType: 'Audio', quantity: 0.2 }),
      usageRecord({ time: DAY + 3_600_000, usageType: 'PSTN', quantity: 3 }),
      usageRecord({ time: DAY + 3_600_000, usageType: 'NAT', unitType: 'Megabyte', quantity: 12.5 }),
      usageRecord({ time: JUNE, usageType: 'Audio', quantity: 1 }),
      usageRecord({ time: JUNE, usageType: 'Chat', unitType: 'Message', quantity: 4, resource: RESOURCE_2 }),
    ];
    const box = await newContainer(azuriteConnectionString(), `insights-logs-usage-${randomBytes(4).toString('hex')}`);
    await appendToBlob(box, recordingBlobPath(DAY, 1), asJsonLines(records));
    tables = newTableStore();
    await processFile({ container: box.containerName, path: recordingBlobPath(DAY, 1) }, testDeps(tables));
  });

  it('sums usage per resource and month, exactly, each with its fate and source', async () => {
    const rows = await queryRetirement(tables, { granularity: 'day' });
    expect(rows.map(({ source: _s, ...rest }) => rest)).toEqual([
      {
        month: '2024-05',
        resourceId: RESOURCE,
        usageType: 'Audio',
        unitType: 'Minute',
        quantity: 0.3,
        records: 2,
        service: 'Voice/Video Calling',
        fate: 'breaking change',
      },
      { month: '2024-05', resourceId: RESOURCE, usageType: 'NAT', unitType: 'Megabyte', quantity: 12.5, records: 1, service: '(unknown)', fate: 'unknown' },
      {
        month: '2024-05',
        resourceId: RESOURCE,
        usageType: 'PSTN',
        unitType: 'Minute',
        quantity: 3,
        records: 1,
        service: 'Number Management (Direct Offer) PSTN',
        fate: 'retired',
      },
      {
        month: '2024-05',
        resourceId: RESOURCE,
        usageType: 'audio',
        unitType: 'Minute',
        quantity: 0.2,
        records: 1,
        service: 'Voice/Video Calling',
        fate: 'breaking change',
      },
      {
        month: '2024-06',
        resourceId: RESOURCE,
        usageType: 'Audio',
        unitType: 'Minute',
        quantity: 1,
        records: 1,
        service: 'Voice/Video Calling',
        fate: 'breaking change',
      },
      { month: '2024-06', resourceId: RESOURCE_2, usageType: 'Chat', unitType: 'Message', quantity: 4, records: 1, service: 'Chat', fate: 'retired' },
    ]);
    expect(Object.keys(rows[0] ?? {})).toEqual(VIEWS['retirement']!.columns);
  });

  it('filters by resource and by the days of --from/--to', async () => {
    expect((await queryRetirement(tables, { granularity: 'day', resourceId: RESOURCE_2 })).map((r) => r.usageType)).toEqual(['Chat']);
    const may = await queryRetirement(tables, { granularity: 'hour', from: new Date(DAY).toISOString(), to: new Date(DAY + 2 * 86_400_000).toISOString() });
    expect(may.find((r) => r.usageType === 'Audio')).toMatchObject({ month: '2024-05', quantity: 0.1, records: 1 });
    expect(may.some((r) => r.month === '2024-06')).toBe(false);
  });
});
