import type { Pipeline as CorePipeline } from '@azure/core-rest-pipeline';
import {
  BlobServiceClient,
  newPipeline,
  RestError,
  type BlobClient,
  type ContainerClient,
  type Pipeline,
  type RequestPolicyFactory,
} from '@azure/storage-blob';
import { storageAgentFor } from './boundedSockets.js';
import type { TokenCredential } from '@azure/identity';
import type { ListedLogFile, LogFileRef, LogFileStat, LogSource } from './LogSource.js';
import { againIfCut, blobReadWasCut } from './retryOnCut.js';
import { retriesGivenUp } from './retriesGivenUp.js';
import { tryTimeout } from './tryTimeout.js';

export type BlobConnection = { kind: 'connectionString'; connectionString: string } | { kind: 'identity'; endpoint: string; credential: TokenCredential };

/** How the SDK retries 429/5xx and failed connections: `maxTries` attempts, exponential back-off between the delays. */
export interface BlobRetry {
  maxTries: number;
  retryDelayInMs: number;
  maxRetryDelayInMs: number;
  /** How long an attempt may wait for the answer's first bytes (a ranged read's body then streams); BLOB_TRY_TIMEOUT_MS unless given. */
  tryTimeoutMs?: { read: number; write: number };
  /** How long a ranged read's body may send nothing before the read is asked for again; BODY_IDLE_MS unless given. */
  bodyIdleMs?: number;
}

/** Rides out about 30 s of throttling or a restarting account before a read fails. */
export const DEFAULT_BLOB_RETRY: BlobRetry = { maxTries: 6, retryDelayInMs: 200, maxRetryDelayInMs: 8000 };

/** Each request through the process's storage agent: at most MAX_STORAGE_SOCKETS connections to the endpoint (boundedSockets.ts). */
const boundedSockets: RequestPolicyFactory = {
  create: (next) => ({
    sendRequest: (request) => {
      request.agent ??= storageAgentFor(request.url);
      return next.sendRequest(request);
    },
  }),
};

/**
 * Adds retriesGivenUp's two policies around the blob SDK's retry policy. Its clients take policies
 * only as the old factories, all on one side of the retries; the pipeline they run is built when the
 * first client is, and kept on the Pipeline (`_corePipeline`, not in its types). Without it (another
 * SDK version), this fails at once rather than let a stop wait out an outage unseen.
 */
function givingUpRetries(pipeline: Pipeline, giveUp: AbortSignal): void {
  const core = corePipelineOf(pipeline);
  const { perCall, perRetry } = retriesGivenUp(giveUp);
  core.addPolicy(perCall);
  core.addPolicy(perRetry, { afterPhase: 'Retry' });
}

/** The pipeline the blob client sends through, to add policies to (its constructors take none). */
function corePipelineOf(pipeline: Pipeline): CorePipeline {
  const core = (pipeline as unknown as { _corePipeline?: CorePipeline })._corePipeline;
  if (core === undefined || typeof core.addPolicy !== 'function')
    throw new Error('the blob client has no pipeline to add policies to: the Azure Storage SDK changed');
  return core;
}

/** How long a blob attempt may wait for the answer's first bytes (a ranged read's body then streams). */
const BLOB_TRY_TIMEOUT_MS = { read: 30_000, write: 60_000 };

/** How long a ranged read's body may send nothing: a connection that stalls mid-answer otherwise holds the read for ever. */
const BODY_IDLE_MS = 30_000;

/** Reads whose body stalled: timed-out connections to the error classes, asked for again here (not the attempts that timed out before an answer, which the SDK retried). */
const stalledReads = new WeakSet<Error>();

function bodyStalled(error: unknown): boolean {
  return error instanceof Error && stalledReads.has(error);
}

/** Reads diagnostic-log blobs with ranged downloads: only the bytes asked for cross the wire. */
export class BlobLogSource implements LogSource {
  private readonly service: BlobServiceClient;
  private readonly containers = new Map<string, ContainerClient>();
  /** Bytes downloaded and requests sent: read by benchmarks and tests. */
  readonly usage = { bytesRead: 0, reads: 0, stats: 0, listPages: 0 };
  private readonly bodyIdleMs: number;

  /** `giveUpRetries`: once aborted, a read whose attempt failed is not tried again (retriesGivenUp.ts), as for tables. */
  constructor(connection: BlobConnection, retry: BlobRetry = DEFAULT_BLOB_RETRY, giveUpRetries?: AbortSignal) {
    const { tryTimeoutMs = BLOB_TRY_TIMEOUT_MS, bodyIdleMs = BODY_IDLE_MS, ...attempts } = retry;
    this.bodyIdleMs = bodyIdleMs;
    const options = { retryOptions: attempts };
    // Built once only for its URL and credential (a connection string's key or SAS): the client that
    // reads has one more policy, which its constructors take no other way.
    const plain =
      connection.kind === 'connectionString'
        ? BlobServiceClient.fromConnectionString(connection.connectionString, options)
        : new BlobServiceClient(connection.endpoint, connection.credential, options);
    const pipeline = newPipeline(plain.credential, options);
    pipeline.factories.push(boundedSockets);
    this.service = new BlobServiceClient(plain.url, pipeline);
    // Nearest the socket, as for tables: an endpoint that takes the connection and never answers fails an attempt.
    corePipelineOf(pipeline).addPolicy(tryTimeout(tryTimeoutMs), { afterPhase: 'Retry' });
    if (giveUpRetries) givingUpRetries(pipeline, giveUpRetries);
  }

  containerClient(container: string): ContainerClient {
    let client = this.containers.get(container);
    if (!client) {
      client = this.service.getContainerClient(container);
      this.containers.set(container, client);
    }
    return client;
  }

