/**
 * Loaded with `node --import` into the embedded Azurite process (see azuritePreload.ts). Two costs
 * Azurite pays on every request that change nothing it answers:
 * - To find a batch's boundary (at the very start of the body) it URI-decodes the whole body, often
 *   hundreds of kilobytes: a tenth of its time on a write-heavy run. The boundary is now taken from
 *   the body as it is whenever decoding could not change it (no `%` up to just past it).
 * - Its request ids and batch ids come from `uuid` 3, which asks the system for 16 random bytes per
 *   id (tens of thousands a run). The ids now take their bytes from a pool refilled 4 KiB at a time.
 */
import { randomFillSync } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';

type ExtractBatchBoundary = (this: { batchBoundary: string }, body: string) => void;

const BATCH_BOUNDARY = /--batch_(\w+-?)+/;

/**
 * Azurite's extractBatchBoundary without decoding the body when decoding cannot change the match:
 * the first match ends before the first `%` (a `%` right after it could decode to a word character
 * and lengthen it). Otherwise Azurite's own method decides.
 */
export function fastBatchBoundary(original: ExtractBatchBoundary): ExtractBatchBoundary {
  return function (this: { batchBoundary: string }, body: string): void {
    const match = BATCH_BOUNDARY.exec(body);
    if (match !== null) {
      const end = match.index + match[0].length;
      const percent = body.indexOf('%');
      if (percent < 0 || percent > end) {
        this.batchBoundary = match[0];
        return;
      }
    }
    original.call(this, body);
  };
}

/** 16 random bytes per call, as uuid's own generator gives them, from a pool refilled 4 KiB at a time. */
export function pooledRandomBytes(poolBytes = 4096): () => Buffer {
  const pool = Buffer.alloc(poolBytes);
  let used = poolBytes;
  return () => {
    if (used + 16 > poolBytes) {
      randomFillSync(pool);
      used = 0;
    }
    // A copy: uuid sets the version bits in the bytes it is given.
    const bytes = Buffer.from(pool.subarray(used, used + 16));
    used += 16;
    return bytes;
  };
}

/** Patches the Azurite whose entry script is `azuriteEntry`. Must run before Azurite loads its modules. */
export function installRequestCosts(azuriteEntry: string): void {
  const require = createRequire(azuriteEntry);
  // uuid's v4 takes its generator when it loads: the pool must be in place first.
  const v4Path = require.resolve('uuid/v4');
  if (require.cache[v4Path] !== undefined) throw new Error('uuid/v4 was loaded before its random bytes could be pooled');
  const rngPath = require.resolve('uuid/lib/rng');
  require(rngPath);
  const rngModule = require.cache[rngPath];
  if (rngModule === undefined) throw new Error(`uuid's generator ${rngPath} did not load`);
  rngModule.exports = pooledRandomBytes();

  const serialization = require(path.join(path.dirname(azuriteEntry), 'table/batch/BatchSerialization.js')) as {
    BatchSerialization: { prototype: { extractBatchBoundary: ExtractBatchBoundary } };
  };
  const prototype = serialization.BatchSerialization.prototype;
  prototype.extractBatchBoundary = fastBatchBoundary(prototype.extractBatchBoundary);
}
