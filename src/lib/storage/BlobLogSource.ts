import { BlobServiceClient, RestError, type ContainerClient } from '@azure/storage-blob';
import type { TokenCredential } from '@azure/identity';
import type { ListedLogFile, LogFileRef, LogFileStat, LogSource } from './LogSource.js';

export type BlobConnection =
  | { kind: 'connectionString'; connectionString: string }
  | { kind: 'identity'; endpoint: string; credential: TokenCredential };

/** Reads diagnostic-log blobs with ranged downloads: only the bytes asked for cross the wire. */
export class BlobLogSource implements LogSource {
  private readonly service: BlobServiceClient;
  private readonly containers = new Map<string, ContainerClient>();
  /** Bytes downloaded and requests sent: read by benchmarks and tests. */
  readonly usage = { bytesRead: 0, reads: 0, stats: 0, listPages: 0 };

  constructor(connection: BlobConnection) {
    const options = { retryOptions: { maxTries: 6, retryDelayInMs: 200, maxRetryDelayInMs: 8000 } };
    this.service =
      connection.kind === 'connectionString'
        ? BlobServiceClient.fromConnectionString(connection.connectionString, options)
        : new BlobServiceClient(connection.endpoint, connection.credential, options);
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
        etag: props.etag ?? '',
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
      const buffer = await blob.downloadToBuffer(start, end - start, { maxRetryRequestsPerBlock: 5 });
      this.usage.bytesRead += buffer.length;
      return buffer;
    } catch (error) {
      // 416: the blob shrank or was replaced since it was measured; the caller re-measures.
      if (error instanceof RestError && (error.statusCode === 416 || error.statusCode === 404)) return Buffer.alloc(0);
      throw error;
    }
  }

  async *list(container: string, prefix?: string): AsyncIterable<ListedLogFile> {
    const client = this.containerClient(container);
    if (!(await client.exists())) return;
    const pages = client.listBlobsFlat({ prefix }).byPage({ maxPageSize: 5000 });
    for await (const page of pages) {
      this.usage.listPages++;
      for (const item of page.segment.blobItems) {
        yield {
          file: { container, path: item.name },
          stat: {
            length: item.properties.contentLength ?? 0,
            etag: item.properties.etag ?? '',
            createdOn: item.properties.createdOn ? item.properties.createdOn.getTime() : null,
            lastModified: item.properties.lastModified.getTime(),
          },
        };
      }
    }
  }
}
