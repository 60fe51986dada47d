import os from 'node:os';

/**
 * The memory this process may use, in bytes: the machine's, or less when its container or control
 * group is limited (a 512 MB instance, `docker run --memory 1g`). Node reads the limit of cgroups v1
 * and v2; no limit reads as 0 or as about 2^64, which is no limit.
 */
export function machineMemoryBytes(total: number = os.totalmem(), constrained: number | undefined = constrainedMemory()): number {
  return constrained !== undefined && constrained > 0 && constrained < total ? constrained : total;
}

function constrainedMemory(): number | undefined {
  const read = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory;
  return read === undefined ? undefined : read.call(process);
}
