import { classifyError } from '../storage/errors.js';

/** How long, after storage could not be reached, requests are answered 503 without trying it. */
export const OUTAGE_HOLD_MS = 5_000;

/** Storage was found unreachable (or overloaded) a moment ago: `code` says how. */
export interface HeldOutage {
  code: string;
  /** Whole seconds until storage is tried again (the answer's Retry-After). */
  retryAfterSeconds: number;
}

/**
 * What one server knows of its storage's reachability. Each read that storage did not answer has
 * already waited out the SDK's retries (8–11 s), and the evaluations queued behind it would each
 * wait them out again: a dashboard of ten views took 50 s to show that storage was down. After
 * such a failure, the reads under way stop before their next request and requests for OUTAGE_HOLD_MS
 * are answered at once; any read that succeeds (a health check, a view) ends the hold.
 */
export class StorageOutage {
  private heldUntil = 0;
  private code = '';
  /** Aborted when an outage is found, so that reads already under way stop before their next request. */
  private found = new AbortController();

  constructor(
    readonly holdMs = OUTAGE_HOLD_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** The outage being held now, if any. */
  held(): HeldOutage | undefined {
    const left = this.heldUntil - this.now();
    return left > 0 ? { code: this.code, retryAfterSeconds: Math.ceil(left / 1000) } : undefined;
  }

  /**
   * The signal to read under, taken when an evaluation starts: aborted with an OutageHeldError while
   * an outage is held, or as soon as one is found, whoever found it.
   */
  signal(): AbortSignal {
    if (this.found.signal.aborted && this.held() === undefined) this.found = new AbortController();
    return this.found.signal;
  }

  /** Notes a read that failed; returns the outage it starts when storage was unreachable or overloaded. */
  failed(error: unknown): HeldOutage | undefined {
    const held = outageOf(error, this.holdMs);
    if (held === undefined) return undefined;
    this.heldUntil = this.now() + this.holdMs;
    this.code = held.code;
    if (!this.found.signal.aborted) this.found.abort(new OutageHeldError(held));
    return held;
  }

  /** Notes a read that storage answered: it is reachable again. */
  answered(): void {
    this.heldUntil = 0;
    if (this.found.signal.aborted) this.found = new AbortController();
  }
}

/** The outage a failed read tells of, when storage could not be reached or was overloaded (classifyError's `transient`). */
export function outageOf(error: unknown, holdMs = OUTAGE_HOLD_MS): HeldOutage | undefined {
  const classified = classifyError(error);
  return classified.kind === 'transient' ? { code: classified.code, retryAfterSeconds: Math.ceil(holdMs / 1000) } : undefined;
}

/** Thrown instead of reading storage while an outage is held. */
export class OutageHeldError extends Error {
  override readonly name = 'OutageHeldError';
  constructor(readonly outage: HeldOutage) {
    super(`storage could not be reached a moment ago (${outage.code})`);
  }
}
