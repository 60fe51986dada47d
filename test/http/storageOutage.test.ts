import { describe, expect, it } from 'vitest';
import { handleHealth, handleQuery } from '../../src/lib/http/handlers.js';
import { SharedEvaluations } from '../../src/lib/http/sharedEvaluations.js';
import { OUTAGE_HOLD_MS, OutageHeldError, StorageOutage } from '../../src/lib/http/storageOutage.js';
import type { Logger } from '../../src/lib/logging.js';
import { MemoryTableStore } from '../../src/lib/storage/memoryTableStore.js';
import type { StoredRow } from '../../src/lib/storage/TableStore.js';
import { WrappedTableStore } from '../support/wrappedTableStore.js';
import { errorOf, headerOf } from './support.js';

const quiet: Logger = { info() {}, warn() {}, error() {} };

/** As the SDK fails once its retries of a refused connection are spent. */
function refused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { name: 'RestError', code: 'ECONNREFUSED' });
}

function forbidden(): Error {
  return Object.assign(new Error('This request is not authorized to perform this operation.'), {
    name: 'RestError',
    statusCode: 403,
    code: 'AuthorizationFailure',
  });
}

/** A store that counts the reads sent to it, each first passing `gate` (which may wait, or fail as storage does). */
class GatedStore extends WrappedTableStore {
  sent = 0;
  gate: () => Promise<void> = () => Promise.resolve();

  constructor() {
    super(new MemoryTableStore('Outage'));
  }

  private async pass(): Promise<void> {
    this.sent++;
    await this.gate();
  }

  override async ensureTable(logicalName: string): Promise<void> {
    await this.pass();
    return this.inner.ensureTable(logicalName);
  }
  override async readPartition(logicalName: string, partitionKey: string): Promise<Map<string, StoredRow>> {
    await this.pass();
    return this.inner.readPartition(logicalName, partitionKey);
  }
  override async readRows(logicalName: string, partitionKey: string, rowKeys: readonly string[]): Promise<Map<string, StoredRow>> {
    await this.pass();
    return this.inner.readRows(logicalName, partitionKey, rowKeys);
  }
  override async *query(logicalName: string, filter: string | undefined, select?: string[]): AsyncGenerator<StoredRow> {
    await this.pass();
    yield* this.inner.query(logicalName, filter, select);
  }
}

function clock(): { now: () => number; advance: (ms: number) => void } {
  let at = Date.UTC(2024, 4, 25, 12);
  return { now: () => at, advance: (ms) => (at += ms) };
}

describe('StorageOutage', () => {
  it('holds an unreachable storage for OUTAGE_HOLD_MS, aborting the signal reads are under, and not a refusal', () => {
    const time = clock();
    const outage = new StorageOutage(OUTAGE_HOLD_MS, time.now);
    const before = outage.signal();
    expect(outage.failed(forbidden())).toBeUndefined();
    expect(outage.held()).toBeUndefined();
    expect(before.aborted).toBe(false);

    expect(outage.failed(refused())).toEqual({ code: 'ECONNREFUSED', retryAfterSeconds: 5 });
    expect(before.aborted).toBe(true);
    expect(before.reason).toBeInstanceOf(OutageHeldError);
    expect(outage.signal().aborted).toBe(true);
    time.advance(OUTAGE_HOLD_MS - 1500);
    expect(outage.held()).toEqual({ code: 'ECONNREFUSED', retryAfterSeconds: 2 });
    time.advance(1500);
    expect(outage.held()).toBeUndefined();
    expect(outage.signal().aborted).toBe(false);
  });

  it('ends the hold as soon as storage answers', () => {
    const outage = new StorageOutage(OUTAGE_HOLD_MS, clock().now);
    outage.failed(refused());
    outage.answered();
    expect(outage.held()).toBeUndefined();
    expect(outage.signal().aborted).toBe(false);
  });
});

