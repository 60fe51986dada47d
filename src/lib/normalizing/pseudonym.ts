/**
 * Participant and endpoint ids of the call logs, replaced by a digest as soon as they are read: a leg
 * is told apart by its digest, and no view or row ever holds the id itself.
 */
import crypto from 'node:crypto';

/** Values that stand for "no id": the service writes `Redacted` for ids of other tenants. */
const NO_ID = new Set(['redacted', 'null', '']);

/** The digest (22 chars of base64url SHA-256) of a trimmed id; null for an absent or redacted one; other values unchanged. */
export function pseudonymOf(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const id = value.trim();
  if (NO_ID.has(id.toLowerCase())) return null;
  return crypto
    .createHash('sha256')
    .update('acs-logs-leg:' + id)
    .digest('base64url')
    .slice(0, 22);
}
