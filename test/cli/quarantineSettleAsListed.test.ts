import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { quarantineDismissCommand, quarantinePurgeCommand } from '../../src/cli/commands/quarantine.js';
import { QuarantineStore } from '../../src/lib/processing/quarantine.js';
import { quarantineEntry } from '../support/quarantineEntries.js';
import { waitFor } from '../support/embedded.js';
import { portOf, startFaultProxy, withPorts, type FaultProxy } from '../support/faultProxy.js';
import { azuriteConnectionString, newTableStore, uniquePrefix } from '../support/storage.js';

function output(): { out: Writable; text: () => string } {
  const chunks: string[] = [];
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { out, text: () => chunks.join('') };
}

let proxy: FaultProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

describe('quarantine dismiss and purge', () => {
  it.each([
    ['dismiss', undefined],
    ['dismiss', '/logs/a.json'],
    ['purge', undefined],
    ['purge', '/logs/a.json'],
  ] as const)('%s (--path %s) changes each entry as the listing reaches it: an entry added behind the first page is changed too', async (command, path) => {
    const prefix = uniquePrefix();
    const store = new QuarantineStore(newTableStore(azuriteConnectionString(), prefix));
    // Three pages of entries (purge changes only dismissed ones); the first write waits until the last entry is added.
    const dismissed = command === 'purge';
    await store.put(
      { container: 'local', path: '/logs/a.json' },
      Array.from({ length: 2_500 }, (_, i) => quarantineEntry('/logs/a.json', i, dismissed)),
    );
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    proxy = await startFaultProxy(portOf(azuriteConnectionString(), 'Table'), { rejectBefore: 0, loseAnswer: 0, seed: 1, holdFirstQuarantineWrite: held });
    const flags = { connectionString: withPorts(azuriteConnectionString(), { table: proxy.port }), tablePrefix: prefix, dataDir: './unused' };
    const { out, text } = output();
    const running =
      command === 'dismiss'
        ? quarantineDismissCommand({ ...flags, ...(path === undefined ? { container: 'local' } : { path }) }, out)
        : quarantinePurgeCommand({ ...flags, ...(path === undefined ? {} : { path }) }, out);
    const { injected } = proxy;
    await waitFor('the first write held', () => (injected.held > 0 ? true : undefined));
    // Sorts after every entry listed so far (of the same file, for --path): only a command still listing reaches it.
    await store.put({ container: 'local', path: '/logs/a.json' }, [quarantineEntry('/logs/a.json', 9_999, dismissed)]);
    release();
    await running;
    expect(text()).toMatch(command === 'dismiss' ? /^dismissed 2501 entries \(2501 lines\): / : /^purged the text of 2501 entries \(2501 lines\)\n$/);
  });

  it.each(['dismiss', 'purge'] as const)('%s counts the entries of a transaction whose answer was lost and that was sent again', async (command) => {
    const prefix = uniquePrefix();
    const store = new QuarantineStore(newTableStore(azuriteConnectionString(), prefix));
    // Two transactions: the first (100 entries) takes effect, its answer is lost, and sent again it fails on its own ETags.
    const dismissed = command === 'purge';
    await store.put(
      { container: 'local', path: '/logs/a.json' },
      Array.from({ length: 150 }, (_, i) => quarantineEntry('/logs/a.json', i, dismissed)),
    );
    proxy = await startFaultProxy(portOf(azuriteConnectionString(), 'Table'), { rejectBefore: 0, loseAnswer: 0, seed: 1, loseQuarantineWriteAnswers: 1 });
    const flags = { connectionString: withPorts(azuriteConnectionString(), { table: proxy.port }), tablePrefix: prefix, dataDir: './unused' };
    const { out, text } = output();
    await (command === 'dismiss' ? quarantineDismissCommand({ ...flags, container: 'local' }, out) : quarantinePurgeCommand(flags, out));
    expect(proxy.injected.lostWrites).toBe(1);
    expect(text()).toMatch(command === 'dismiss' ? /^dismissed 150 entries \(150 lines\): / : /^purged the text of 150 entries \(150 lines\)\n$/);
    // Taken back once more, the lost answer aside: nothing is counted that did not change.
    const again = output();
    await (command === 'dismiss' ? quarantineDismissCommand({ ...flags, container: 'local' }, again.out) : quarantinePurgeCommand(flags, again.out));
    expect(again.text()).toMatch(command === 'dismiss' ? /^dismissed 0 entries/ : /^purged the text of 0 entries/);
  });
});
