/**
 * A resource id as stored: trimmed, upper case, and an ARM id always with its leading slash. The
 * call logs' samples write `SUBSCRIPTIONS/…` where the blob path and the other categories write
 * `/SUBSCRIPTIONS/…`: one resource, one id.
 */
export function storedResourceId(id: string): string {
  const upper = id.trim().toUpperCase();
  return upper.startsWith('SUBSCRIPTIONS/') ? '/' + upper : upper;
}
