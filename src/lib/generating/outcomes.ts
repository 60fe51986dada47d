/** How API requests turn out: success, or one of the failures seen in ACS logs. */
import { Weighted, type Random } from './random.js';

export interface Outcome {
  failed: boolean;
  status: number;
  resultType: string;
  level: string;
}

export function success(status: number): Outcome {
  return { failed: false, status, resultType: 'Succeeded', level: 'Informational' };
}

/** A failure with its status: 400 and 5xx are `Failed`, other 4xx `ClientError` (as in the samples). */
export function failure(status: number): Outcome {
  return {
    failed: true,
    status,
    resultType: status === 400 || status >= 500 ? 'Failed' : 'ClientError',
    level: status === 429 ? 'Warning' : 'Error',
  };
}

/** Failures of any request: throttling, server errors, an expired token. */
const TRANSIENT = new Weighted<number>([
  [429, 45],
  [500, 30],
  [503, 12],
  [401, 8],
  [400, 5],
]);

/** `success(status)`, or with probability `failureRate` a failure drawn from `kinds`. */
export function decide(random: Random, failureRate: number, status: number, kinds: Weighted<number> = TRANSIENT): Outcome {
  return random.chance(failureRate) ? failure(kinds.draw(random)) : success(status);
}

/** Failures of requests that carry a lifespan: a bad lifespan (400) is the most common. */
export const WITH_BAD_INPUT = new Weighted<number>([
  [400, 40],
  [429, 30],
  [500, 20],
  [503, 10],
]);

/** A request's duration in ms: log-normal around `median`; throttled requests are quick, 5xx slow. */
export function requestDuration(random: Random, median: number, outcome: Outcome): number {
  if (outcome.status === 429) return Math.max(1, Math.round(random.logNormal(6, 0.4)));
  const base = random.logNormal(median, 0.55);
  const slow = outcome.status >= 500 ? random.between(3, 30) : random.chance(0.01) ? random.between(5, 15) : 1;
  return Math.max(1, Math.round(base * slow));
}

/** `resultSignature`: the HTTP status, as a number or (as in several seed examples) a string. */
export function signature(random: Random, status: number, asStringShare: number): number | string {
  return random.chance(asStringShare) ? String(status) : status;
}
