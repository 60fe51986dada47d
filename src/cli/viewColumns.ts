import { VIEWS } from '../lib/querying/views.js';
import { UsageError } from './errors.js';
import { tableColumn } from './cells.js';
import { resourceShortName } from '../lib/querying/resourceName.js';
import type { Granularity } from '../lib/querying/filters.js';
import { columnsThatFit, fitsUncut } from './table.js';
import { printableValue } from './printable.js';

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
    const given = flags.columns.split(',').map((name) => name.trim());
    const names = given.filter((name) => name !== '');
    // As the HTTP API's `fields=` does: an empty name between names is a slip (a comma too many), not nothing.
    if (names.length > 0 && names.length < given.length) {
      throw new UsageError(`--columns has an empty name in "${flags.columns}": separate names with single commas`);
    }
    const unknown = names.filter((name) => !fields.includes(name));
    if (names.length === 0 || unknown.length > 0) {
      const what =
        names.length === 0 ? '--columns names no column' : `unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}`;
      // As the HTTP API's `fields=` does: a name in the wrong case is most likely the field of that name.
      const meant = unknown.flatMap((name) => fields.filter((field) => field.toLowerCase() === name.toLowerCase()));
      const hint = meant.length === unknown.length && names.length > 0 ? `did you mean ${meant.join(', ')}? (` : '';
      throw new UsageError(`${what} for ${view}: ${hint}choose from ${fields.join(', ')}${hint === '' ? '' : ')'}`);
    }
    // As the HTTP API's `fields=` does: a name given twice is a slip, not a column to show once.
    const twice = names.find((name, index) => names.indexOf(name) !== index);
    if (twice !== undefined) throw new UsageError(`--columns names "${twice}" twice: give each field once`);
    return { columns: names, fit: true };
  }
  if (flags.wide) return { columns: fields, fit: false };
  return { columns: defaultTableColumns(view, fields), fit: true };
}

/** The columns a table shows by default: the few that answer the view's question, whose headers fit 80 characters. */
export function defaultTableColumns(view: string, fields: readonly string[]): readonly string[] {
  return Object.hasOwn(VIEWS, view) ? (VIEWS[view]?.tableColumns ?? fields) : fields;
}

/** The time columns a table's rows start with: a bucket, or the retirement view's month. */
const TIME_COLUMNS: ReadonlySet<string> = new Set(['bucket', 'month']);

/**
 * A bucketed table whose default columns leave out the resource (to fit 80 characters), over rows
 * of several resources, would show rows that look like repeats, or add them up unsaid (the
 * retirement view's months): it shows `resourceId` after the bucket or month where the table still
 * `fits` with it (every column whole: cut names could look alike again), and otherwise a note says
 * how to see it.
 */
export function showResources(
  columns: readonly string[],
  rows: readonly object[],
  fits: (columns: readonly string[]) => boolean,
): { columns: readonly string[]; note?: string } {
  const [first] = columns;
  if (columns.includes('resourceId') || first === undefined || !TIME_COLUMNS.has(first)) return { columns };
  const resources = new Set(rows.map((row) => (row as { resourceId?: unknown }).resourceId)).size;
  if (resources < 2) return { columns };
  const withResource = [first, 'resourceId', ...columns.slice(1)];
  if (fits(withResource)) return { columns: withResource };
  return {
    columns,
    note: `these rows are of ${resources} resources, which this table leaves out to fit the terminal: give --resource for one, or --columns ${withResource.join(',')}`,
  };
}

/** Whether a table of these columns over these rows fits `width` with every cell whole. */
export function fitsWhole(columns: readonly string[], rows: readonly object[], granularity: Granularity | undefined, width: number): boolean {
  return fitsUncut(
    rows,
    columns.map((name) => tableColumn(name, granularity)),
    width,
  );
}

/**
 * The default columns that fit `width` with their buckets, times, numbers and statistics whole: a resource that is the
 * same in every row goes first (the note names it), then the last ones, and a note names them and how
 * to see them. A count then stays beside its labels on a narrow terminal.
 */
export function fitDefaultColumns(
  columns: readonly string[],
  rows: readonly object[],
  granularity: Granularity | undefined,
  width: number,
): { columns: readonly string[]; note?: string } {
  const resource = oneResource(rows);
  const { shown, leftOut } = columnsThatFit(
    rows,
    columns.map((name) => tableColumn(name, granularity)),
    width,
    resource === undefined ? [] : ['resourceId'],
  );
  if (leftOut.length === 0) return { columns };
  const names = leftOut.map((column) =>
    column.name === 'resourceId' && resource !== undefined ? `resourceId (${shownName(resource)} in every row)` : column.name,
  );
  return {
    columns: shown.map((column) => column.name),
    note: `${names.join(', ')} left out to fit ${width} columns (times, numbers and statistics are not cut): --wide, or --columns ${columns.join(',')}, shows ${names.length === 1 ? 'it' : 'them'}`,
  };
}

/** The resource every row is of, when they are all of one. */
function oneResource(rows: readonly object[]): string | undefined {
  let only: string | undefined;
  for (const row of rows) {
    const id = (row as { resourceId?: unknown }).resourceId;
    if (typeof id !== 'string' || (only !== undefined && id !== only)) return undefined;
    only = id;
  }
  return only;
}

/**
 * Tables name a resource by the last segment of its id: when two resources of the rows share it (one
 * name in two subscriptions or resource groups), their rows would look alike. Says which names.
 */
export function sameNamedResources(columns: readonly string[], rows: readonly object[]): string | undefined {
  if (!columns.includes('resourceId')) return undefined;
  const idsByName = new Map<string, Set<string>>();
  for (const row of rows) {
    const id = (row as { resourceId?: unknown }).resourceId;
    if (typeof id !== 'string') continue;
    const name = shownName(id);
    const ids = idsByName.get(name) ?? new Set<string>();
    ids.add(id);
    idsByName.set(name, ids);
  }
  const shared = [...idsByName].filter(([, ids]) => ids.size > 1).map(([name, ids]) => `${name} (${ids.size})`);
  if (shared.length === 0) return undefined;
  return `resources of one name in other subscriptions or resource groups: ${shared.join(', ')}; the table shows their names only: --format json or csv, or --resource with the full id, tells them apart`;
}

/** A resource's name as the table's cells show it (a note's line breaks would otherwise read as spaces, its trailing spaces as none). */
function shownName(id: string): string {
  return printableValue(resourceShortName(id));
}
