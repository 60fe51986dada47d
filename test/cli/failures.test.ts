import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTestDir } from '../support/embedded.js';
import { cli } from '../support/cli.js';
import { portOf, startFaultProxy, withPorts, type FaultProxy } from '../support/faultProxy.js';
import { asJsonLines, blobPath, roomsRecords } from '../support/roomsLogs.js';
import { appendToBlob, azuriteConnectionString, newContainer, uniquePrefix } from '../support/storage.js';

const resource = (name: string): string => `/SUBSCRIPTIONS/0/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/${name}`;
const FINE = ['ACSA', 'ACSB', 'ACSC'].map(resource);
/** Every transaction that writes this resource's aggregates is refused by storage. */
const POISON = resource('POISONED');

let work: string;
let proxy: FaultProxy;
let refusing: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'acs-logs-failures-'));
  proxy = await startFaultProxy(portOf(azuriteConnectionString(), 'Table'), { rejectBefore: 0, loseAnswer: 0, seed: 1, refuseWritesHolding: 'POISONED' });
  refusing = withPorts(azuriteConnectionString(), { table: proxy.port });
});
afterAll(async () => {
  await proxy.close();
  await removeTestDir(work);
});

async function localTree(name: string, resources: readonly string[], badLine = false): Promise<string> {
  const root = path.join(work, name);
  for (const [i, id] of resources.entries()) {
    const file = path.join(root, 'insights-logs-roomsoperational', blobPath(1, id));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, asJsonLines(roomsRecords(10, 500 + i, 5, id)) + (badLine ? 'not json\n' : ''));
  }
  return root;
}

