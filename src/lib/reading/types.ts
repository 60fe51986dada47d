/**
 * Where the framer stands in a file, at a unit boundary. Stored in each file's checkpoint so that
 * the next read resumes exactly there, even inside a JSON document.
 * - `auto`: start of the file, shape not yet known (sniffed from the first line).
 * - `lines`: JSON Lines; `offset` is the start of a line.
 * - `values`: a sequence of (possibly pretty-printed) top-level JSON values, at depth 0.
 * - `array`: inside a top-level JSON array, after `[` or after an element.
 * - `records`: inside the `records` array of a top-level `{"records":[...]}` wrapper.
 * - `utf16le`, `utf16be`: a UTF-16 file (by its BOM or the NUL bytes of its first characters); it is
 *   not read, each of its lines is reported as `unsupported_encoding`; `offset` is the start of a line.
 * - `compressed`: a compressed file or archive (gzip, zip, zstd, xz, bzip2, by its first bytes); no
 *   line of it reads: its bytes are reported as `unsupported_encoding` as they come.
 */
export const FRAMING_MODES = ['auto', 'lines', 'values', 'array', 'records', 'utf16le', 'utf16be', 'compressed'] as const;
export type FramingMode = (typeof FRAMING_MODES)[number];

export interface FramerPosition {
  /** Byte offset in the file. */
  offset: number;
  /** Number of `\n` bytes before `offset` (so the 1-based line number at `offset` is `newlines + 1`). */
  newlines: number;
  mode: FramingMode;
}

/** One complete JSON text cut out of the file: a line, or one element of a document. */
export interface FramedUnit {
  kind: 'unit';
  /** Byte offset of the unit's first byte. */
  offset: number;
  /** Byte offset just past the unit (exclusive). */
  end: number;
  /** 1-based line number of the unit's first byte. */
  line: number;
  /** The unit's text: UTF-8 decoded, BOM and trailing `\r` removed. */
  text: string;
  /** The framing mode at the unit's start: a framer started at `{ offset, line - 1, mode }` frames it again. */
  mode?: FramingMode;
}

export type FramingIssueCode = 'line_too_long' | 'truncated' | 'unexpected_content' | 'unsupported_encoding';

/** Bytes that cannot be cut into a JSON text. Kept (up to a size limit) for quarantine. */
export interface FramingIssue {
  kind: 'issue';
  code: FramingIssueCode;
  offset: number;
  end: number;
  line: number;
  message: string;
  /** The first bytes of the bad span, decoded; at most `maxRawBytes`. */
  raw: string;
  rawTruncated: boolean;
  /** The framing mode at the issue's start (as for units). */
  mode?: FramingMode;
}

export type FramedItem = FramedUnit | FramingIssue;

/** A record as decoded from a unit, before normalizing. */
export interface RawRecord {
  /**
   * Unique, ordered position of the record in its file: the unit's byte offset plus the record's
   * index inside the unit (a `{"records":[...]}` line holds several). Always < the unit's end.
   */
  position: number;
  offset: number;
  line: number;
  value: Record<string, unknown>;
}

/** An element of a unit's array that is not an object: a bad record, where a record would be. */
export interface RejectedElement {
  /** As RawRecord.position. */
  position: number;
  code: 'not_an_object';
  message: string;
  /** The element as JSON. */
  text: string;
}