describe('queries while storage cannot be reached', () => {
  it('are 503 with Retry-After; for the next seconds without a request to storage; then storage is tried again', async () => {
    const time = clock();
    const outage = new StorageOutage(OUTAGE_HOLD_MS, time.now);
    const tables = new GatedStore();
    tables.gate = () => Promise.reject(refused());
    const deps = { tables: () => tables, logger: quiet, evaluations: new SharedEvaluations(), outage };

    const first = await handleQuery('rooms', new URLSearchParams(), () => null, deps);
    expect(first.status).toBe(503);
    expect(errorOf(first)).toEqual({
      code: 'storage_unavailable',
      message: 'storage could not be reached (ECONNREFUSED); try again in a few seconds',
      details: [],
    });
    expect(headerOf(first, 'retry-after')).toBe('5');
    expect(tables.sent).toBe(1);

    const held = await handleQuery('usage', new URLSearchParams(), () => null, deps);
    expect(held.status).toBe(503);
    expect(errorOf(held).code).toBe('storage_unavailable');
    expect(tables.sent).toBe(1);
    // Retry-After is the time left.
    time.advance(3000);
    expect(headerOf(await handleQuery('usage', new URLSearchParams(), () => null, deps), 'retry-after')).toBe('2');
    time.advance(-3000);

    time.advance(OUTAGE_HOLD_MS);
    tables.gate = () => Promise.resolve();
    expect((await handleQuery('usage', new URLSearchParams(), () => null, deps)).status).toBe(200);
    expect(tables.sent).toBeGreaterThan(1);
  });

  it('an evaluation queued behind the one that finds the outage sends nothing', async () => {
    const outage = new StorageOutage();
    const tables = new GatedStore();
    let fail!: () => void;
    const failing = new Promise<void>((_resolve, reject) => (fail = () => reject(refused())));
    tables.gate = () => failing;
    // One evaluation at a time: the second view waits for the first's slot.
    const deps = { tables: () => tables, logger: quiet, evaluations: new SharedEvaluations(1), outage };
    const first = handleQuery('rooms', new URLSearchParams(), () => null, deps);
    const queued = handleQuery('calls', new URLSearchParams(), () => null, deps);
    await new Promise((resolve) => setImmediate(resolve));
    expect(tables.sent).toBe(1);
    fail();
    expect((await first).status).toBe(503);
    expect((await queued).status).toBe(503);
    expect(tables.sent).toBe(1);
  });

  it('reads already under way stop before their next request once another finds the outage', async () => {
    const outage = new StorageOutage();
    const tables = new GatedStore();
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    // The first view's first read waits; the second view's read fails meanwhile.
    let calls = 0;
    tables.gate = () => (++calls === 1 ? slow : Promise.reject(refused()));
    const deps = { tables: () => tables, logger: quiet, evaluations: new SharedEvaluations(2), outage };
    const underWay = handleQuery('rooms', new URLSearchParams(), () => null, deps);
    await new Promise((resolve) => setImmediate(resolve));
    const finding = await handleQuery('calls', new URLSearchParams(), () => null, deps);
    expect(finding.status).toBe(503);
    const sentBefore = tables.sent;
    release();
    const stopped = await underWay;
    expect(stopped.status).toBe(503);
    expect(errorOf(stopped).code).toBe('storage_unavailable');
    expect(tables.sent).toBe(sentBefore);
  });

  it('a client that goes away holds nothing, without shared evaluations too', async () => {
    const outage = new StorageOutage();
    const tables = new GatedStore();
    const gone = new AbortController();
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    tables.gate = () => slow;
    const deps = { tables: () => tables, logger: quiet, outage };
    const answer = handleQuery('rooms', new URLSearchParams(), () => null, deps, '', gone.signal);
    await new Promise((resolve) => setImmediate(resolve));
    gone.abort();
    release();
    expect(errorOf(await answer).code).toBe('client_gone');
    expect(outage.held()).toBeUndefined();
    tables.gate = () => Promise.resolve();
    expect((await handleQuery('rooms', new URLSearchParams(), () => null, deps)).status).toBe(200);
  });

  it('a refusal that is not an outage stays a 500 and holds nothing', async () => {
    const outage = new StorageOutage();
    const tables = new GatedStore();
    tables.gate = () => Promise.reject(forbidden());
    const deps = { tables: () => tables, logger: quiet, outage };
    expect((await handleQuery('rooms', new URLSearchParams(), () => null, deps)).status).toBe(500);
    expect((await handleQuery('rooms', new URLSearchParams(), () => null, deps)).status).toBe(500);
    expect(tables.sent).toBe(2);
  });

  it('health always reads storage: its failure starts the hold, its answer ends it', async () => {
    const outage = new StorageOutage();
    const tables = new GatedStore();
    tables.gate = () => Promise.reject(refused());
    const health = { open: () => ({ tables, containers: ['insights-logs-roomsoperational'] }), logger: quiet, outage };
    const query = { tables: () => tables, logger: quiet, outage };
    expect((await handleHealth(health)).status).toBe(503);
    const sent = tables.sent;
    expect((await handleQuery('rooms', new URLSearchParams(), () => null, query)).status).toBe(503);
    expect(tables.sent).toBe(sent);
    // Health probes even during the hold; storage is back.
    tables.gate = () => Promise.resolve();
    expect((await handleHealth(health)).status).toBe(200);
    expect(outage.held()).toBeUndefined();
    expect((await handleQuery('rooms', new URLSearchParams(), () => null, query)).status).toBe(200);
  });
});
