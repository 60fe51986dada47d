/**
 * The SDKs retry 429/5xx and failed connections, but not a connection cut while the answer is read.
 * `againIfCut` sends such a request again, a few times with back-off. Only for requests that are
 * safe to repeat: reads, and writes that are conditional (ETag or create) or idempotent (upsert),
 * where one that had taken effect comes back 409/412, which callers treat as a lost race.
 */
export interface CutRetry {
  attempts: number;
  /** Waits baseDelayMs * 2^attempt between attempts. */
  baseDelayMs: number;
}

export const DEFAULT_CUT_RETRY: CutRetry = { attempts: 4, baseDelayMs: 100 };

export async function againIfCut<T>(
  operation: () => Promise<T>,
  wasCut: (error: unknown) => boolean = answerWasCut,
  retry: CutRetry = DEFAULT_CUT_RETRY,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (attempt >= retry.attempts || !wasCut(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, retry.baseDelayMs * 2 ** attempt));
    }
  }
}

/** A request that was sent but whose answer was cut while read (`PARSE_ERROR`); send failures the SDK retries itself. */
export function answerWasCut(error: unknown): boolean {
  // By shape: the tables and blobs SDKs each bring their own copy of RestError.
  if (!(error instanceof Error) || error.name !== 'RestError') return false;
  const { statusCode, code } = error as Error & { statusCode?: number; code?: string };
  return statusCode === undefined && code === 'PARSE_ERROR';
}

/**
 * A blob read's answer cut: a listing's comes back as `PARSE_ERROR`, a download's as an `AbortError`
 * (on Node 20 the blob SDK takes the response's `aborted` event for a caller's abort, so
 * `maxRetryRequestsPerBlock` never resumes it). Only for callers that never abort.
 */
export function blobReadWasCut(error: unknown): boolean {
  return answerWasCut(error) || (error instanceof Error && error.name === 'AbortError');
}
