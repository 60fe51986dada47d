import type { RoomsOperationRecord } from '../../normalizing/types.js';
import { isFailedResult } from '../failedResult.js';

/** An operation failed when its ResultType is not `Succeeded` or its ResultSignature is 400 or more. */
export function isFailedOperation(record: RoomsOperationRecord): boolean {
  return isFailedResult(record.resultType, record.resultSignature);
}
