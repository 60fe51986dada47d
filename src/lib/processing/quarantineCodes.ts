import type { DecodeResult } from '../reading/decodeUnit.js';
import type { FramingIssueCode } from '../reading/types.js';
import type { NormalizeIssueCode } from '../normalizing/types.js';

type DecodeIssueCode = Extract<DecodeResult, { success: false }>['code'];

/** The codes the reading, decoding, normalizing and writing steps give a line they cannot use. */
export type IssueCode = DecodeIssueCode | FramingIssueCode | NormalizeIssueCode | 'storage_rejected';

/** Every code a quarantine entry can carry: what `--code` may name (types only, so the CLI's first modules can load it). */
export const QUARANTINE_CODES = [
  'invalid_json',
  'not_an_object',
  'schema_invalid',
  'time_invalid',
  'value_out_of_range',
  'time_out_of_range',
  'line_too_long',
  'truncated',
  'unexpected_content',
  'unsupported_encoding',
  'storage_rejected',
] as const satisfies readonly IssueCode[];

export type QuarantineCode = (typeof QUARANTINE_CODES)[number];
