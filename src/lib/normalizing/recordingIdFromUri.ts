const MARKER = 'recordings/';

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
  const start = at + MARKER.length;
  let end = start;
  while (end < uri.length) {
    const c = uri.charCodeAt(end);
    // ':' starts an action (:pause), '?' the query, '#' a fragment, '/' a sub-resource.
    if (c === 0x3a || c === 0x3f || c === 0x23 || c === 0x2f) break;
    end++;
  }
  let id = uri.slice(start, end);
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
