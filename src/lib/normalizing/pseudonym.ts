/**
 * Participant and endpoint ids of the call logs, replaced by a digest as soon as they are read: a leg
 * is told apart by its digest, and no view or row ever holds the id itself. The digest has no secret
 * (stored legs are keyed by it, so it never changes): a pseudonym, which an id drawn from a small set,
 * such as a phone number, can be found again from by hashing the candidates (docs/CALLS.md).
 */
import { sha256Base64Url } from '../storage/keys.js';
import { documentedEndpointType } from './endpointTypes.js';

/** Values that stand for "no id": the service writes `Redacted` for ids of other tenants. */
const NO_ID = new Set(['redacted', 'null', '']);

/** Digests of the ids met lately: a leg's id recurs in every record of its streams. */
const recent = new Map<string, string>();
const MAX_RECENT = 4096;
/** Ids are GUIDs or ACS identities of about 100 characters: a longer one is not remembered, or 4,096 of them could hold gigabytes. */
const MAX_REMEMBERED_ID_CHARS = 256;

/** The digest (22 chars of base64url SHA-256) of a trimmed id; null for an absent or redacted one; other values unchanged. */
export function pseudonymOf(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const id = value.trim();
  // Only ids that are not "no id" are remembered: a hit needs no other check.
  const known = recent.get(id);
  if (known !== undefined) return known;
  if (NO_ID.has(id.toLowerCase())) return null;
  const key = sha256Base64Url('acs-logs-leg:' + id).slice(0, 22);
  if (id.length > MAX_REMEMBERED_ID_CHARS) return key;
  if (recent.size >= MAX_RECENT) recent.clear();
  recent.set(id, key);
  return key;
}

/** Whether a raw id is the service's `Redacted` (another tenant's participant). */
export function isRedacted(value: unknown): boolean {
  return typeof value === 'string' && value.trim().toLowerCase() === 'redacted';
}

/**
 * The participant key of a leg whose ids are both redacted or absent, one at least `Redacted`: a
 * digest of its EndpointType and Identifier, the way Microsoft's own call queries tell such
 * participants apart. Two of them with the same type and Identifier are one leg there and here.
 * The type is taken in the documentation's spelling, so `VOIP` and `VoIP` are one type; a type
 * written that way keys as before.
 */
export function redactedParticipantKey(endpointType: unknown, identifier: unknown): string {
  const type = typeof endpointType === 'string' ? documentedEndpointType(endpointType) : null;
  const text = typeof identifier === 'string' ? identifier.trim() : null;
  return sha256Base64Url('acs-logs-redacted-leg:' + JSON.stringify([type, text])).slice(0, 22);
}
