const MARKER = 'recordings/';
/** ':' starts an action (:pause), '?' the query, '#' a fragment, '/' a sub-resource. */
const ID_END = /[:?#/]/;

/**
 * The recording id in a Call Recording API request URI, URL-decoded and trimmed:
 * `.../calling/recordings/{id}:resume?api-version=...`, `.../recordings/{id}?...`, `.../recordings/{id}`.
 * `null` when the URI names no recording (`POST .../calling/recordings?api-version=...` starts one).
 */
export function recordingIdFromUri(uri: string): string | null {
  const lower = uri.toLowerCase();
  let at = lower.indexOf(MARKER);
  // `recordings/` must be a whole path segment.
  while (at > 0 && lower.charCodeAt(at - 1) !== 0x2f /* / */) at = lower.indexOf(MARKER, at + 1);
  if (at < 0) return null;
  const rest = uri.slice(at + MARKER.length);
  // A regex scans natively, several times faster than a charCodeAt loop over a long id.
  const end = rest.search(ID_END);
  let id = end < 0 ? rest : rest.slice(0, end);
  if (id.includes('%')) {
    try {
      id = decodeURIComponent(id);
    } catch {
      // malformed escapes: keep the id as written
    }
  }
  id = id.trim();
  return id === '' ? null : id;
}
