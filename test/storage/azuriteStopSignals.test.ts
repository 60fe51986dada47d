import { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TableClient } from '@azure/data-tables';
import { describe, expect, it } from 'vitest';
import { startAzurite } from '../../src/lib/storage/azurite.js';
import { guardStopSignals, type SignalTarget } from '../../src/lib/storage/azuriteStopSignals.js';

function fakeProcess(): { target: SignalTarget; emitter: EventEmitter; kills: string[] } {
  const emitter = new EventEmitter();
  const kills: string[] = [];
  const target: SignalTarget = {
    on: (signal, listener) => emitter.on(signal, listener),
    off: (signal, listener) => emitter.off(signal, listener),
    listeners: (signal) => emitter.listeners(signal) as ((...args: unknown[]) => void)[],
    kill: (_pid, signal) => kills.push(signal),
    pid: 4242,
  };
  return { target, emitter, kills };
}

describe('stop signals in the embedded Azurite', () => {
  it('a signal before Azurite listens for it ends the process, as it would without the guard', () => {
    const { target, emitter, kills } = fakeProcess();
    guardStopSignals(target);
    emitter.emit('SIGTERM');
    expect(kills).toEqual(['SIGTERM']);
  });

  it('once Azurite stops on a signal, later SIGINTs and SIGTERMs neither end it nor start its stop again', () => {
    const { target, emitter, kills } = fakeProcess();
    guardStopSignals(target);
    const stops: string[] = [];
    // As Azurite listens: once per signal.
    emitter.once('SIGINT', () => stops.push('SIGINT'));
    emitter.once('SIGTERM', () => stops.push('SIGTERM'));
    emitter.emit('SIGTERM');
    emitter.emit('SIGTERM');
    emitter.emit('SIGINT');
    emitter.emit('SIGTERM');
    expect(stops).toEqual(['SIGTERM']);
    expect(kills).toEqual([]);
  });

  it('an Azurite on disk sent a second stop signal as it stops still saves what was written, and exits cleanly', async () => {
    const location = await mkdtemp(path.join(tmpdir(), 'acs-logs-stop-signals-'));
    try {
      const azurite = await startAzurite({ location });
      const table = (connectionString: string): TableClient => TableClient.fromConnectionString(connectionString, 'Kept', { allowInsecureConnection: true });
      await table(azurite.connectionString).createTable();
      await table(azurite.connectionString).createEntity({ partitionKey: 'p', rowKey: 'r', value: 1 });
      // A signal to the store's process group, then its host's own stop.
      process.kill(azurite.pid, 'SIGINT');
      process.kill(azurite.pid, 'SIGTERM');
      expect(await azurite.exited).toBe(0);

      const again = await startAzurite({ location });
      try {
        const entity = await table(again.connectionString).getEntity<{ value: number }>('p', 'r');
        expect(entity.value).toBe(1);
      } finally {
        await again.stop();
      }
    } finally {
      await rm(location, { recursive: true, force: true });
    }
  });
});
