import { TableServiceClient } from '@azure/data-tables';
import { describe, expect, it } from 'vitest';
import { handleHealth, handleQuery } from '../../src/lib/http/handlers.js';
import { silentLogger } from '../../src/lib/logging.js';
import { VIEW_NAMES } from '../../src/lib/querying/viewNames.js';
import { azuriteConnectionString, newTableStore, uniquePrefix } from '../support/storage.js';

async function tablesNamed(prefix: string): Promise<string[]> {
  const service = TableServiceClient.fromConnectionString(azuriteConnectionString(), { allowInsecureConnection: true });
  const names: string[] = [];
  for await (const table of service.listTables()) if (table.name?.startsWith(prefix) === true) names.push(table.name);
  return names;
}

describe('reading a store that holds nothing yet', () => {
  it('answers every view and the health check empty, and creates no table (a reader may have no right to)', async () => {
    const prefix = uniquePrefix();
    const tables = newTableStore(undefined, prefix);
    const deps = { tables: () => tables, logger: silentLogger };
    for (const view of VIEW_NAMES) {
      for (const params of [new URLSearchParams(), new URLSearchParams({ from: '2024-05-25T00:00:00Z', to: '2024-05-27T00:00:00Z', granularity: 'hour' })]) {
        const answer = await handleQuery(view, params, () => null, deps);
        expect(answer.status, `${view} ${params.toString()}: ${String(answer.body)}`).toBe(200);
      }
    }
    const health = await handleHealth({ open: () => ({ tables, containers: ['insights-logs-usage'] }), logger: silentLogger });
    expect(health.status).toBe(200);
    expect(await tablesNamed(prefix)).toEqual([]);
  });
});
