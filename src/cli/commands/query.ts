import { parseViewFilters } from '../../lib/querying/filterInput.js';
import type { ViewFilters } from '../../lib/querying/filters.js';
import { VIEWS } from '../../lib/querying/views.js';
import { UsageError } from '../errors.js';
import { isTerminal, parseFormat, renderChunks, writeChunks } from '../format.js';
import { openStorage, type StorageFlags } from '../storageSession.js';
import { cliSettings } from '../settings.js';
import { oneLine } from '../printable.js';
import { nothingFound } from '../queryNotes.js';
import { bucketNote, granularityIgnored } from '../../lib/querying/bucketNote.js';
import { collapseRows } from '../collapseRows.js';
import { terminalWidth } from '../terminalWidth.js';
import { chooseColumns, fitDefaultColumns, fitsWhole, sameNamedResources, showResources, type ColumnFlags } from '../viewColumns.js';

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
    const ignored = flags.granularityGiven ? granularityIgnored(view, definition, '--granularity') : undefined;
    if (ignored !== undefined) err.write(`note: ${ignored}\n`);
    const rows = await definition.run(storage.tables, filters);
    if (rows.length === 0) err.write(`${oneLine(nothingFound(view, filters, `tables ${settings.tablePrefix}* of ${storage.where}`))}\n`);
    let columns = choice.columns;
    const fitsUncut = (candidate: readonly string[]): boolean =>
      fitsWhole(candidate, collapseRows(view, rows, candidate), filters.granularity, terminalWidth(out));
    if (format === 'table' && flags.columns === undefined && !flags.wide) {
      const resources = showResources(columns, rows, fitsUncut);
      columns = resources.columns;
      if (resources.note !== undefined) err.write(`note: ${oneLine(resources.note)}\n`);
    }
    const sameNames = format === 'table' ? sameNamedResources(columns, rows) : undefined;
    if (sameNames !== undefined) err.write(`note: ${oneLine(sameNames)}\n`);
    const shown = format === 'table' ? collapseRows(view, rows, columns) : rows;
    if (format === 'table' && flags.columns === undefined && !flags.wide && shown.length > 0) {
      // Rows stay as collapsed over every default column: a statistic left out may tell two apart.
      const fitted = fitDefaultColumns(columns, shown, filters.granularity, terminalWidth(out));
      columns = fitted.columns;
      // The note may name the resource of every row: text from the logs, shown as the table shows it.
      if (fitted.note !== undefined) err.write(`note: ${oneLine(fitted.note)}\n`);
    }
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
