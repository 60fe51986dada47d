import { describe, expect, it } from 'vitest';
import { cutToWidth as cutText, displayWidth } from '../../src/cli/displayWidth.js';
import { printable } from '../../src/cli/printable.js';
import { quarantineBlocks } from '../../src/cli/quarantineBlocks.js';
import { renderTable, type TableColumn } from '../../src/cli/table.js';

describe('displayWidth', () => {
  it.each([
    ['abc', 3],
    ['', 0],
    ['é', 1],
    ['e\u0301', 1],
    ['中文', 4],
    ['한국어', 6],
    ['ｶﾀｶﾅ', 4],
    ['ＡＢ', 4],
    ['😀', 2],
    ['👨\u200d👩\u200d👧', 2],
    ['🇫🇷', 2],
    ['❤\ufe0f', 2],
    ['❤', 1],
    ['a\u0301\u0302b', 2],
    ['Ελληνικά', 8],
    ['𝒜', 1],
    ['s\ufe0f', 1],
    ['a\ufe0fb', 2],
    ['1\ufe0f\u20e3', 2],
    ['\u00ad', 1],
    ['x\u00ady', 3],
  ])('%j takes %i columns', (text, columns) => {
    expect(displayWidth(text)).toBe(columns);
  });
});

describe('cutting to terminal columns', () => {
  it('never passes the width and never splits a grapheme', () => {
    const samples = ['中文中文中文', 'a中b文c', '😀😀😀😀', '👨\u200d👩\u200d👧x👨\u200d👩\u200d👧', 'e\u0301e\u0301e\u0301e\u0301', 'plain text here'];
    for (const text of samples) {
      for (let max = 1; max <= 14; max++) {
        for (const keepEnd of [false, true]) {
          const cut = cutText(text, max, keepEnd);
          expect(displayWidth(cut)).toBeLessThanOrEqual(Math.max(max, 1));
          // What is kept is whole graphemes of the text.
          const kept = cut.replace('…', '');
          expect(keepEnd ? text.endsWith(kept) : text.startsWith(kept)).toBe(true);
          if (displayWidth(text) <= max) expect(cut).toBe(text);
        }
      }
    }
  });

  it('a table of CJK and emoji cells fits the terminal by its columns, each line as wide as the rule', () => {
    const columns: TableColumn[] = [
      { name: 'room', header: 'room', cell: String },
      { name: 'note', header: 'note', cell: String },
      { name: 'count', header: 'count', cell: String },
    ];
    const rows = [
      { room: '会議室-東京-本社-大会議室', note: '😀 参加者が多い 👨\u200d👩\u200d👧', count: '12' },
      { room: 'plain-room', note: 'ascii only note that is long', count: '3' },
    ];
    for (const maxWidth of [30, 40, 60, 200]) {
      const lines = renderTable(rows, columns, maxWidth).trimEnd().split('\n');
      const rule = displayWidth(lines[1] as string);
      for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(Math.max(maxWidth, rule));
      // Cells are padded by columns, so the last column starts at the same column on every line.
      const starts = lines.filter((_, i) => i !== 1).map((line) => displayWidth(line.slice(0, line.lastIndexOf('  ') + 2)));
      expect(new Set(starts).size).toBe(1);
    }
  });

  it('quarantine blocks fit the width in columns with CJK paths and text', () => {
    const entry = {
      container: 'insights-logs-callsummary',
      path: 'resourceId=/SUBSCRIPTIONS/x/会議/y=2024/m=05/d=25/h=01/m=00/PT1H.json',
      line: 3,
      lastLine: 3,
      count: 1,
      code: 'invalid_json',
      message: '行を読めません: 予期しない文字',
      raw: '{"名前": "参加者😀😀😀😀😀😀😀😀😀😀😀😀", "x": 1}',
    };
    for (const width of [20, 33, 50, 80]) {
      for (const line of quarantineBlocks([entry], width).trimEnd().split('\n')) {
        expect(displayWidth(line)).toBeLessThanOrEqual(width);
      }
    }
    expect(printable(entry.raw)).toBe(entry.raw);
  });
});

describe('measuring and cutting long cells', () => {
  it('stops measuring past a limit, and cuts long texts of every kind exactly', () => {
    const long = '中'.repeat(200_000);
    expect(displayWidth(long, 80)).toBeGreaterThan(80);
    expect(displayWidth(long, 80)).toBeLessThan(100);
    expect(displayWidth(long)).toBe(400_000);
    expect(cutText(long, 80)).toBe('中'.repeat(39) + '…');
    expect(cutText(long, 80, true)).toBe('…' + '中'.repeat(39));
    // Graphemes across the windows the text is segmented in: a family emoji (8 code units) every few characters, marks stacked past a window.
    const mixed = ('ab👨\u200d👩\u200d👧c' + 'e' + '\u0301'.repeat(700) + 'Z').repeat(50);
    expect(displayWidth(mixed)).toBe(50 * 7);
    for (const max of [1, 5, 79, 80, 81, 200]) {
      const cut = cutText(mixed, max);
      expect(displayWidth(cut)).toBeLessThanOrEqual(max);
      expect(mixed.startsWith(cut.slice(0, -1))).toBe(true);
    }
  });
});
