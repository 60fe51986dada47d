/** At most `limit` holders at once; the others wait in the order they came. */
export class Gate {
  private holders = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly admittedAll: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`a gate holds a positive whole number, got ${limit}`);
  }

  /** Resolves once the caller holds a place (at once while one is free); the caller must leave it. */
  enter(): Promise<void> {
    if (this.holders < this.limit) {
      this.holders++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Gives the place up: to the first waiting, else it is free. */
  leave(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.holders--;
    if (this.waiting.length === 0) for (let resolve = this.admittedAll.shift(); resolve; resolve = this.admittedAll.shift()) resolve();
  }

  /** Resolves once no one waits: everyone who came so far holds a place, or held one. */
  admitted(): Promise<void> {
    if (this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.admittedAll.push(resolve));
  }

  /** Runs `task` holding a place. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.enter();
    try {
      return await task();
    } finally {
      this.leave();
    }
  }
}