describe('exit codes: bad input is not a failure, a failing file is', () => {
  it('process: bad lines exit 0; a file storage refuses exits 1 after every other file, naming how many and where to look', async () => {
    const prefix = uniquePrefix();
    const bad = await cli(['process', await localTree('bad', FINE, true), '--connection-string', azuriteConnectionString(), '--table-prefix', prefix]);
    expect(bad.stderr).toBe('');
    expect(bad.code).toBe(0);
    expect(bad.stdout).toMatch(/3 file\(s\), 3 with new data: 30 records, 3 bad lines quarantined/);

    const failing = await cli(['process', await localTree('poisoned', [...FINE, POISON]), '--connection-string', refusing, '--table-prefix', uniquePrefix()]);
    expect(failing.code).toBe(1);
    expect(failing.stdout).toMatch(/4 file\(s\), 3 with new data: 30 records, 0 bad lines quarantined/);
    expect(failing.stderr).toMatch(/POISONED.*failed/);
    expect(failing.stderr.trim().split('\n').at(-1)).toMatch(/^acs-logs: 1 of 4 file\(s\) failed .*acs-logs health/);
  });

  it('a local file outside a laid-out tree is named by its own path in warnings and in health, not as local//...', async () => {
    const exportFile = path.join(work, 'export-poisoned.json');
    await writeFile(exportFile, asJsonLines(roomsRecords(10, 520, 5, POISON)));
    const prefix = uniquePrefix();
    const failing = await cli(['process', exportFile, '--connection-string', refusing, '--table-prefix', prefix]);
    expect(failing.code).toBe(1);
    expect(failing.stderr).toContain(`${exportFile}: file failed`);
    expect(failing.stderr).not.toContain('local/');

    const table = await cli(['health', '--connection-string', refusing, '--table-prefix', prefix]);
    expect(table.stdout).toMatch(/1 stuck file/);
    expect(table.stdout).toContain(`\n  ${exportFile}\n`);
    expect(table.stdout).not.toContain('local/');
  });

  it('backfill: bad lines exit 0; a failing file exits 1; health lists it as stuck (exit 0, or 3 with --fail-on-degraded)', async () => {
    const container = await newContainer();
    const name = container.containerName;
    for (const [i, id] of [...FINE, POISON].entries()) {
      await appendToBlob(container, blobPath(1, id), asJsonLines(roomsRecords(10, 510 + i, 5, id)) + (i === 0 ? 'not json\n' : ''));
    }
    const prefix = uniquePrefix();
    const storage = ['--connection-string', refusing, '--table-prefix', prefix, '--container', name];

    const failing = await cli(['backfill', ...storage]);
    expect(failing.code).toBe(1);
    expect(failing.stdout).toMatch(/backfill done: 4 file\(s\), 30 records, 1 bad lines quarantined, .*1 failed/);
    expect(failing.stderr.trim().split('\n').at(-1)).toMatch(/^acs-logs: 1 of 4 file\(s\) failed .*acs-logs health/);

    const health = await cli(['health', ...storage, '--format', 'json']);
    expect(health.code).toBe(0);
    const body = JSON.parse(health.stdout) as { status: string; stuck: Array<Record<string, unknown>> };
    expect(body.status).toBe('degraded');
    expect(body.stuck).toEqual([
      expect.objectContaining({ container: name, path: blobPath(1, POISON), failures: 1, lastError: expect.stringMatching(/^400 \S+: injected/) }),
    ]);

    const table = await cli(['health', ...storage]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^status: degraded/m);
    expect(table.stdout).toMatch(/1 stuck file/);
    expect(table.stdout).toMatch(/POISONED/);
    expect((await cli(['health', ...storage, '--fail-on-degraded'])).code).toBe(3);
    // Without --container too: no setting names the container, and what waits there still counts.
    const everywhere = ['--connection-string', refusing, '--table-prefix', prefix];
    const found = JSON.parse((await cli(['health', ...everywhere, '--format', 'json'])).stdout) as { status: string; containers: Array<{ container: string }> };
    expect(found.status).toBe('degraded');
    expect(found.containers.map((entry) => entry.container)).toContain(name);
    expect((await cli(['health', ...everywhere, '--fail-on-degraded'])).code).toBe(3);

    // Bad lines alone: exit 0.
    const backfillUnder = (prefix: string) =>
      cli(['backfill', '--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix(), '--container', name, '--prefix', prefix]);
    const clean = await backfillUnder(`resourceId=${FINE[0]}/`);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/backfill done: 1 file\(s\), 10 records, 1 bad lines quarantined/);
    // A selection that matches nothing (a prefix in lower case) is said to, not passed for a finished run.
    const none = await backfillUnder(`resourceId=${FINE[0]}/`.toLowerCase());
    expect(none.code).toBe(0);
    expect(none.stdout).toMatch(/backfill done: 0 file\(s\), 0 records/);
    expect(none.stderr).toContain(`note: no blob of ${name} matched --prefix "${`resourceId=${FINE[0]}/`.toLowerCase()}"; a prefix is matched case for case`);
  });
});

describe('configuration errors end a run with a readable reason', () => {
  const badKey = azuriteConnectionString().replace(/AccountKey=[^;]+/, `AccountKey=${Buffer.from('x'.repeat(64)).toString('base64')}`);

  it('bad credentials end watch and backfill with exit 1', async () => {
    const container = await newContainer();
    const watched = await cli(['watch', '--connection-string', badKey, '--container', container.containerName, '--interval', '1', '--duration', '30']);
    expect(watched.code).toBe(1);
    expect(watched.stderr.trim().split('\n').at(-1)).toMatch(
      /^acs-logs: storage refused the credentials \(403 \w+: .*\) \(account \w+.*\): check the account key/,
    );
    const backfilled = await cli(['backfill', '--connection-string', badKey, '--container', container.containerName]);
    expect(backfilled.code).toBe(1);
    expect(backfilled.stderr).toMatch(/^acs-logs: storage refused the credentials/m);
  });

  it('an invalid table prefix is a usage error of backfill and watch (exit 2) naming the flag', async () => {
    for (const command of ['backfill', 'watch']) {
      const run = await cli([command, '--connection-string', azuriteConnectionString(), '--table-prefix', 'my-logs', '--container', 'insights-logs-x']);
      expect(run.code).toBe(2);
      expect(run.stderr.trim()).toMatch(/^error: --table-prefix must be letters and digits.*"my-logs"/);
    }
  });

  it('a missing account (host not found) ends watch with exit 1', async () => {
    const missing = azuriteConnectionString().replace(/http:\/\/127\.0\.0\.1:\d+/g, 'http://nosuchaccount.invalid:10000');
    const watched = await cli(['watch', '--connection-string', missing, '--container', 'insights-logs-x', '--interval', '1', '--duration', '60']);
    expect(watched.code).toBe(1);
    expect(watched.stderr.trim().split('\n').at(-1)).toMatch(/^acs-logs: storage host not found .*nosuchaccount\.invalid/);
  });
});
