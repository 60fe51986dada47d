import { InvocationContext } from '@azure/functions';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { appendToBlob, azuriteConnectionString, newContainer, newTableStore, readAggregates, referenceAggregates, uniquePrefix } from '../support/storage.js';
import { asJsonLines, blobPath, normalizeAll, roomsRecords } from '../support/roomsLogs.js';
import { registeredFunctions, systemLogs } from '../support/functionsHost.js';

const prefix = uniquePrefix();
let logBlobArrived: typeof import('../../src/functions/logBlobArrived.js').logBlobArrived;
let tailAndSweepTimer: typeof import('../../src/functions/tailAndSweep.js').tailAndSweepTimer;
/** What loading the app printed (the spies still print it). */
const printedOnLoad: unknown[][] = [];

beforeAll(async () => {
  // App settings are environment variables; the modules read them when the worker loads them.
  process.env['LogsStorage'] = azuriteConnectionString();
  process.env['AggregatesStorage'] = azuriteConnectionString();
  process.env['ACS_LOGS_TABLE_PREFIX'] = prefix;
  process.env['ACS_LOGS_TRIGGER_SOURCE'] = 'LogsAndContainerScan';
  // A misspelt setting, which the worker must name as it loads.
  process.env['ACS_LOGS_SWEEP_INTERVAL_MINUTE'] = '5';
  const spies = (['log', 'info', 'warn', 'error'] as const).map((method) => vi.spyOn(console, method));
  try {
    ({ logBlobArrived } = await import('../../src/functions/logBlobArrived.js'));
    ({ tailAndSweepTimer } = await import('../../src/functions/tailAndSweep.js'));
  } finally {
    for (const spy of spies) {
      printedOnLoad.push(...spy.mock.calls);
      spy.mockRestore();
    }
    delete process.env['ACS_LOGS_SWEEP_INTERVAL_MINUTE'];
  }
});

/** What the handlers logged, level first: kept here instead of printed. */
const logged: unknown[][] = [];
const logHandler = (level: string, ...args: unknown[]): void => void logged.push([level, ...args]);

function blobContext(container: string, path: string): InvocationContext {
  return new InvocationContext({
    functionName: 'logBlobArrived-RoomsOperational',
    triggerMetadata: { blobTrigger: `${container}/${path}`, name: path },
    logHandler,
  });
}

