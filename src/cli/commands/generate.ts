import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  defaultGenerateOptions,
  generateLogs,
  MAX_RESOURCES,
  writeLogsToBlobs,
  writeLogsToDirectory,
  type BlobAppendTarget,
  type GenerateOptions,
  type GenerateTotals,
  type LogAppend,
} from '../../lib/generating/index.js';
import { readAppSettings } from '../../lib/config/appSettings.js';
import { timeBoundsAt } from '../../lib/normalizing/index.js';
import { DEFAULT_PROCESS_SETTINGS } from '../../lib/processing/settings.js';
import { BlobLogWriter } from '../../lib/storage/BlobLogWriter.js';
import { expandLocalPaths } from '../../lib/storage/LocalLogSource.js';
import { MAX_TIMER_MS } from '../../lib/timerLimit.js';
import { decideExit } from '../decidedExit.js';
import { UsageError } from '../errors.js';
import { openStorage, type StorageFlags } from '../storageSession.js';
import { checkedConnectionString } from '../earlyStorage.js';

const HOUR = 3_600_000;

export interface GenerateFlags extends StorageFlags {
  out?: string;
  seed: number;
  from?: number;
  to?: number;
  hours?: number;
  resources: number;
  roomsPerHour: number;
  callsPerHour: number;
  failureRate: number;
  /** Simulated seconds per real second when writing to storage (default: as fast as possible). */
  speed?: number;
  /** With --out: add to existing files. */
  append?: boolean;
  /** With --out: replace the existing files this run writes. */
  force?: boolean;
}

/** Files under the `insights-logs-*` folders of `dir`: what a second generate would double. */
async function countLogFiles(dir: string): Promise<number> {
  let top;
  try {
    top = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    // A file where the folder should be: nothing could be written there (it said "ENOTDIR ... scandir", exit 1).
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') throw new UsageError(`--out ${dir} is not a folder: it, or a folder above it, is a file`);
    throw error;
  }
  let count = 0;
  for (const entry of top) {
    if (!entry.name.startsWith('insights-logs-')) continue;
    const folder = path.join(dir, entry.name);
    // Through symbolic links too, as `process` reads the tree (a link whose target is gone holds no logs).
    if (!entry.isDirectory() && !(entry.isSymbolicLink() && (await stat(folder).catch(() => null))?.isDirectory() === true)) continue;
    count += (await expandLocalPaths([folder])).length;
  }
  return count;
}

/** The longest period one `generate` writes. */
export const MAX_GENERATED_HOURS = 366 * 24;
/** The end of the last period whose log times have four digits of year, as logs and the time flags write them. */
const END_OF_YEAR_9999 = Date.UTC(10_000, 0, 1);
/** Rooms or calls per resource and hour: 100,000 calls an hour is about 4 GB of logs an hour already. */
export const MAX_GENERATED_RATE = 100_000;

export function generateOptionsFrom(flags: GenerateFlags): GenerateOptions {
  if (flags.to !== undefined && flags.hours !== undefined) throw new UsageError('give --to or --hours, not both');
  if (flags.force && flags.out === undefined) throw new UsageError('--force applies only with --out');
  const base = defaultGenerateOptions({ seed: flags.seed, ...(flags.from === undefined ? {} : { from: flags.from }) });
  const to = flags.to ?? base.from + (flags.hours ?? 24) * HOUR;
  if (to <= base.from)
    // Without --from the period starts at the default start, which the user did not type: name it.
    throw new UsageError(
      flags.from === undefined ? `--to must be after --from, which is ${new Date(base.from).toISOString()} when not given` : '--to must be after --from',
    );
  // A typo (an extra zero or three) would otherwise write until the disk is full.
  if (to - base.from > MAX_GENERATED_HOURS * HOUR)
    throw new UsageError(`at most ${MAX_GENERATED_HOURS.toLocaleString('en-US')} hours (366 days) of logs at once`);
  // Past it a time has five digits of year (`+010000-01-01T...`): written as `+010000-01-00:00:40Z`, in a `y=10000` folder.
  if (to > END_OF_YEAR_9999)
    throw new UsageError(
      `the period would end at ${new Date(to).toISOString()}, after the year 9999, which no log time can be in: give an earlier --from or fewer --hours`,
    );
  if (flags.resources > MAX_RESOURCES) throw new UsageError(`--resources must be at most ${MAX_RESOURCES.toLocaleString('en-US')}`);
  for (const [flag, rate] of [
    ['--rooms-per-hour', flags.roomsPerHour],
    ['--calls-per-hour', flags.callsPerHour],
  ] as const) {
    if (rate > MAX_GENERATED_RATE) throw new UsageError(`${flag} must be at most ${MAX_GENERATED_RATE.toLocaleString('en-US')} (per resource and hour)`);
  }
  return { ...base, to, resources: flags.resources, roomsPerHour: flags.roomsPerHour, callsPerHour: flags.callsPerHour, failureRate: flags.failureRate };
}

/**
 * Stops at a blob that already exists where this run starts a file, before appending to it: a second
 * generate of the same seed and period appended every record again, doubling every count (what --out
 * refuses for a folder). A blob of another period or seed is another file and is written.
 */
function refusingExistingBlobs(writer: BlobLogWriter): BlobAppendTarget {
  let created = 0;
  return {
    createBlob: async (file) => {
      if (!(await writer.createBlob(file))) {
        // With files written before it, --append would add their part again: say so, as a stop by a signal does.
        throw new UsageError(
          `storage already holds ${file.container}/${file.path} (an earlier generate?): stopped before appending to it` +
            (created === 0
              ? ', nothing written. --append adds these logs to the blobs there (as Azure Monitor appends), or choose another --seed or period'
              : `; the ${created} new file(s) written before it hold part of these logs, which --append would add again: ` +
                'generate into a new --data-dir or account, or with another --seed or period'),
        );
      }
      created++;
    },
    appendBlock: (file, data) => writer.appendBlock(file, data),
  };
}

