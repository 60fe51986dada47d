import type { Health } from '../querying/queryRows.js';
import { jsonResult, type HttpResult } from './responses.js';

/**
 * `GET /api/health`: 200 with the health as read, whether `ok` or `degraded` (quarantined lines are
 * waiting: the body says so, but the app is up and answering).
 */
export function renderHealth(health: Health): HttpResult {
  return jsonResult(200, health);
}

/** The body when storage could not be read at all. */
export interface UnavailableBody {
  status: 'unavailable';
  checkedAt: string;
  error: { code: 'storage_unavailable' | 'configuration_error'; message: string; details: [] };
}

/**
 * 503: storage could not be reached, or a setting cannot work (`configuration_error`, as /api/query
 * says it: trying again will not help), so nothing about processing is known.
 */
export function healthUnavailable(
  now: number,
  message = 'storage could not be reached',
  code: UnavailableBody['error']['code'] = 'storage_unavailable',
): HttpResult {
  const body: UnavailableBody = {
    status: 'unavailable',
    checkedAt: new Date(now).toISOString(),
    error: { code, message, details: [] },
  };
  return jsonResult(503, body);
}
