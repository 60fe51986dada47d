import type { FramingMode } from '../reading/types.js';
import { digest, encodeKeyPart, encodeLongKeyPart } from '../storage/keys.js';
import type { LogFileRef } from '../storage/LogSource.js';
import type { TableStore } from '../storage/TableStore.js';
import { odata } from '../storage/TableStore.js';

export const FILES_TABLE = 'Files';
/** Partition of the Files table holding the sweep's state rows (one per container). */
export const SWEEP_STATE_PARTITION = '~state';

/** Per-file progress. Advanced only after every record before `offset` is in every aggregate. */
export interface Checkpoint {
  container: string;
  path: string;
  /** Bumped when the file is replaced or truncated; high-water marks are per generation. */
  generation: number;
  offset: number;
  newlines: number;
  mode: FramingMode;
  /** The file's ETag when last looked at (stored as `fileEtag`; empty in checkpoints written before it was kept). */
  etag: string;
  length: number;
  createdOn: number | null;
  /** SHA-256 (base64url) of the first `fingerprintLength` consumed bytes (at most 256): part of the file's identity. */
  fingerprint: string;
  fingerprintLength: number;
  /** SHA-256 (base64url) of the `tailFingerprintLength` bytes just before `offset` (at most 512); 0 in checkpoints written before it existed. */
  tailFingerprint: string;
  tailFingerprintLength: number;
  /** Earlier ends of the file that were read to the end, newest last (at most 8): an older copy is recognised by them. */
  earlierEnds: EarlierEnd[];
  /** The file stopped growing and was read to its end: the tail no longer looks at it. */
  sealed: boolean;
  records: number;
  unsupported: number;
  badLines: number;
  bytes: number;
  replacements: number;
  /** When the file was last found replaced (ISO), and what told: `shrunk`, `head` or `tail`. */
  replacedAt: string | null;
  replacedBecause: string | null;
  firstSeenAt: string;
  updatedAt: string;
  /** Latest record time seen in this file (ISO), for lag reporting. */
  lastRecordAt: string | null;
}

/** An offset the file ended at when it was read to its end, with the fingerprint of the bytes before it. */
export interface EarlierEnd {
  offset: number;
  tailFingerprint: string;
  tailFingerprintLength: number;
}

export interface LoadedCheckpoint {
  checkpoint: Checkpoint;
  etag: string;
}

export function freshCheckpoint(file: LogFileRef, now: number): Checkpoint {
  const at = new Date(now).toISOString();
  return {
    container: file.container,
    path: file.path,
    generation: 0,
    offset: 0,
    newlines: 0,
    mode: 'auto',
    etag: '',
    length: 0,
    createdOn: null,
    fingerprint: '',
    fingerprintLength: 0,
    tailFingerprint: '',
    tailFingerprintLength: 0,
    earlierEnds: [],
    sealed: false,
    records: 0,
    unsupported: 0,
    badLines: 0,
    bytes: 0,
    replacements: 0,
    replacedAt: null,
    replacedBecause: null,
    firstSeenAt: at,
    updatedAt: at,
    lastRecordAt: null,
  };
}

/** Id of a file generation in high-water-mark and quarantine keys: short, stable, key-safe. */
export function fileGenerationId(file: LogFileRef, generation: number): string {
  return `${digest(`${file.container}/${file.path}`)}.${generation}`;
}

/** Checkpoint rows: partition = container, row = blob path. Writes are ETag-conditional. */
export class CheckpointStore {
  constructor(private readonly tables: TableStore) {}

  async get(file: LogFileRef): Promise<LoadedCheckpoint | undefined> {
    await this.tables.ensureTable(FILES_TABLE);
    const row = await this.tables.getRow(FILES_TABLE, encodeKeyPart(file.container), encodeLongKeyPart(file.path));
    if (!row) return undefined;
    return { checkpoint: fromRow(row.data), etag: row.etag };
  }

  /** Saves when nobody else moved the row since `etag` was read; `false` on a lost race. */
  async save(checkpoint: Checkpoint, etag: string | undefined): Promise<boolean> {
    await this.tables.ensureTable(FILES_TABLE);
    const rowKey = encodeLongKeyPart(checkpoint.path);
    // `etag` is the row's own in Table Storage: the file's is kept as `fileEtag`.
    const { etag: fileEtag, earlierEnds, ...rest } = checkpoint;
    const data = { ...rest, fileEtag, earlierEnds: JSON.stringify(earlierEnds) } as Record<string, unknown>;
    const outcome = await this.tables.writeConditional(
      FILES_TABLE,
      encodeKeyPart(checkpoint.container),
      etag ? { op: 'replace', rowKey, etag, data } : { op: 'create', rowKey, data },
    );
    return outcome.committed;
  }

  /** Files that may still grow, page by page. */
  async *listOpen(container?: string): AsyncGenerator<Checkpoint> {
    await this.tables.ensureTable(FILES_TABLE);
    const filter = container
      ? odata`PartitionKey eq ${encodeKeyPart(container)} and sealed eq false`
      : 'sealed eq false';
    for await (const row of this.tables.query(FILES_TABLE, filter)) yield fromRow(row.data);
  }

  /** Every checkpoint (optionally of one container), page by page. */
  async *listAll(container?: string): AsyncGenerator<Checkpoint> {
    await this.tables.ensureTable(FILES_TABLE);
    const filter = container ? odata`PartitionKey eq ${encodeKeyPart(container)}` : undefined;
    for await (const row of this.tables.query(FILES_TABLE, filter)) yield fromRow(row.data);
  }
}

function fromRow(data: Record<string, unknown>): Checkpoint {
  const num = (key: string): number => (typeof data[key] === 'number' ? data[key] : 0);
  const str = (key: string): string => (typeof data[key] === 'string' ? data[key] : '');
  return {
    container: str('container'),
    path: str('path'),
    generation: num('generation'),
    offset: num('offset'),
    newlines: num('newlines'),
    mode: (str('mode') || 'auto') as FramingMode,
    etag: str('fileEtag'),
    length: num('length'),
    createdOn: typeof data['createdOn'] === 'number' ? data['createdOn'] : null,
    fingerprint: str('fingerprint'),
    fingerprintLength: num('fingerprintLength'),
    tailFingerprint: str('tailFingerprint'),
    tailFingerprintLength: num('tailFingerprintLength'),
    earlierEnds: parseEarlierEnds(data['earlierEnds']),
    sealed: data['sealed'] === true,
    records: num('records'),
    unsupported: num('unsupported'),
    badLines: num('badLines'),
    bytes: num('bytes'),
    replacements: num('replacements'),
    replacedAt: typeof data['replacedAt'] === 'string' ? data['replacedAt'] : null,
    replacedBecause: typeof data['replacedBecause'] === 'string' ? data['replacedBecause'] : null,
    firstSeenAt: str('firstSeenAt'),
    updatedAt: str('updatedAt'),
    lastRecordAt: typeof data['lastRecordAt'] === 'string' ? data['lastRecordAt'] : null,
  };
}

function parseEarlierEnds(value: unknown): EarlierEnd[] {
  if (typeof value !== 'string' || value === '') return [];
  const parsed: unknown = JSON.parse(value);
  if (!Array.isArray(parsed)) return [];
  return parsed.filter((end: Partial<Record<keyof EarlierEnd, unknown>> | null): end is EarlierEnd =>
    typeof end === 'object' && end !== null && typeof end.offset === 'number' && typeof end.tailFingerprint === 'string' && typeof end.tailFingerprintLength === 'number');
}
