import * as crypto from 'node:crypto';

/**
 * Table keys may not hold `/ \ # ?` or control characters and are at most 1 KiB. Resource ids hold `/`,
 * correlation ids often `/` and `+`. Each key part is escaped reversibly as `!XX` (hex of the UTF-16
 * code unit for < 0x100), and a lone surrogate (which no URL can carry: the SDK would throw on every
 * read of the row) as `!uXXXX`; `|` joins parts, and `~` is never produced so `~`-prefixed row keys
 * are reserved for bookkeeping rows (high-water marks) and sort after every aggregate row.
 */
// eslint-disable-next-line no-control-regex -- control characters are what Table Storage keys refuse
const ESCAPED = /[\u0000-\u001f\u007f-\u009f!|~/\\#?%+']|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const NEEDS_ESCAPE = new RegExp(ESCAPED.source);

function escapeUnit(ch: string): string {
  const code = ch.charCodeAt(0);
  return code < 0x100 ? '!' + code.toString(16).toUpperCase().padStart(2, '0') : '!u' + code.toString(16).toUpperCase();
}

/**
 * Escaped parts by value. The parts that need escaping (resource ids, with their `/`) repeat on every
 * record of a file, so each is escaped once; parts that need none cost one regex test. Bounded.
 */
const ESCAPED_PARTS = new Map<string, string>();
const ESCAPED_PARTS_LIMIT = 1024;
/** Resource ids take about 150 characters: a longer part is escaped each time, or 1,024 of them could hold gigabytes. */
const ESCAPED_PART_CHARS = 1024;

export function encodeKeyPart(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  let encoded = ESCAPED_PARTS.get(value);
  if (encoded === undefined) {
    encoded = value.replace(ESCAPED, escapeUnit);
    if (value.length > ESCAPED_PART_CHARS) return encoded;
    if (ESCAPED_PARTS.size >= ESCAPED_PARTS_LIMIT) ESCAPED_PARTS.clear();
    ESCAPED_PARTS.set(value, encoded);
  }
  return encoded;
}

export function decodeKeyPart(encoded: string): string {
  return encoded.replace(/!(?:u([0-9A-F]{4})|([0-9A-F]{2}))/g, (_, wide: string | undefined, hex: string | undefined) =>
    String.fromCharCode(parseInt(wide ?? hex ?? '', 16)),
  );
}

/** Joins already-encoded parts. */
export function joinKey(...parts: string[]): string {
  return parts.join('|');
}

/** Row keys of bookkeeping rows start with this; aggregate row keys sort before it. */
export const RESERVED_ROW_PREFIX = '~';

/** Keys longer than this are replaced by a digest (Table Storage allows 1 KiB; keep headroom). */
const MAX_KEY_CHARS = 400;

/** What a long key part keeps of itself before its digest. */
const LONG_KEY_PREFIX_CHARS = 200;

/** Encodes a possibly long value as one key part: readable when short, a stable digest when long. */
export function encodeLongKeyPart(value: string): string {
  return longKeyPart(value, false);
}

/**
 * As encodeLongKeyPart, for keys that name a file (checkpoints, file failures, quarantine) or a call:
 * the kept prefix never ends inside a surrogate pair. A lone surrogate left there made every read of
 * the row throw (no URL carries one), so no row can be stored under such a key. Recording row keys
 * keep encodeLongKeyPart's cut: packed, a recording stored under it is found by it.
 */
export function encodeLongPathKeyPart(value: string): string {
  return longKeyPart(value, true);
}

/** The escaped value, or past MAX_KEY_CHARS its first LONG_KEY_PREFIX_CHARS (one fewer with `wholePairs`, if a pair would be split) and a digest. */
function longKeyPart(value: string, wholePairs: boolean): string {
  const encoded = encodeKeyPart(value);
  if (encoded.length <= MAX_KEY_CHARS) return encoded;
  const kept = wholePairs ? wholePairsPrefix(encoded, LONG_KEY_PREFIX_CHARS) : encoded.slice(0, LONG_KEY_PREFIX_CHARS);
  return kept + '!!' + digest(value);
}

/**
 * The first `units` UTF-16 units of `text`, one fewer when the last would be the first half of a
 * surrogate pair: no URL carries a lone surrogate, nor does any client read one back as text.
 */
export function wholePairsPrefix(text: string, units: number): string {
  const last = text.charCodeAt(units - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? units - 1 : units);
}

/** Short, stable, key-safe digest (base64url of SHA-256, 22 chars). */
export function digest(value: string): string {
  return sha256Base64Url(value).slice(0, 22);
}

/** One-shot `crypto.hash` (Node ≥ 20.12) costs less than half of a `createHash` object per call. */
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: 'base64url') => string }).hash;
/** SHA-256 of the UTF-8 text, base64url. */
export const sha256Base64Url: (value: string) => string = oneShotHash
  ? (value) => oneShotHash('sha256', value, 'base64url')
  : (value) => crypto.createHash('sha256').update(value).digest('base64url');

/** Table Storage allows 1 KiB per key: 512 UTF-16 code units (Azurite enforces the same). */
export const MAX_STORED_KEY_CHARS = 512;
/**
 * Longest key once percent-encoded for a URL: a point read carries both keys, a non-ASCII character
 * costs up to 9 chars (`%E4%B8%AD`), and servers answer 431 to request lines past 8-16 KiB.
 */
export const MAX_STORED_KEY_URL_CHARS = 2048;
const DIGEST_SUFFIX_CHARS = 2 + 22;

/**
 * The key as stored: the key itself when it fits both limits, else its longest prefix that leaves
 * room for `!!<digest of the whole key>`. Pure and idempotent (a stored key fits), so a logical key
 * maps to the same stored key on every write and read.
 */
export function boundedKey(key: string): string {
  if (key.length <= MAX_STORED_KEY_URL_CHARS / 9 || (key.length <= MAX_STORED_KEY_CHARS && urlLength(key) <= MAX_STORED_KEY_URL_CHARS)) return key;
  const maxChars = MAX_STORED_KEY_CHARS - DIGEST_SUFFIX_CHARS;
  const maxUrl = MAX_STORED_KEY_URL_CHARS - DIGEST_SUFFIX_CHARS;
  let end = 0;
  let url = 0;
  while (end < key.length && end < maxChars) {
    const code = key.charCodeAt(end);
    const pair = code >= 0xd800 && code <= 0xdbff && end + 1 < key.length ? 2 : 1;
    const cost = urlLength(key.slice(end, end + pair), Infinity);
    if (end + pair > maxChars || url + cost > maxUrl) break;
    url += cost;
    end += pair;
  }
  // Copied, not sliced: V8's slice of a long string keeps all of it alive while the bounded key is held (a write's routes).
  return key.slice(0, end).split('').join('') + '!!' + digest(key);
}

/** Chars of a string percent-encoded as UTF-8; `ifUnencodable` when it holds a lone surrogate. */
export function urlLength(value: string, ifUnencodable = value.length * 9): number {
  try {
    return encodeURIComponent(value).length;
  } catch {
    return ifUnencodable;
  }
}
