/** What a request's turn came to: answer it (and `release` once its answer is handed to its socket), or not. */
export type Turn = { kind: 'go'; release: () => void } | { kind: 'busy' } | { kind: 'gone' };

/**
 * How many answers a server works on at once, from a request's turn until its answer is handed to
 * its socket: each reads and renders its page (its rows, their JSON, their bytes), so memory follows
 * this number, not how many clients ask at once. Requests past it wait their turn in order; past
 * `maxWaiting` they are refused at once (busy), so a flood costs neither memory nor a queue that never drains.
 */
export class AnswerGate {
  private active = 0;
  private readonly waiting: { admit: () => void; leave: () => void }[] = [];

  constructor(
    readonly maxActive: number,
    readonly maxWaiting: number,
  ) {
    if (!Number.isInteger(maxActive) || maxActive < 1) throw new RangeError(`maxActive must be a whole number > 0, got ${maxActive}`);
    if (!Number.isInteger(maxWaiting) || maxWaiting < 0) throw new RangeError(`maxWaiting must be a whole number >= 0, got ${maxWaiting}`);
  }

  /** Answers being worked on, and requests waiting for a turn (for tests and logs). */
  get counts(): { active: number; waiting: number } {
    return { active: this.active, waiting: this.waiting.length };
  }

  /** A turn for one request; `gone` aborts when its client has gone (a waiting request then leaves the line). */
  enter(gone: AbortSignal): Promise<Turn> {
    if (gone.aborted) return Promise.resolve({ kind: 'gone' });
    if (this.active < this.maxActive) {
      this.active++;
      return Promise.resolve({ kind: 'go', release: this.releaser() });
    }
    if (this.waiting.length >= this.maxWaiting) return Promise.resolve({ kind: 'busy' });
    return new Promise<Turn>((resolve) => {
      const place = {
        // A freed turn is handed over as it is: `active` counts it all along.
        admit: () => {
          gone.removeEventListener('abort', place.leave);
          resolve({ kind: 'go', release: this.releaser() });
        },
        leave: () => {
          const at = this.waiting.indexOf(place);
          if (at >= 0) this.waiting.splice(at, 1);
          resolve({ kind: 'gone' });
        },
      };
      this.waiting.push(place);
      gone.addEventListener('abort', place.leave, { once: true });
    });
  }

  /** Gives a turn back once, however often it is called. */
  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next !== undefined) next.admit();
      else this.active--;
    };
  }
}
