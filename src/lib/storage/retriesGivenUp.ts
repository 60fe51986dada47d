import type { PipelinePolicy, PipelineRequest, PipelineResponse } from '@azure/core-rest-pipeline';

/** What one request's attempts have come to, shared by the two policies. */
interface Attempts {
  /** Aborts the request's waiting and sending (linked to the caller's own signal). */
  controller: AbortController;
  /** The last failed attempt: what the request ends with once retries are given up. */
  lastFailure: Error | undefined;
}

/**
 * Once `giveUp` aborts (`watch`'s first Ctrl-C), a request whose attempt failed is not tried again
 * (tables and blobs alike):
 * the SDK's back-off is cut at once and the request fails with its last attempt's error. Requests
 * that have not failed are left alone, so a stop still lets healthy writes finish. Two policies:
 * one around the SDK's retry policy (per call) owns the request's abort signal, one inside it (per
 * retry) sees each attempt fail.
 */
export function retriesGivenUp(giveUp: AbortSignal): { perCall: PipelinePolicy; perRetry: PipelinePolicy } {
  const inFlight = new Map<PipelineRequest, Attempts>();
  const stopRetrying = (attempts: Attempts): void => {
    if (attempts.lastFailure !== undefined) attempts.controller.abort();
  };
  giveUp.addEventListener('abort', () => inFlight.forEach(stopRetrying), { once: true });

  const perCall: PipelinePolicy = {
    name: 'acsLogsRetriesGivenUp',
    async sendRequest(request, next) {
      const callers = request.abortSignal;
      const attempts: Attempts = { controller: new AbortController(), lastFailure: undefined };
      const onCallerAbort = (): void => attempts.controller.abort();
      if (callers?.aborted) attempts.controller.abort();
      callers?.addEventListener('abort', onCallerAbort);
      request.abortSignal = attempts.controller.signal;
      inFlight.set(request, attempts);
      try {
        return await next(request);
      } catch (error) {
        // The abort was ours, not the caller's: the request ends as its last attempt did.
        if (giveUp.aborted && attempts.lastFailure !== undefined && !callers?.aborted) throw attempts.lastFailure;
        throw error;
      } finally {
        inFlight.delete(request);
        callers?.removeEventListener('abort', onCallerAbort);
        request.abortSignal = callers;
      }
    },
  };

  const perRetry: PipelinePolicy = {
    name: 'acsLogsRetriesGivenUpAttempt',
    async sendRequest(request, next) {
      const attempts = inFlight.get(request);
      // Given up after a failure: no attempt more, whether or not the retry policy looked at its signal
      // before trying again (the blob SDK's does not when its back-off is 0 ms).
      if (attempts?.lastFailure !== undefined && giveUp.aborted) throw attempts.lastFailure;
      let response: PipelineResponse;
      try {
        response = await next(request);
      } catch (error) {
        if (attempts) failed(attempts, error);
        throw error;
      }
      if (attempts && (response.status === 429 || response.status >= 500)) {
        failed(attempts, Object.assign(new Error(`storage answered ${response.status}`), { statusCode: response.status }));
      }
      return response;
    },
  };

  const failed = (attempts: Attempts, failure: unknown): void => {
    attempts.lastFailure = failure instanceof Error ? failure : new Error(String(failure));
    if (giveUp.aborted) stopRetrying(attempts);
  };
  return { perCall, perRetry };
}
