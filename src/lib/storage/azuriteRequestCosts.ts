/**
 * Loaded with `node --import` into the embedded Azurite process (see azuritePreload.ts). Two costs
 * Azurite pays on every request that change nothing it answers:
 * - To find a batch's boundary (at the very start of the body) it URI-decodes the whole body, often
 *   hundreds of kilobytes: 0.55 s of its 14.7 s of CPU on the bench tree. The boundary is now taken
 *   from the body as it is whenever decoding could not change it (no `%` up to just past it).
 * - Its request ids and batch ids come from `uuid` 3, which calls `crypto.randomBytes(16)` for every
 *   id (0.27 s). The ids now take their bytes from a pool refilled 4 KiB at a time.
 * Both are speed only: an Azurite whose modules are laid out otherwise is left as it is (the test
 * checks that both are in place with the Azurite this project pins).
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

/** What installRequestCosts put in place. */
export interface RequestCostsInstalled {
  pooledIds: boolean;
  fastBoundary: boolean;
}

/** Patches the Azurite whose entry script is `azuriteEntry`. Must run before Azurite loads its modules. */
export function installRequestCosts(azuriteEntry: string): RequestCostsInstalled {
  const require = createRequire(azuriteEntry);
  return { pooledIds: poolIdBytes(require), fastBoundary: boundaryWithoutDecoding(require, azuriteEntry) };
}

function poolIdBytes(require: NodeJS.Require): boolean {
  const paths = resolved(require, ['uuid/v4', 'uuid/lib/rng']);
  if (paths === undefined) return false;
  const [v4Path, rngPath] = paths as [string, string];
  // uuid's v4 takes its generator when it loads: the pool must be in place first.
  if (require.cache[v4Path] !== undefined) return false;
  require(rngPath);
  const rngModule = require.cache[rngPath];
  if (rngModule === undefined || typeof rngModule.exports !== 'function') return false;
  rngModule.exports = pooledRandomBytes();
  return true;
}

function boundaryWithoutDecoding(require: NodeJS.Require, azuriteEntry: string): boolean {
  const paths = resolved(require, [path.join(path.dirname(azuriteEntry), 'table/batch/BatchSerialization.js')]);
  if (paths === undefined) return false;
  const serialization = require(paths[0] as string) as { BatchSerialization?: { prototype: { extractBatchBoundary?: unknown } } };
  const prototype = serialization.BatchSerialization?.prototype;
  if (typeof prototype?.extractBatchBoundary !== 'function') return false;
  prototype.extractBatchBoundary = fastBatchBoundary(prototype.extractBatchBoundary as ExtractBatchBoundary);
  return true;
}

/** The modules' paths, or undefined when one of them is not there. */
function resolved(require: NodeJS.Require, modules: readonly string[]): string[] | undefined {
  try {
    return modules.map((module) => require.resolve(module));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}
