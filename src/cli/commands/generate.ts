import { defaultGenerateOptions, generateLogs, writeLogsToBlobs, writeLogsToDirectory, type GenerateOptions, type GenerateTotals, type LogAppend } from '../../lib/generating/index.js';
import { BlobLogWriter } from '../../lib/storage/BlobLogWriter.js';
import { UsageError } from '../errors.js';
import { openStorage, type StorageFlags } from '../storageSession.js';

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
}

export function generateOptionsFrom(flags: GenerateFlags): GenerateOptions {
  if (flags.to !== undefined && flags.hours !== undefined) throw new UsageError('give --to or --hours, not both');
  const base = defaultGenerateOptions({ seed: flags.seed, ...(flags.from === undefined ? {} : { from: flags.from }) });
  const to = flags.to ?? base.from + (flags.hours ?? 24) * HOUR;
  if (to <= base.from) throw new UsageError('--to must be after --from');
  return { ...base, to, resources: flags.resources, roomsPerHour: flags.roomsPerHour, callsPerHour: flags.callsPerHour, failureRate: flags.failureRate };
}

/** Waits so that appends land at `speed` times real time, as Azure Monitor would write them. */
export function pacer(simulatedStart: number, speed: number | undefined): ((append: LogAppend) => Promise<void>) | undefined {
  if (speed === undefined) return undefined;
  const realStart = Date.now();
  return async (append) => {
    const due = realStart + (append.at - simulatedStart) / speed;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  };
}

/** `acs-logs generate`: synthetic logs of every category, to a folder or as growing append blobs. */
export async function generateCommand(flags: GenerateFlags, out: NodeJS.WritableStream): Promise<GenerateTotals> {
  const options = generateOptionsFrom(flags);
  let totals: GenerateTotals;
  if (flags.out !== undefined) {
    if (flags.speed !== undefined) throw new UsageError('--speed applies only when writing to storage');
    totals = await writeLogsToDirectory(flags.out, generateLogs(options));
  } else {
    const storage = await openStorage(flags);
    try {
      const writer = new BlobLogWriter({ kind: 'connectionString', connectionString: storage.connectionString });
      totals = await writeLogsToBlobs(writer, generateLogs(options), pacer(options.from, flags.speed));
    } finally {
      await storage.close();
    }
  }
  out.write(
    `generated ${totals.records} records (${Object.entries(totals.byCategory).map(([category, n]) => `${category} ${n}`).join(', ')}) ` +
      `in ${totals.files} files, ${totals.appends} appends, ${totals.bytes} bytes, ` +
      `${new Date(options.from).toISOString()} to ${new Date(options.to).toISOString()}` +
      (flags.out !== undefined ? ` under ${flags.out}` : ' into storage') + '\n',
  );
  return totals;
}
