import type { QuarantinedLine } from '../../src/lib/processing/quarantineRows.js';

/** A quarantine entry of one bad line of a local file, at `position` (dismissed when asked), as a run writes it. */
export function quarantineEntry(path: string, position: number, dismissed = false): QuarantinedLine {
  return {
    container: 'local',
    path,
    generation: 0,
    offset: position,
    end: position + 10,
    position,
    line: position + 1,
    code: 'invalid_json',
    message: 'not JSON',
    raw: `{broken ${position}`,
    rawTruncated: false,
    count: 1,
    lastLine: position + 1,
    scope: 'units',
    quarantinedAt: '2024-06-01T00:00:00.000Z',
    category: 'RoomsOperational',
    ...(dismissed ? { dismissedAt: '2024-06-02T00:00:00.000Z', dismissedBecause: 'junk' } : {}),
  };
}
