import { VIEWS } from '../lib/querying/views.js';
import { UsageError } from './errors.js';

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
    const names = flags.columns
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== '');
    const unknown = names.filter((name) => !fields.includes(name));
    if (names.length === 0 || unknown.length > 0) {
      const what =
        names.length === 0 ? '--columns names no column' : `unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}`;
      throw new UsageError(`${what} for ${view}: choose from ${fields.join(', ')}`);
    }
    return { columns: [...new Set(names)], fit: true };
  }
  if (flags.wide) return { columns: fields, fit: false };
  return { columns: defaultTableColumns(view, fields), fit: true };
}

/** The columns a table shows by default: the few that answer the view's question, whose headers fit 80 characters. */
export function defaultTableColumns(view: string, fields: readonly string[]): readonly string[] {
  return Object.hasOwn(VIEWS, view) ? (VIEWS[view]?.tableColumns ?? fields) : fields;
}