/** The clock a pacer reads and waits on. */
export interface PacerClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const REAL_CLOCK: PacerClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Waits so that appends land at `speed` times real time, as Azure Monitor would write them. */
export function pacer(simulatedStart: number, speed: number | undefined, clock: PacerClock = REAL_CLOCK): ((append: LogAppend) => Promise<void>) | undefined {
  if (speed === undefined) return undefined;
  const realStart = clock.now();
  return async (append) => {
    const due = realStart + (append.at - simulatedStart) / speed;
    // In steps a timer keeps: a slow --speed asks for waits of days, which one timer would end at once.
    for (let wait = due - clock.now(); wait > 0; wait = due - clock.now()) await clock.sleep(Math.min(wait, MAX_TIMER_MS));
  };
}

/**
 * What of the period processing would not count today: records before ACS_LOGS_EARLIEST_RECORD_TIME, or
 * further ahead of now than ACS_LOGS_MAX_FUTURE_HOURS, are quarantined as time_out_of_range. Said, not
 * refused (logs to try the quarantine with are a use), so that the totals printed are not taken for what
 * a `process` of them will count.
 */
export function periodNote(from: number, to: number, env: NodeJS.ProcessEnv, now: number): string | undefined {
  let settings = DEFAULT_PROCESS_SETTINGS;
  // A bad setting is for the commands that read logs to refuse; the defaults judge the period here, and the note says so.
  let judgedBy = '';
  try {
    settings = readAppSettings(env).process;
  } catch (error) {
    judgedBy = ` (judged by the defaults: ${error instanceof Error ? error.message : String(error)})`;
  }
  const bounds = timeBoundsAt(now, settings.earliestRecordTime, settings.maxFutureMs);
  const outside: string[] = [];
  if (from < bounds.earliest) outside.push(`before ${new Date(bounds.earliest).toISOString()} (ACS_LOGS_EARLIEST_RECORD_TIME)`);
  if (to > bounds.latest) outside.push(`after ${new Date(bounds.latest).toISOString()} (now and ACS_LOGS_MAX_FUTURE_HOURS)`);
  if (outside.length === 0) return undefined;
  return `note: processed now, the records of this period ${outside.join(' and ')} are quarantined as time_out_of_range, not counted${judgedBy}\n`;
}

/** `acs-logs generate`: synthetic logs of every category, to a folder or as growing append blobs. */
export async function generateCommand(flags: GenerateFlags, out: NodeJS.WritableStream, err?: NodeJS.WritableStream): Promise<GenerateTotals> {
  const options = generateOptionsFrom(flags);
  let totals: GenerateTotals;
  if (flags.out !== undefined) {
    if (flags.speed !== undefined) throw new UsageError('--speed applies only when writing to storage');
    // They name the storage to write to: ignored, a run into the folder looked like one into that store.
    if (flags.connectionString !== undefined || flags.embedded === true)
      throw new UsageError('--connection-string and --data-dir choose the storage written to: with --out the logs go to the folder, give one or the other');
    if (flags.append && flags.force) throw new UsageError('give --append or --force, not both');
    if (!flags.append && !flags.force) {
      const existing = await countLogFiles(flags.out);
      if (existing > 0) {
        throw new UsageError(
          `${flags.out} already holds ${existing} log file(s) (an earlier generate?): nothing written. ` +
            '--append adds these logs to them (as Azure Monitor appends), --force replaces the files this run writes, or choose another --out',
        );
      }
    }
    try {
      totals = await writeLogsToDirectory(flags.out, generateLogs(options), { replace: flags.force === true });
    } catch (error) {
      // What is written stays: a run again with --append would add that part twice, --force writes it whole.
      // The advice before the cause: a long cause (a path) is cut when printed.
      const why = error instanceof Error ? error.message : String(error);
      throw new Error(`writing the logs under ${flags.out} stopped, leaving part of them there (once fixed, run again with --force): ${why}`, {
        cause: error,
      });
    }
  } else {
    // Blobs only: a SAS for the blob service is enough, one without its endpoint is not.
    checkedConnectionString(flags, ['blob']);
    const storage = await openStorage(flags);
    try {
      const writer = new BlobLogWriter({ kind: 'connectionString', connectionString: storage.connectionString });
      const target = flags.append ? writer : refusingExistingBlobs(writer);
      totals = await writeLogsToBlobs(target, generateLogs(options), pacer(options.from, flags.speed));
    } finally {
      await storage.close();
    }
  }
  // Every log is written: a closed output now loses only this line, and the run ends as done (cli/main.ts).
  decideExit({ code: 0 });
  // No records (--rooms-per-hour 0 --calls-per-hour 0) have no categories to list: no empty `()`.
  const byCategory = Object.entries(totals.byCategory).map(([category, n]) => `${category} ${n}`);
  out.write(
    `generated ${totals.records} records ${byCategory.length > 0 ? `(${byCategory.join(', ')}) ` : ''}` +
      `in ${totals.files} files, ${totals.appends} appends, ${totals.bytes} bytes, ` +
      `${new Date(options.from).toISOString()} to ${new Date(options.to).toISOString()}` +
      (flags.out !== undefined ? ` under ${flags.out}` : ' into storage') +
      '\n',
  );
  const note = periodNote(options.from, options.to, process.env, Date.now());
  if (note !== undefined && totals.records > 0) err?.write(note);
  return totals;
}
