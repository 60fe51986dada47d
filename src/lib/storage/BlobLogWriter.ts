import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import type { BlobConnection } from './BlobLogSource.js';
import type { LogFileRef } from './LogSource.js';

/**
 * Writes log files as Azure Monitor does: each blob created empty as an append blob (the moment
 * Event Grid announces it), then appended block by block. Used by `generate` and `demo`.
 */
export class BlobLogWriter {
  private readonly service: BlobServiceClient;
  private readonly containers = new Map<string, Promise<ContainerClient>>();

  constructor(connection: BlobConnection) {
    this.service =
      connection.kind === 'connectionString'
        ? BlobServiceClient.fromConnectionString(connection.connectionString)
        : new BlobServiceClient(connection.endpoint, connection.credential);
  }

  private container(name: string): Promise<ContainerClient> {
    let pending = this.containers.get(name);
    if (!pending) {
      const client = this.service.getContainerClient(name);
      pending = client.createIfNotExists().then(() => client);
      this.containers.set(name, pending);
    }
    return pending;
  }

  /** Creates the blob empty when it does not exist; false when it did (an earlier run wrote it). */
  async createBlob(file: LogFileRef): Promise<boolean> {
    const container = await this.container(file.container);
    return (await container.getAppendBlobClient(file.path).createIfNotExists()).succeeded;
  }

  /** Appends one block (the caller keeps blocks within the 4 MiB append-block limit). */
  async appendBlock(file: LogFileRef, data: Buffer): Promise<void> {
    const container = await this.container(file.container);
    await container.getAppendBlobClient(file.path).appendBlock(data, data.length);
  }
}
