import { describe, expect, it } from 'vitest';
import { CheckpointStore, freshCheckpoint } from '../../src/lib/processing/checkpoints.js';
import { cli } from '../support/cli.js';
import { azuriteConnectionString, newTableStore, uniquePrefix } from '../support/storage.js';

describe('health: records of a category read now that a run passed over', () => {
  it('counts them per container and says, for a container of such a category, that only new tables count them', async () => {
    const prefix = uniquePrefix();
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', prefix];
    const checkpoints = new CheckpointStore(newTableStore(azuriteConnectionString(), prefix));
    const now = Date.now();
    // A version that did not read the call logs yet read a CallSummary file: its checkpoint is past records it counted as unsupported.
    const summary = { container: 'insights-logs-callsummary', path: 'resourceId=/SUBSCRIPTIONS/S/y=2024/m=05/d=25/h=00/m=00/PT1H.json' };
    await checkpoints.save({ ...freshCheckpoint(summary, now), offset: 9000, bytes: 9000, newlines: 9, unsupported: 9 }, undefined);
    await checkpoints.save({ ...freshCheckpoint({ container: 'insights-logs-usage', path: 'u.json' }, now), records: 4 }, undefined);
    // A single file given to process, of a category never read (chat): nothing to say about it.
    await checkpoints.save({ ...freshCheckpoint({ container: 'local', path: 'chat.json' }, now), unsupported: 3 }, undefined);

    const json = await cli(['health', ...storage, '--format', 'json']);
    expect(json.code, json.stderr).toBe(0);
    const containers = (JSON.parse(json.stdout) as { containers: { container: string; unsupported: number; records: number }[] }).containers;
    expect(containers.find((container) => container.container === 'insights-logs-callsummary')).toMatchObject({ records: 0, unsupported: 9 });
    expect(containers.find((container) => container.container === 'insights-logs-usage')).toMatchObject({ records: 4, unsupported: 0 });
    expect(containers.find((container) => container.container === 'local')).toMatchObject({ unsupported: 3 });

    const table = await cli(['health', ...storage]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain(
      [
        'records passed over as of a category not read, which no run reads again (records of another category, or read by a version that did not read that category yet):',
        '  insights-logs-callsummary: 9 (CallSummary)',
        'to count them, process the logs again into new tables: a new --table-prefix (ACS_LOGS_TABLE_PREFIX) with backfill or process (docs/OPERATIONS.md, Reprocessing from scratch)',
      ].join('\n'),
    );
    expect(table.stdout).not.toContain('  local: 3');
  });
});
