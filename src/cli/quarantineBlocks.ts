import { printable } from './printable.js';
import { cutToWidth, displayWidth, graphemes, headWithin, tailWithin } from './displayWidth.js';

/** A quarantine entry as `quarantine list` shows it in a terminal. */
export interface QuarantineBlockEntry {
  container: string;
  path: string;
  line: number;
  lastLine: number;
  count: number;
  code: string;
  /** Each code with its number of lines, when the entry's lines differ. */
  codes?: string | undefined;
  /** Set by a replay that applied some of the lines: how many still do not read. */
  stillBadLines?: number | undefined;
  message: string;
  raw: string;
  rawTruncated?: boolean | undefined;
  replayedAt?: string | undefined;
  dismissedAt?: string | undefined;
  dismissedBecause?: string | undefined;
  purgedAt?: string | undefined;
}

/**
 * One block per entry, each line cut to the terminal's width: where it is (the container, then the
 * path's end, which names the file), which lines and why, then the first line of its text. Free text
 * and long paths never fit the columns of one table row.
 */
export function quarantineBlocks(entries: readonly QuarantineBlockEntry[], width: number): string {
  if (entries.length === 0) return '(no rows)\n';
  return entries.map((entry) => quarantineBlock(entry, width)).join('\n\n') + '\n';
}

/** One entry's block (quarantineBlocks), without a line break after it: `list` writes each as the listing reaches it. */
export function quarantineBlock(entry: QuarantineBlockEntry, width: number): string {
  const still = entry.stillBadLines !== undefined && entry.stillBadLines < entry.count ? `, ${entry.stillBadLines} still bad` : '';
  // Several bad records of one line (elements of a `{"records":[...]}` line) are that line's, not a run of lines.
  const lines =
    entry.count === 1
      ? `line ${entry.line}`
      : entry.lastLine === entry.line
        ? `line ${entry.line} (${entry.count} records${still})`
        : `lines ${entry.line}-${entry.lastLine} (${entry.count}${still})`;
  const sample = entry.raw.split('\n', 1)[0] ?? '';
  const whole = !entry.rawTruncated && entry.count === 1 && sample === entry.raw;
  const out = [
    keepEnd(`${printable(entry.container)}  ${printable(entry.path)}`, width, displayWidth(printable(entry.container)) + 2),
    // The reason says what to do about it (decompress, convert, replay): wrapped, not cut.
    ...wrapToWidth(`  ${lines}  ${printable(entry.codes ?? entry.code)}  ${printable(entry.message)}`, width, '    ', MAX_REASON_LINES),
    cutToWidth(`  ${printable(sample)}${whole ? '' : ' …'}`, width),
  ];
  if (entry.replayedAt) out.push(cutToWidth(`  replayed at ${printable(entry.replayedAt)}`, width));
  if (entry.dismissedAt) out.push(cutToWidth(`  dismissed at ${printable(entry.dismissedAt)}: ${printable(entry.dismissedBecause ?? '')}`, width));
  if (entry.purgedAt) out.push(cutToWidth(`  text purged at ${printable(entry.purgedAt)}`, width));
  return out.join('\n');
}

/** Lines a reason takes at most; a longer one ends cut, as `--format json` keeps it whole. */
const MAX_REASON_LINES = 4;

/** The text in lines of at most `width` columns, broken at spaces, the lines after the first indented; at most `maxLines`, the last cut. */
export function wrapToWidth(text: string, width: number, indent: string, maxLines: number): string[] {
  const lead = /^ */.exec(text)?.[0] ?? '';
  const words = text.slice(lead.length).split(' ');
  const lines: string[] = [];
  let line = lead;
  let empty = true;
  for (const word of words) {
    const candidate = empty ? line + word : `${line} ${word}`;
    // A word wider than a line starts one of its own, cut below.
    if (!empty && displayWidth(candidate) > width) {
      lines.push(line);
      line = indent + word;
    } else line = candidate;
    empty = false;
  }
  lines.push(line);
  if (lines.length > maxLines)
    lines.splice(maxLines - 1, lines.length, [lines[maxLines - 1], ...lines.slice(maxLines).map((rest) => rest.slice(indent.length))].join(' '));
  return lines.map((kept) => cutToWidth(kept, width));
}

/** The text cut in the middle, after its first `head` columns, keeping its end (a path's file name); in terminal columns. */
function keepEnd(text: string, width: number, head: number): string {
  if (displayWidth(text) <= width) return text;
  const parts = graphemes(text);
  const start = headWithin(parts, Math.min(head, Math.max(0, width - 2)));
  return start + '…' + tailWithin(parts, Math.max(1, width - displayWidth(start) - 1));
}
