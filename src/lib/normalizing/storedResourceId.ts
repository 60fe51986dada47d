/**
 * A resource id as stored: trimmed, upper case, without trailing slashes, and an ARM id always with its
 * leading slash. The call logs' samples write `SUBSCRIPTIONS/…` where the blob path and the other
 * categories write `/SUBSCRIPTIONS/…`: one resource, one id.
 */
export function storedResourceId(id: string): string {
  const upper = id.trim().toUpperCase();
  // `…/CONTOSO-ACS/` names the resource `…/CONTOSO-ACS` (as `--resource` reads it); `/` alone stays as written.
  const bare = upper.replace(/\/+$/, '');
  const stored = bare === '' ? upper : bare;
  return stored.startsWith('SUBSCRIPTIONS/') ? '/' + stored : stored;
}
