import type { RoomsOperationRecord } from '../../normalizing/types.js';

/** An operation failed when its ResultType is not `Succeeded` or its ResultSignature is 400 or more. */
export function isFailedOperation(record: RoomsOperationRecord): boolean {
  if (record.resultType !== null && record.resultType.toLowerCase() !== 'succeeded') return true;
  const status = record.resultSignature === null ? NaN : Number(record.resultSignature);
  return Number.isFinite(status) && status >= 400;
}
