import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { processFile } from '../../src/lib/processing/processFile.js';
import { VIEWS } from '../../src/lib/querying/views.js';
import type { TableStore } from '../../src/lib/storage/TableStore.js';
import { asJsonLines, DAY, RESOURCE, recordingBlobPath, usageRecord } from '../support/recordingLogs.js';
import { appendToBlob, azuriteConnectionString, newContainer, newTableStore, testDeps } from '../support/storage.js';

// The call logs' samples write the ARM id without its leading slash; the path and other records write it with one.
const WITHOUT_SLASH = RESOURCE.slice(1).toLowerCase();

describe('one resource whatever the spelling of its id, against Azurite', () => {
  let tables: TableStore;
  beforeAll(async () => {
    const records = [
      usageRecord({ time: DAY + 3_600_000, quantity: 1 }),
      usageRecord({ time: DAY + 3_600_000 + 1000, quantity: 2, resource: WITHOUT_SLASH }),
      usageRecord({ time: DAY + 3_600_000 + 2000, quantity: 4, resource: `  ${RESOURCE.toLowerCase()} ` }),
    ];
    const box = await newContainer(azuriteConnectionString(), `insights-logs-usage-${randomBytes(4).toString('hex')}`);
    await appendToBlob(box, recordingBlobPath(DAY, 1), asJsonLines(records));
    tables = newTableStore();
    await processFile({ container: box.containerName, path: recordingBlobPath(DAY, 1) }, testDeps(tables));
  });

  it('counts the records of every spelling under the id with its slash', async () => {
    const rows = await VIEWS['usage']!.run(tables, { granularity: 'day' });
    expect(rows).toEqual([expect.objectContaining({ resourceId: RESOURCE, quantity: 7, records: 3 })]);
  });

  it('finds them with the id given either way', async () => {
    for (const resourceId of [RESOURCE, WITHOUT_SLASH, `${WITHOUT_SLASH}/`]) {
      const rows = await VIEWS['usage']!.run(tables, { granularity: 'day', resourceId });
      expect(rows, resourceId).toEqual([expect.objectContaining({ resourceId: RESOURCE, quantity: 7 })]);
    }
  });
});
