import { Writable } from 'node:stream';

/** What a status line needs of its terminal stream. */
export interface TerminalStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** Erase the line the cursor is on and go to its start. */
const CLEAR = '\r\x1b[K';

/** Narrower terminals get no status line: too little of it would show, and a line that wraps cannot be redrawn in place. */
const MIN_COLUMNS = 20;

/** The status lines drawn and not stopped: a message written straight to stderr takes them away first (eraseStatusLine). */
const drawn = new Set<StatusLine>();

/** Takes away the status line a command shows, before a message of its own ends the process. */
export function eraseStatusLine(): void {
  for (const line of drawn) line.stop();
}

/**
 * One line at the bottom of a terminal that says how a long command is getting on, redrawn in
 * place. Other output is written above it (`around`), so lines never land on top of it.
 */
export class StatusLine {
  /** What to show, asked only when drawn: a run sets it on every read, and draws a few times a second. */
  private text: () => string = () => '';
  private shown = false;
  private stopped = false;
  private lastDraw = -Infinity;
  private readonly createdAt: number;

  /** `delayMs`: nothing is drawn before, so a command that ends quickly shows no flicker. */
  constructor(
    private readonly stream: TerminalStream,
    private readonly now: () => number = Date.now,
    private readonly intervalMs = 200,
    private readonly delayMs = 1000,
  ) {
    this.createdAt = now();
  }

  /** Sets the text (or how to make it); drawn now when the last draw is `intervalMs` old or `force`. */
  set(text: string | (() => string), force = false): void {
    if (this.stopped) return;
    this.text = typeof text === 'string' ? () => text : text;
    const now = this.now();
    if (now - this.createdAt >= this.delayMs && (force || now - this.lastDraw >= this.intervalMs)) this.draw();
  }

  /** Runs `write` (output of other lines) with the status line taken away, then draws it again. */
  around(write: () => void): void {
    const shown = this.shown;
    if (shown) this.erase();
    write();
    if (shown) this.draw();
  }

  /** Takes the line away for good. */
  stop(): void {
    if (this.shown) this.erase();
    this.text = () => '';
    this.stopped = true;
    drawn.delete(this);
  }

  private draw(): void {
    const columns = this.stream.columns ?? 80;
    const full = columns < MIN_COLUMNS ? '' : this.text();
    if (full === '') return;
    const width = columns - 1;
    // Never wider than the terminal: a wrapped line could not be redrawn in place.
    const text = full.length > width ? full.slice(0, width - 1) + '…' : full;
    this.stream.write(CLEAR + text);
    this.shown = true;
    drawn.add(this);
    this.lastDraw = this.now();
  }

  private erase(): void {
    this.stream.write(CLEAR);
    this.shown = false;
  }
}

/** A stream whose writes go to `target` above the status line. */
export function aboveStatusLine(target: NodeJS.WritableStream, line: StatusLine): NodeJS.WritableStream {
  return new Writable({
    decodeStrings: false,
    write(chunk: Buffer | string, _encoding, callback) {
      line.around(() => target.write(chunk));
      callback();
    },
  });
}

/** Whether a status line may be drawn on the stream: a terminal that understands cursor moves. */
export function canShowStatus(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv = process.env): stream is NodeJS.WritableStream & TerminalStream {
  return (stream as { isTTY?: boolean }).isTTY === true && env['TERM'] !== 'dumb';
}
