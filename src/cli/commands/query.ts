import { parseViewFilters } from '../../lib/querying/filterInput.js';
import type { ViewFilters } from '../../lib/querying/filters.js';
import { VIEWS } from '../../lib/querying/views.js';
import { UsageError } from '../errors.js';
import { isTerminal, parseFormat, renderChunks, writeChunks } from '../format.js';
import { openStorage, type StorageFlags } from '../storageSession.js';
import { cliSettings } from '../settings.js';
import { oneLine } from '../printable.js';
import { nothingFound } from '../queryNotes.js';
import { bucketNote } from '../../lib/querying/bucketNote.js';
import { collapseRows } from '../collapseRows.js';
import { terminalWidth } from '../terminalWidth.js';
import { displayWidth } from '../displayWidth.js';
import { tableColumn } from '../cells.js';
import { chooseColumns, type ColumnFlags } from '../viewColumns.js';

export interface QueryFlags extends StorageFlags, ColumnFlags {
  granularity: string;
  /** `--granularity` was typed, not defaulted (not a flag: set by the program). */
  granularityGiven?: boolean;
  from?: string;
  to?: string;
  resource?: string;
  /** Only the `calls` view accepts it. */
  correlationId?: string;
  format: string;
}

const FLAG_NAMES: Readonly<Record<string, string>> = { correlationId: '--correlation-id' };

/** Validates the flags with the same rules as the HTTP API; a bad flag is a usage error. */
export function parseFilters(view: string, flags: QueryFlags): ViewFilters {
  const result = parseViewFilters(
    view,
    { granularity: flags.granularity, from: flags.from, to: flags.to, resource: flags.resource, correlationId: flags.correlationId },
    (field) => FLAG_NAMES[field] ?? `--${field}`,
  );
  if (!result.success) throw new UsageError(result.message);
  return result.filters;
}

/** How many resources the rows of a bucketed table are of, when its columns leave the resource out (else 0). */
function resourcesHidden(columns: readonly string[], rows: readonly object[]): number {
  if (columns.includes('resourceId') || columns[0] !== 'bucket') return 0;
  return new Set(rows.map((row) => (row as { resourceId?: unknown }).resourceId)).size;
}

/** The width of a table's header line: cells are cut to fit, headers never. */
function headerWidth(columns: readonly string[]): number {
  return columns.reduce((width, column) => width + displayWidth(tableColumn(column).header), 0) + 2 * (columns.length - 1);
}

/** What the rows of the views without time buckets are, for the note on `--granularity`. */
const UNBUCKETED_ROWS: Readonly<Record<string, string>> = {
  rooms: 'one per room',
  calls: 'one per call',
  retirement: 'months',
  'recordings-per-call': 'counts of calls by their number of recordings',
};

/** `acs-logs query <view>`: prints one view as a table, JSON or CSV. */
export async function queryCommand(view: string, flags: QueryFlags, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<void> {
  const filters = parseFilters(view, flags);
  const format = parseFormat(flags.format);
  const definition = VIEWS[view];
  if (!definition) throw new UsageError(`unknown view "${view}"`);
  // JSON and CSV keep every field unless --columns names some; tables show the view's defaults.
  const choice =
    format === 'table' || flags.columns !== undefined ? chooseColumns(view, definition.columns, flags) : { columns: definition.columns, fit: false };
  const settings = cliSettings(flags);
  const storage = await openStorage(flags, settings.tablePrefix);
  try {
    const note = bucketNote(filters, definition, (unit) => `--granularity ${unit}`);
    if (note !== undefined) err.write(`note: ${note}\n`);
    // Views without buckets take the flag (a script may pass it to every view) but say it changes nothing.
    if (flags.granularityGiven && !definition.columns.includes('bucket')) {
      err.write(`note: --granularity does not apply to ${view}, whose rows are ${UNBUCKETED_ROWS[view] ?? 'not buckets'}\n`);
    }
    const rows = await definition.run(storage.tables, filters);
    if (rows.length === 0) err.write(`${oneLine(nothingFound(view, filters, `tables ${settings.tablePrefix}* of ${storage.where}`))}\n`);
    let columns = choice.columns;
    if (format === 'table' && flags.columns === undefined && !flags.wide) {
      const resources = resourcesHidden(columns, rows);
      const withResource = ['bucket', 'resourceId', ...columns.slice(1)];
      if (resources > 1 && headerWidth(withResource) <= terminalWidth(out)) columns = withResource;
      else if (resources > 1) {
        err.write(
          `note: these rows are of ${resources} resources, which this table leaves out to fit the terminal: ` +
            `give --resource for one, or --columns ${withResource.join(',')}\n`,
        );
      }
    }
    const shown = format === 'table' ? collapseRows(view, rows, columns) : rows;
    await writeChunks(
      out,
      renderChunks(shown, format, columns, {
        granularity: filters.granularity,
        maxWidth: choice.fit ? terminalWidth(out) : undefined,
        terminal: isTerminal(out),
      }),
    );
  } finally {
    await storage.close();
  }
}