  async stat(file: LogFileRef): Promise<LogFileStat | null> {
    this.usage.stats++;
    try {
      const props = await this.containerClient(file.container).getBlobClient(file.path).getProperties();
      return {
        length: props.contentLength ?? 0,
        etag: quotedEtag(props.etag),
        createdOn: props.createdOn ? props.createdOn.getTime() : null,
        lastModified: props.lastModified ? props.lastModified.getTime() : 0,
      };
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) return null;
      throw error;
    }
  }

  async read(file: LogFileRef, start: number, end: number): Promise<Buffer> {
    if (end <= start) return Buffer.alloc(0);
    this.usage.reads++;
    const blob = this.containerClient(file.container).getBlobClient(file.path);
    try {
      // The whole range is asked for again after a cut: a buffer comes back complete or not at all.
      const buffer = await againIfCut(
        () => this.downloadRange(blob, start, end - start),
        (error) => blobReadWasCut(error) || bodyStalled(error),
      );
      this.usage.bytesRead += buffer.length;
      return buffer;
    } catch (error) {
      // 416: the blob shrank or was replaced since it was measured; the caller re-measures.
      if (error instanceof RestError && (error.statusCode === 416 || error.statusCode === 404)) return Buffer.alloc(0);
      throw error;
    }
  }

  /**
   * One ranged download, its body watched: once the answer has begun, a body that sends nothing for
   * bodyIdleMs is stopped and fails as a timed-out connection (ETIMEDOUT), for the caller to ask again.
   * Waiting for the answer's first bytes is the attempt timeout's (tryTimeout).
   */
  private async downloadRange(blob: BlobClient, offset: number, count: number): Promise<Buffer> {
    const stop = new AbortController();
    let stalled = false;
    let watchdog: NodeJS.Timeout | undefined;
    try {
      const response = await blob.download(offset, count, {
        abortSignal: stop.signal,
        maxRetryRequests: 5,
        onProgress: () => watchdog?.refresh(),
      });
      watchdog = setTimeout(() => {
        stalled = true;
        stop.abort();
      }, this.bodyIdleMs);
      watchdog.unref();
      const body = response.readableStreamBody;
      if (body === undefined) throw new Error(`storage answered the read of ${blob.name} without a body`);
      const chunks: Buffer[] = [];
      let length = 0;
      for await (const chunk of body) {
        const bytes = chunk as Buffer;
        chunks.push(bytes);
        length += bytes.length;
      }
      return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length);
    } catch (error) {
      if (!stalled) throw error;
      const timedOut = new RestError(`storage sent nothing of ${blob.name} for ${this.bodyIdleMs / 1000} s while it was read`, { code: 'ETIMEDOUT' });
      stalledReads.add(timedOut);
      throw timedOut;
    } finally {
      clearTimeout(watchdog);
    }
  }

  /** The account's first `limit` container names, in name order (a SAS may not allow listing: then this throws). */
  async containerNames(limit: number): Promise<string[]> {
    const page = await againIfCut(() => this.service.listContainers().byPage({ maxPageSize: limit }).next(), blobReadWasCut);
    return page.done ? [] : page.value.containerItems.map((item) => item.name);
  }

  /** Whether the container exists: `list` of a missing one is simply empty. */
  async containerExists(container: string, abortSignal?: AbortSignal): Promise<boolean> {
    // An abort looks like a cut answer to blobReadWasCut: one asked for is not tried again.
    return againIfCut(
      () => this.containerClient(container).exists({ abortSignal }),
      (error) => abortSignal?.aborted !== true && blobReadWasCut(error),
    );
  }

  /**
   * Whether the container exists and its blobs can be listed, as every sweep lists them: a SAS without
   * list permission reads the container's properties, so existence alone would pass where sweeps fail.
   */
  async containerListable(container: string, abortSignal?: AbortSignal): Promise<boolean> {
    if (!(await this.containerExists(container, abortSignal))) return false;
    await againIfCut(
      () => this.containerClient(container).listBlobsFlat({ abortSignal }).byPage({ maxPageSize: 1 }).next(),
      (error) => abortSignal?.aborted !== true && blobReadWasCut(error),
    );
    return true;
  }

  async *list(container: string, prefix?: string): AsyncIterable<ListedLogFile> {
    const client = this.containerClient(container);
    if (!(await againIfCut(() => client.exists(), blobReadWasCut))) return;
    let continuationToken: string | undefined;
    for (;;) {
      // One page per request; a page whose answer was cut is asked for again from the same marker.
      const marker = continuationToken;
      const next = await againIfCut(() => client.listBlobsFlat({ prefix }).byPage({ continuationToken: marker, maxPageSize: 5000 }).next(), blobReadWasCut);
      if (next.done) return;
      const page = next.value;
      this.usage.listPages++;
      for (const item of page.segment.blobItems) {
        yield {
          file: { container, path: item.name },
          stat: {
            length: item.properties.contentLength ?? 0,
            etag: quotedEtag(item.properties.etag),
            createdOn: item.properties.createdOn ? item.properties.createdOn.getTime() : null,
            lastModified: item.properties.lastModified.getTime(),
          },
        };
      }
      continuationToken = page.continuationToken;
      if (!continuationToken) return;
    }
  }
}

/**
 * A blob's ETag as reading its properties spells it ("0x8D..."): a listing gives the same ETag bare
 * (0x8D...), and a checkpoint compared across the two spellings took every listed file for changed
 * (its head read again and its checkpoint written on every sweep, then again by the next tail).
 */
export function quotedEtag(etag: string | undefined): string {
  if (etag === undefined || etag === '') return '';
  return etag.startsWith('"') || etag.startsWith('W/"') ? etag : `"${etag}"`;
}
