/**
 * Loaded with `node --import` into the embedded Azurite process (see azuritePreload.ts). Azurite's
 * table service reads the body of a single-entity request (insert, update, upsert) chunk by chunk
 * and joins the chunks as text, so a UTF-8 character cut between two chunks of the socket becomes two
 * U+FFFD: a long non-ASCII value (a quarantined line, a 64 KiB property) could be stored corrupted,
 * depending only on how the bytes arrived. This has the request decode its body as one UTF-8 stream
 * instead, which keeps a cut character whole. Batches (read as one buffer) and blobs are untouched.
 */
import { createRequire } from 'node:module';
import path from 'node:path';

interface BodyRequest {
  getBodyStream(): NodeJS.ReadableStream;
}

interface OperationSpec {
  requestBody?: { mapper: { type: { name: string } } };
}

type Deserialize = (context: unknown, req: BodyRequest, spec: OperationSpec | undefined, logger: unknown) => Promise<unknown>;

/** Patches the table service's request deserializer of the Azurite whose entry script is `azuriteEntry`. */
export function installBodyText(azuriteEntry: string): void {
  const require = createRequire(azuriteEntry);
  const serializer = require(path.join(path.dirname(azuriteEntry), 'table/generated/utils/serializer.js')) as { deserialize: Deserialize };
  const deserialize = serializer.deserialize;
  serializer.deserialize = function (context, req, spec, logger) {
    const body = spec?.requestBody;
    // A body read as a stream (a batch) stays bytes: its reader concatenates buffers.
    if (body && body.mapper.type.name !== 'Stream') req.getBodyStream().setEncoding('utf8');
    return deserialize(context, req, spec, logger);
  };
}
