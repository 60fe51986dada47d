/**
 * The discrete-event simulation behind `generateLogs`.
 *
 * Three time-ordered queues, processed strictly in time order:
 *   1. actors: spawners (one per resource and kind) and the scheduled steps of live rooms and calls.
 *      A step writes records with their generation `time`.
 *   2. arrivals: each record becomes available to Azure Monitor after an ingestion latency.
 *   3. blocks: per (category, resource) stream, the records that arrive within a few seconds of each
 *      other are appended together as one block, at the block's flush time `at`, to the `PT1H.json` of
 *      the hour holding `at` (files are filed by time received, so a record can land in a later hour's
 *      file than its `time`).
 * Memory holds only live entities (rate x lifetime), records still in flight (about a minute of them)
 * and one open block per stream: it does not grow with the simulated range.
 */
import { containerForCategory } from '../normalizing/category.js';
import type { Category } from '../normalizing/types.js';
import { hourPartition, isoTime7, MS_PER_HOUR } from './format.js';
import { TimeHeap, type Timed } from './heap.js';
import { mix, Random } from './random.js';
import { createResources, type SimResource } from './resources.js';
import type { GenerateOptions, LogAppend } from './types.js';

export interface Step extends Timed {
  run(sim: Simulation): void;
}

interface Arrival extends Timed {
  stream: Stream;
  line: string;
}

interface Block extends Timed {
  stream: Stream;
  lines: string[];
}

export class Stream {
  open: Block | null = null;
  private cachedHour = Number.NaN;
  private cachedPath = '';

  constructor(
    readonly category: Category,
    readonly container: string,
    readonly resource: SimResource,
    readonly random: Random,
  ) {}

  pathFor(at: number): string {
    const hour = Math.floor(at / MS_PER_HOUR);
    if (hour !== this.cachedHour) {
      this.cachedHour = hour;
      this.cachedPath = `${this.resource.pathPrefix}/${hourPartition(at)}/PT1H.json`;
    }
    return this.cachedPath;
  }
}

/** Ingestion latency (ms) from a record's time to when Azure Monitor has it. */
function ingestionLatency(random: Random): number {
  let latency = 3_000 + random.logNormal(30_000, 0.7);
  // Now and then a record is held up for many minutes (store-and-forward).
  if (random.chance(0.01)) latency += random.between(5, 40) * 60_000;
  return Math.round(Math.min(latency, 50 * 60_000));
}

/** How long Azure Monitor gathers arrivals before appending them as one block (ms). */
function flushDelay(random: Random): number {
  return Math.round(5_000 + Math.min(random.exponential(25_000), 150_000));
}

export class Simulation {
  readonly resources: SimResource[];
  private readonly actors = new TimeHeap<Step>();
  private readonly arrivals = new TimeHeap<Arrival>();
  private readonly blocks = new TimeHeap<Block>();
  private readonly streams = new Map<string, Stream>();
  private seq = 0;
  /** Time of the step being run. */
  now: number;

  constructor(readonly options: GenerateOptions) {
    this.seedBase = mix(options.seed % 4294967296, Math.floor(options.seed / 4294967296));
    this.resources = createResources(this.seedBase, options.resources);
    this.now = options.from;
  }

  private readonly seedBase: number;

  /** A generator seeded from the options' seed and a fixed path of integers. */
  random(...path: number[]): Random {
    return new Random(mix(this.seedBase, ...path));
  }

  /** Runs `run` at `time` (ms, rounded); steps at or after `to` never run. */
  schedule(time: number, run: (sim: Simulation) => void): void {
    const at = Math.round(time);
    if (at >= this.options.to) return;
    this.actors.push({ time: at, seq: this.seq++, run });
  }

  /** Writes one record (a storage-format object) generated at its time. */
  emit(category: Category, resource: SimResource, record: object): void {
    const stream = this.stream(category, resource);
    const ready = this.now + ingestionLatency(stream.random);
    if (ready >= this.options.to) return;
    this.arrivals.push({ time: ready, seq: this.seq++, stream, line: JSON.stringify(record) + '\n' });
  }

  /** `time` text for a record generated at `ms`, with random sub-millisecond digits. */
  stamp(ms: number, random: Random): string {
    return isoTime7(ms, random.int(0, 9999));
  }

  private stream(category: Category, resource: SimResource): Stream {
    const key = `${category}|${resource.index}`;
    let stream = this.streams.get(key);
    if (stream === undefined) {
      const kind = CATEGORY_NUMBER[category];
      stream = new Stream(category, containerForCategory(category), resource, this.random(0x57, kind, resource.index));
      this.streams.set(key, stream);
    }
    return stream;
  }

  /** The appends, in `at` order (then creation order). */
  *run(): Generator<LogAppend, void, undefined> {
    const to = this.options.to;
    for (;;) {
      const ta = this.actors.peekTime();
      const tr = this.arrivals.peekTime();
      const tb = this.blocks.peekTime();
      const t = Math.min(ta, tr, tb);
      if (!(t < to)) return;
      // At equal times: steps first, then arrivals, then flushes, so a flush sees every arrival up to it.
      if (ta === t) {
        const step = this.actors.pop() as Step;
        this.now = step.time;
        step.run(this);
      } else if (tr === t) {
        this.arrive(this.arrivals.pop() as Arrival);
      } else {
        const block = this.blocks.pop() as Block;
        if (block.stream.open === block) block.stream.open = null;
        yield { file: { container: block.stream.container, path: block.stream.pathFor(block.time) }, at: block.time, lines: block.lines };
      }
    }
  }

  private arrive(arrival: Arrival): void {
    const stream = arrival.stream;
    const open = stream.open;
    if (open !== null && arrival.time <= open.time) {
      open.lines.push(arrival.line);
      return;
    }
    const at = arrival.time + flushDelay(stream.random);
    if (at >= this.options.to) return;
    const block: Block = { time: at, seq: this.seq++, stream, lines: [arrival.line] };
    stream.open = block;
    this.blocks.push(block);
  }
}

const CATEGORY_NUMBER: Readonly<Record<Category, number>> = {
  RoomsOperational: 1,
  CallRecordingSummary: 2,
  CallRecordingOperational: 3,
  Usage: 4,
  CallSummary: 5,
  CallSummaryUpdates: 6,
  CallDiagnostics: 7,
  CallDiagnosticsUpdates: 8,
};

/** Activity follows the working day: a rate multiplier peaking at 15:00 UTC, averaging 1 over a day. */
export function diurnal(ms: number): number {
  const hourOfDay = (ms % 86_400_000) / MS_PER_HOUR;
  return 1 + 0.5 * Math.cos((2 * Math.PI * (hourOfDay - 15)) / 24);
}

/**
 * Schedules a Poisson process of `perHour` events per hour (times the diurnal multiplier, by
 * thinning), calling `spawn(time, n)` for the n-th event from `from` on.
 */
export function schedulePoisson(sim: Simulation, random: Random, perHour: number, spawn: (time: number, n: number) => void): void {
  if (!(perHour > 0)) return;
  const peak = perHour * 1.5;
  const meanGap = MS_PER_HOUR / peak;
  let n = 0;
  const step = (s: Simulation): void => {
    if (random.next() * 1.5 < diurnal(s.now)) spawn(s.now, n++);
    s.schedule(s.now + Math.max(1, random.exponential(meanGap)), step);
  };
  sim.schedule(sim.options.from + random.exponential(meanGap), step);
}
