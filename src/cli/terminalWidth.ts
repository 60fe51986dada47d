import type { Writable } from 'node:stream';

const NOT_A_TERMINAL_WIDTH = 80;

/** The width tables fit: the terminal's; when output is not a terminal, `$COLUMNS`, else 80. */
export function terminalWidth(out: NodeJS.WritableStream, env: NodeJS.ProcessEnv = process.env): number {
  const stream = out as Writable & { isTTY?: boolean; columns?: number };
  if (stream.isTTY && typeof stream.columns === 'number' && stream.columns > 0) return stream.columns;
  const fromEnv = Number(env['COLUMNS']);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : NOT_A_TERMINAL_WIDTH;
}
