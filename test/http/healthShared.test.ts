import { describe, expect, it } from 'vitest';
import { handleHealth } from '../../src/lib/http/handlers.js';
import { SharedEvaluations } from '../../src/lib/http/sharedEvaluations.js';
import type { Health } from '../../src/lib/querying/queryRows.js';
import { newMemoryTableStore } from '../support/storage.js';

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

describe('health requests at once share one read', () => {
  it('twenty requests while one read runs cost the requests of one read, and all get its answer', async () => {
    const containers = ['insights-logs-roomsoperational', 'insights-logs-usage', 'local'];
    const alone = newMemoryTableStore();
    const single = await handleHealth({ open: () => ({ tables: alone, containers }), logger: quiet });
    const oneRead = alone.requests.reads;
    expect(oneRead).toBeGreaterThan(0);

    const tables = newMemoryTableStore();
    const deps = { open: () => ({ tables, containers }), logger: quiet, evaluations: new SharedEvaluations<Health>(1) };
    const answers = await Promise.all(Array.from({ length: 20 }, () => handleHealth(deps)));
    expect(tables.requests.reads).toBe(oneRead);
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body).containers).toEqual(JSON.parse(single.body).containers);
    }
    // Nothing kept: the next request reads again.
    await handleHealth(deps);
    expect(tables.requests.reads).toBe(2 * oneRead);
  });
});
