import { RestError, type PipelinePolicy } from '@azure/core-rest-pipeline';

/**
 * How long one attempt may wait for storage's answer: an endpoint that takes the connection and never
 * answers (a stalled proxy, a frozen emulator) otherwise holds a read, and every query or write
 * waiting on it, forever. Reads answer within Table Storage's 5 s per page plus the transfer; a
 * write may carry a 4 MiB transaction.
 */
export const TRY_TIMEOUT_MS = { read: 15_000, write: 60_000 };

/**
 * Per attempt (inside the retry policy): a request without a timeout of its own gets one, and an
 * attempt that ran out of it fails as a timed-out connection (ETIMEDOUT), which the retry policy
 * tries again and the errors count as storage unavailable. An abort by the caller stays an abort.
 */
export function tryTimeout(limits: { read: number; write: number } = TRY_TIMEOUT_MS): PipelinePolicy {
  return {
    name: 'acsLogsTryTimeout',
    async sendRequest(request, next) {
      const limit = request.method === 'GET' || request.method === 'HEAD' ? limits.read : limits.write;
      if (!(request.timeout > 0)) request.timeout = limit;
      try {
        return await next(request);
      } catch (error) {
        if ((error as Error | undefined)?.name !== 'AbortError' || request.abortSignal?.aborted === true) throw error;
        throw new RestError(`no answer from storage within ${request.timeout / 1000} s`, { code: 'ETIMEDOUT', request });
      }
    },
  };
}
