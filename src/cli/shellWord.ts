/** Characters every shell (sh, PowerShell, cmd) takes as part of a word, unquoted; a backslash too on Windows, where it separates folders. */
const PLAIN = process.platform === 'win32' ? /^[\p{L}\p{N}_\-./:=+\\]+$/u : /^[\p{L}\p{N}_\-./:=+]+$/u;
/** Characters double quotes do not keep literal in sh or PowerShell. */
const EXPANDED_IN_DOUBLE_QUOTES = /["$`\\!]/;

/**
 * `text` as one word of a command line the user can paste: a path with a space or `&` printed bare
 * was split in two (or ran another command) in the shell.
 */
export function shellWord(text: string): string {
  if (PLAIN.test(text)) return text;
  // Double quotes read the same in sh, PowerShell and cmd; single quotes are POSIX only.
  if (!EXPANDED_IN_DOUBLE_QUOTES.test(text)) return `"${text}"`;
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
