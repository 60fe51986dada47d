import { RestError, type PipelinePolicy } from '@azure/core-rest-pipeline';

/**
 * How long one attempt may wait for storage's answer: an endpoint that takes the connection and never
 * answers (a stalled proxy, a frozen emulator) otherwise holds a read, and every query or write
 * waiting on it, forever. Reads answer within Table Storage's 5 s per page plus the transfer; a
 * write may carry a 4 MiB transaction.
 */
export const TRY_TIMEOUT_MS = { read: 15_000, write: 60_000 };

/**
 * Per attempt (inside the retry policy): an attempt that gets no answer in time is aborted and fails
 * as a timed-out connection (ETIMEDOUT), which the retry policy tries again and the errors count as
 * storage unavailable. An abort by the caller stays an abort, also while a streamed body is read. The timer is the policy's own, cleared
 * however the attempt ends and never holding the process open (the HTTP client's `timeout` is left
 * running when a connection is refused).
 */
export function tryTimeout(limits: { read: number; write: number } = TRY_TIMEOUT_MS): PipelinePolicy {
  return {
    name: 'acsLogsTryTimeout',
    async sendRequest(request, next) {
      const limit = request.method === 'GET' || request.method === 'HEAD' ? limits.read : limits.write;
      const callers = request.abortSignal;
      const attempt = new AbortController();
      let timedOut = false;
      const onCallerAbort = (): void => attempt.abort();
      if (callers?.aborted === true) attempt.abort();
      callers?.addEventListener('abort', onCallerAbort, { once: true });
      const timer = setTimeout(() => {
        timedOut = true;
        attempt.abort();
      }, limit);
      timer.unref();
      request.abortSignal = attempt.signal;
      let streaming = false;
      try {
        const response = await next(request);
        // A body still to come (a ranged blob read) is read under this attempt's signal: the caller's abort still ends it.
        streaming = response.readableStreamBody !== undefined;
        return response;
      } catch (error) {
        if (!timedOut || callers?.aborted === true) throw error;
        throw new RestError(`no answer from storage within ${limit / 1000} s`, { code: 'ETIMEDOUT', request });
      } finally {
        clearTimeout(timer);
        if (!streaming) callers?.removeEventListener('abort', onCallerAbort);
        request.abortSignal = callers;
      }
    },
  };
}
