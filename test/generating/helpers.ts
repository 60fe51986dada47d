import { createHash } from 'node:crypto';
import { generateLogs } from '../../src/lib/generating/index.js';
import type { GenerateOptions, LogAppend } from '../../src/lib/generating/index.js';
import { defaultGenerateOptions } from '../../src/lib/generating/index.js';

export const FROM = Date.UTC(2024, 4, 25, 0, 0, 0);
export const HOUR = 3_600_000;

/** A medium scenario used by several tests: 2 resources, 10 hours. */
export function scenario(overrides: Partial<GenerateOptions> = {}): GenerateOptions {
  return defaultGenerateOptions({ seed: 7, from: FROM, to: FROM + 10 * HOUR, resources: 2, roomsPerHour: 25, callsPerHour: 12, ...overrides });
}

export function collect(options: GenerateOptions): LogAppend[] {
  return [...generateLogs(options)];
}

/** A digest of everything an iteration yields: files, times and bytes, in order. */
export function digestOf(appends: Iterable<LogAppend>): string {
  const hash = createHash('sha256');
  for (const append of appends) {
    hash.update(`${append.file.container}\n${append.file.path}\n${append.at}\n`);
    for (const line of append.lines) hash.update(line);
  }
  return hash.digest('hex');
}

export interface Line {
  append: LogAppend;
  raw: Record<string, unknown>;
  properties: Record<string, unknown>;
  line: string;
}

export function linesOf(appends: readonly LogAppend[]): Line[] {
  const lines: Line[] = [];
  for (const append of appends) {
    for (const line of append.lines) {
      const raw = JSON.parse(line) as Record<string, unknown>;
      lines.push({ append, raw, properties: (raw['properties'] ?? {}) as Record<string, unknown>, line });
    }
  }
  return lines;
}

export function totalBytes(appends: Iterable<LogAppend>): number {
  let bytes = 0;
  for (const append of appends) for (const line of append.lines) bytes += Buffer.byteLength(line);
  return bytes;
}
