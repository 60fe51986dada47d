const RESOURCE_ID_MARKER = 'resourceid=';

/** A path segment that starts the time partition after the resource id: `y=2024`, `m=05`, `d=25`, `h=04`. */
const TIME_SEGMENT = /^[ymdh]=\d+$/i;

/**
 * The upper-case resource id inside a diagnostic-log blob path:
 * `[container/]resourceId=/SUBSCRIPTIONS/.../COMMUNICATIONSERVICES/NAME/y=2024/m=05/d=25/h=04/m=00/PT1H.json`
 * gives `/SUBSCRIPTIONS/.../COMMUNICATIONSERVICES/NAME`. Also accepts a full blob URL and a percent-encoded
 * path. `undefined` when the path has no `resourceId=` segment or it is empty.
 */
export function resourceIdFromBlobPath(path: string): string | undefined {
  let text = path;
  if (text.includes('%')) {
    try {
      text = decodeURIComponent(text);
    } catch {
      // malformed escapes: read the path as it is
    }
  }
  const lower = text.toLowerCase();
  let at = lower.indexOf(RESOURCE_ID_MARKER);
  // The marker must start a path segment (`.../resourceId=` or the start of the path).
  while (at > 0 && lower.charCodeAt(at - 1) !== 0x2f /* / */) {
    at = lower.indexOf(RESOURCE_ID_MARKER, at + 1);
  }
  if (at < 0) return undefined;
  const rest = text.slice(at + RESOURCE_ID_MARKER.length);
  const segments = rest.split('/');
  const kept: string[] = [];
  for (const segment of segments) {
    if (TIME_SEGMENT.test(segment)) break;
    kept.push(segment);
  }
  while (kept.length > 0 && kept[kept.length - 1] === '') kept.pop();
  let id = kept.join('/');
  if (id === '' || id === '/') return undefined;
  if (!id.startsWith('/')) id = '/' + id;
  return id.toUpperCase();
}
