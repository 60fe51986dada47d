import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { aboveStatusLine, canShowStatus, eraseStatusLine, StatusLine } from '../../src/cli/statusLine.js';

const CLEAR = '\r\x1b[K';

function terminal(columns = 40): { isTTY: true; columns: number; written: string[]; write(text: string): boolean } {
  const written: string[] = [];
  return { isTTY: true, columns, written, write: (text: string) => written.push(text) > 0 };
}

/** A status line on a terminal of `columns`, past its first second (so it draws). */
function shownLine(columns?: number): { stream: ReturnType<typeof terminal>; line: StatusLine } {
  const stream = terminal(columns);
  let now = 0;
  const line = new StatusLine(stream, () => now);
  now = 5000;
  return { stream, line };
}

describe('the status line', () => {
  it('draws nothing in its first second, then at most every interval unless forced', () => {
    let now = 0;
    const stream = terminal();
    const line = new StatusLine(stream, () => now, 200, 1000);
    line.set('a');
    now = 999;
    line.set('b', true);
    expect(stream.written).toEqual([]);
    now = 1000;
    line.set('c');
    now = 1100;
    line.set('d');
    expect(stream.written).toEqual([CLEAR + 'c']);
    line.set('e', true);
    now = 1300;
    line.set('f');
    expect(stream.written).toEqual([CLEAR + 'c', CLEAR + 'e', CLEAR + 'f']);
  });

  it('writes other lines above itself: erased, the line, drawn again', () => {
    const { stream, line } = shownLine();
    line.set('40% read');
    const other = aboveStatusLine(stream as unknown as NodeJS.WritableStream, line);
    other.write('file processed\n');
    expect(stream.written.join('')).toBe(CLEAR + '40% read' + CLEAR + 'file processed\n' + CLEAR + '40% read');
  });

  it('leaves other output alone while it is not shown', () => {
    const stream = terminal();
    const line = new StatusLine(stream, () => 0);
    line.set('hidden for a second');
    aboveStatusLine(stream as unknown as NodeJS.WritableStream, line).write('a line\n');
    expect(stream.written.join('')).toBe('a line\n');
  });

  it('is never wider than the terminal, and once stopped is erased and stays away', () => {
    const { stream, line } = shownLine(24);
    line.set('0123456789abcdefghijklmnopqrstuvwxyz');
    expect(stream.written.at(-1)).toBe(CLEAR + '0123456789abcdefghijkl…');
    line.stop();
    line.set('again', true);
    aboveStatusLine(stream as unknown as NodeJS.WritableStream, line).write('totals\n');
    expect(stream.written.slice(1).join('')).toBe(CLEAR + 'totals\n');
  });

  it('is not drawn on a terminal too narrow for it (a wrapped line leaves a row behind at each redraw)', () => {
    const { stream, line } = shownLine(19);
    line.set('process 10%', true);
    expect(stream.written).toEqual([]);
  });

  it('is taken away by eraseStatusLine, before a message that ends the process', () => {
    const { stream, line } = shownLine();
    line.set('process 10%');
    eraseStatusLine();
    expect(stream.written.join('')).toBe(CLEAR + 'process 10%' + CLEAR);
    line.set('process 20%', true);
    expect(stream.written.join('')).toBe(CLEAR + 'process 10%' + CLEAR);
  });

  it('is shown only on a terminal that moves the cursor', () => {
    const pipe = new Writable({ write: (_chunk, _encoding, done) => done() });
    expect(canShowStatus(pipe, {})).toBe(false);
    const tty = Object.assign(new Writable({ write: (_chunk, _encoding, done) => done() }), { isTTY: true });
    expect(canShowStatus(tty, {})).toBe(true);
    expect(canShowStatus(tty, { TERM: 'dumb' })).toBe(false);
  });
});
