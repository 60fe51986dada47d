import { UsageError } from './errors.js';

/**
 * The columns a table shows by default: the few that answer the view's question, whose headers fit
 * 80 characters. `--wide` shows every field, `--columns` the ones named.
 */
export const DEFAULT_TABLE_COLUMNS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  'rooms-operations': ['bucket', 'resourceId', 'operationName', 'resultSignature', 'count'],
  rooms: ['roomId', 'createdAt', 'deletedAt', 'participantsCount'],
  calls: ['correlationId', 'recordingCount', 'operationCount', 'matched'],
  recordings: ['bucket', 'resourceId', 'recordings', 'recordingSeconds'],
  'recording-operations': ['bucket', 'operationName', 'resultSignature', 'sdkType', 'count', 'durationMs'],
  usage: ['bucket', 'resourceId', 'usageType', 'unitType', 'quantity', 'records'],
  'recordings-per-call': ['recordings', 'calls'],
  'call-volume': ['bucket', 'resourceId', 'calls', 'callSeconds', 'impactedCalls', 'recordedCalls'],
  'call-quality': ['bucket', 'mediaType', 'streams', 'poorStreams', 'jitterMs', 'roundTripMs', 'packetLoss'],
  retirement: ['month', 'usageType', 'quantity', 'service', 'fate'],
});

export interface ColumnFlags {
  /** Comma-separated field names. */
  columns?: string;
  wide?: boolean;
}

export interface ColumnChoice {
  columns: readonly string[];
  /** Whether the table is cut to the terminal's width (not with --wide). */
  fit: boolean;
}

/** The fields to show: `--columns` (checked against the view's fields), every field with `--wide`, else the view's defaults. */
export function chooseColumns(view: string, fields: readonly string[], flags: ColumnFlags): ColumnChoice {
  if (flags.columns !== undefined && flags.wide) throw new UsageError('give --columns or --wide, not both');
  if (flags.columns !== undefined) {
    const names = flags.columns.split(',').map((name) => name.trim()).filter((name) => name !== '');
    const unknown = names.filter((name) => !fields.includes(name));
    if (names.length === 0 || unknown.length > 0) {
      const what = names.length === 0 ? '--columns names no column' : `unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}`;
      throw new UsageError(`${what} for ${view}: choose from ${fields.join(', ')}`);
    }
    return { columns: [...new Set(names)], fit: true };
  }
  if (flags.wide) return { columns: fields, fit: false };
  return { columns: DEFAULT_TABLE_COLUMNS[view] ?? fields, fit: true };
}