describe('functions', () => {
  it('the blob trigger reads the announced blob from its checkpoint, each append once', async () => {
    const records = roomsRecords(70, 41);
    const container = await newContainer(undefined, 'insights-logs-roomsoperational');
    const path = blobPath(
      2,
      '/SUBSCRIPTIONS/00000000-0000-0000-0000-0000000000F1/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/FN',
    );
    await appendToBlob(container, path, asJsonLines(records.slice(0, 30)));
    await logBlobArrived(Buffer.alloc(0), blobContext(container.containerName, path));
    await appendToBlob(container, path, asJsonLines(records.slice(30)));
    // The polling source fires on each new ETag; a duplicate firing must change nothing.
    await logBlobArrived(Buffer.alloc(0), blobContext(container.containerName, path));
    await logBlobArrived(Buffer.alloc(0), blobContext(container.containerName, path));

    const tables = newTableStore(azuriteConnectionString(), prefix);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));

    // The timer finds nothing new to add.
    await tailAndSweepTimer(
      { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: '', next: '', lastUpdated: '' } },
      new InvocationContext({ functionName: 'tailAndSweep', logHandler }),
    );
    expect(logged.filter(([level]) => level === 'error')).toEqual([]);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
  });

  it("a blob trigger starts no read past its budget, before the host's timeout would end the worker: the next look reads it, once", async () => {
    const resourceId = '/SUBSCRIPTIONS/00000000-0000-0000-0000-0000000000F2/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/FNBUDGET';
    const records = roomsRecords(50, 43, 40, resourceId);
    const container = await newContainer(undefined, 'insights-logs-roomsoperational');
    const path = blobPath(3, resourceId);
    await appendToBlob(container, path, asJsonLines(records));
    const before = logged.length;
    // The invocation's first look at the clock sets its budget; every later one finds it spent.
    const realNow = Date.now.bind(Date);
    let looks = 0;
    const clock = vi.spyOn(Date, 'now').mockImplementation(() => realNow() + (looks++ === 0 ? 0 : 9 * 60_000));
    try {
      await logBlobArrived(Buffer.alloc(0), blobContext(container.containerName, path));
    } finally {
      clock.mockRestore();
    }
    expect(logged.slice(before).map((entry) => String(entry[1]))).toContain('announced blob read up to the invocation budget: the timer reads the rest');
    const tables = newTableStore(azuriteConnectionString(), prefix);
    // This resource's rows only: the other tests of this file write to the same tables.
    const ofResource = (rows: Record<string, unknown>): Record<string, unknown> =>
      Object.fromEntries(Object.entries(rows).filter(([key, row]) => `${key} ${JSON.stringify(row)}`.toUpperCase().includes('FNBUDGET')));
    for (const rows of Object.values(await readAggregates(tables))) expect(ofResource(rows)).toEqual({});

    await logBlobArrived(Buffer.alloc(0), blobContext(container.containerName, path));
    const expected = referenceAggregates(normalizeAll(records));
    expect(Object.values(expected).some((rows) => Object.keys(ofResource(rows)).length > 0)).toBe(true);
    const stored = await readAggregates(tables);
    for (const [table, rows] of Object.entries(expected)) {
      expect(ofResource(stored[table] ?? {}), table).toEqual(ofResource(rows));
    }
  });

  it('the app registers one blob trigger per log container and the timer, with the host', () => {
    const byName = new Map(registeredFunctions().map((fn) => [fn.name, Object.values(fn.bindings).map((binding) => binding.type)]));
    expect([...byName.keys()].sort()).toEqual([
      'logBlobArrived-CallDiagnostics',
      'logBlobArrived-CallDiagnosticsUpdates',
      'logBlobArrived-CallRecordingOperational',
      'logBlobArrived-CallRecordingSummary',
      'logBlobArrived-CallSummary',
      'logBlobArrived-CallSummaryUpdates',
      'logBlobArrived-RoomsOperational',
      'logBlobArrived-Usage',
      'tailAndSweep',
    ]);
    expect(byName.get('tailAndSweep')).toEqual(['timerTrigger']);
    expect(byName.get('logBlobArrived-Usage')).toEqual(['blobTrigger']);
    // Registering with a host prints only the misspelt setting (no "Failed to detect the Azure Functions runtime") and logs no problem to it.
    expect(printedOnLoad).toEqual([
      [
        'acs-logs: warning: ACS_LOGS_SWEEP_INTERVAL_MINUTE is not a setting acs-logs reads, so it changes nothing (did you mean ACS_LOGS_SWEEP_INTERVAL_MINUTES?)',
      ],
    ]);
    expect(systemLogs().filter((log) => log.level !== 'information' && log.level !== 'debug' && log.level !== 'trace')).toEqual([]);
  });

  it('a blob announced in a container the app does not read is left alone: no failure recorded that nothing would retry or clear', async () => {
    const before = logged.length;
    await logBlobArrived(Buffer.alloc(0), blobContext('Insights_Logs', 'abc'));
    await logBlobArrived(Buffer.alloc(0), blobContext('some-other-container', blobPath(1)));
    const warnings = logged.slice(before).filter(([level]) => level === 'warning');
    expect(warnings.map((entry) => String(entry[1]))).toEqual([
      expect.stringContaining('not in a log container this app reads'),
      expect.stringContaining('not in a log container this app reads'),
    ]);
    const tables = newTableStore(azuriteConnectionString(), prefix);
    const failures: unknown[] = [];
    for await (const row of tables.query('FileFailures', '')) failures.push(row);
    expect(failures).toEqual([]);
  });

  it('a trigger without blob metadata fails the invocation so the host retries it', async () => {
    await expect(logBlobArrived(Buffer.alloc(0), new InvocationContext({ functionName: 'x', triggerMetadata: {}, logHandler }))).rejects.toThrow(/blobTrigger/);
  });
});
