import { existsSync, realpathSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { defaultGenerateOptions, generateLogs, writeLogsToBlobs } from '../../lib/generating/index.js';
import { silentLogger } from '../../lib/logging.js';
import { tailAndSweep } from '../../lib/processing/tailAndSweep.js';
import { watch } from '../../lib/processing/watch.js';
import { readHealth } from '../../lib/querying/health.js';
import { VIEWS } from '../../lib/querying/views.js';
import type { ViewFilters } from '../../lib/querying/filters.js';
import { BlobLogWriter } from '../../lib/storage/BlobLogWriter.js';
import { embeddedInUse, makeDataDir } from '../../lib/storage/sharedAzurite.js';
import { render } from '../format.js';
import { collapseRows } from '../collapseRows.js';
import { terminalWidth } from '../terminalWidth.js';
import { defaultTableColumns, fitDefaultColumns } from '../viewColumns.js';
import { containersFrom } from '../containers.js';
import { openPipeline } from '../pipeline.js';
import { UsageError } from '../errors.js';
import { overtakenNote } from '../overtakenNote.js';
import { shellWord } from '../shellWord.js';
import { DEFAULT_DEMO_DIR, DEMO_MARKER } from '../demoStore.js';
import { MAX_GENERATED_HOURS, pacer } from './generate.js';

export interface DemoFlags {
  dataDir: string;
  hours: number;
  /** Simulated seconds per real second. */
  speed: number;
  seed: number;
}

const HOUR = 3_600_000;
const DEMO_START = Date.UTC(2024, 4, 25, 8);
const DAY: ViewFilters = { granularity: 'day' };

/**
 * `acs-logs demo`: starts the embedded Azurite, writes a realistic period of logs into the
 * insights-logs-* containers as growing append blobs (as Azure Monitor does), processes them as they
 * land with the watch loop, and prints the aggregates.
 */
export async function demoCommand(flags: DemoFlags, out: NodeJS.WritableStream): Promise<void> {
  // As generate: a typo (an extra zero or three) would otherwise write for days.
  if (flags.hours > MAX_GENERATED_HOURS) throw new UsageError(`--hours must be at most ${MAX_GENERATED_HOURS.toLocaleString('en-US')} (366 days)`);
  // Before the lock is looked for in it: a file in the way is said as every command says it.
  makeDataDir(flags.dataDir);
  // The demo's storage is its own: start from empty so that a second run shows the same numbers,
  // but never under a command still using it.
  let user = await embeddedInUse(flags.dataDir);
  if (user !== undefined) {
    // A store stays up a moment after its last command: say why nothing happens while it may end.
    out.write(`${flags.dataDir} is in use (its embedded Azurite runs as pid ${user}): waiting up to 15 s for it to stop ...\n`);
    user = await embeddedInUse(flags.dataDir, 15_000);
  }
  if (user !== undefined)
    throw new Error(
      `${flags.dataDir} is in use by another command (its embedded Azurite runs as pid ${user}): stop it first, or give the demo another --data-dir`,
    );
  const store = path.join(flags.dataDir, 'azurite');
  // Emptying is for the demo's own store: another command's (`--data-dir .acs-logs`) holds aggregates of real logs.
  // The default name without a marker is an older demo's dir; a link of that name may lead to any store.
  if (existsSync(store) && !existsSync(path.join(flags.dataDir, DEMO_MARKER)) && path.basename(realpathSync(flags.dataDir)) !== DEFAULT_DEMO_DIR) {
    throw new UsageError(
      `${flags.dataDir} holds a store the demo did not make (the aggregates of other commands?), and the demo empties its store first: give the demo another --data-dir (default ${DEFAULT_DEMO_DIR}), or delete ${store} yourself if it holds nothing you need`,
    );
  }
  await rm(store, { recursive: true, force: true });
  await mkdir(flags.dataDir, { recursive: true });
  await writeFile(path.join(flags.dataDir, DEMO_MARKER), 'A store made by `acs-logs demo`, which empties it on each run.\n');
  out.write(`Starting the embedded Azurite in ${flags.dataDir} ...\n`);
  const pipeline = await openPipeline({ dataDir: flags.dataDir, embedded: true }, silentLogger);
  try {
    const options = defaultGenerateOptions({ seed: flags.seed, from: DEMO_START, to: DEMO_START + flags.hours * HOUR, roomsPerHour: 25, callsPerHour: 12 });
    const containers = containersFrom(undefined);
    out.write(
      `Writing ${flags.hours} ${flags.hours === 1 ? 'hour' : 'hours'} of Rooms, Call Recording, call and Usage logs into ${containers.length} containers\n` +
        `as growing append blobs (${flags.speed}x real time), and processing them as they land:\n`,
    );
    const stop = new AbortController();
    let simulatedNow = options.from;
    let processed = 0;
    // Segments a command attached to the demo's store (a watch) saved first: their records are in its totals.
    let overtaken = 0;
    const watching = watch(pipeline.deps, {
      containers,
      intervalMs: 1000,
      fileConcurrency: 4,
      signal: stop.signal,
      onCycle: (summary) => {
        overtaken += summary.overtaken;
        if (summary.records === 0) return;
        processed += summary.records;
        out.write(`  ${new Date(simulatedNow).toISOString().slice(11, 16)} UTC (simulated): ${processed} records processed\n`);
      },
    });
    const writer = new BlobLogWriter({ kind: 'connectionString', connectionString: pipeline.storage.connectionString });
    const pace = pacer(options.from, flags.speed);
    const written = await writeLogsToBlobs(writer, generateLogs(options), async (append) => {
      simulatedNow = append.at;
      await pace?.(append);
    });
    stop.abort();
    await watching;
    const last = await tailAndSweep(pipeline.deps, {
      containers,
      sweepIntervalMs: 0,
      fileConcurrency: 4,
      deadline: Number.POSITIVE_INFINITY,
      forceSweep: true,
    });
    processed += last.records;
    overtaken += last.overtaken;
    out.write(`Done: ${written.records} records written in ${written.files} files; ${processed} processed, each exactly once${overtakenNote(overtaken)}.\n`);

    const tables = pipeline.deps.tables;
    const width = terminalWidth(out);
    const show = async (title: string, view: string, limit?: number, chosen?: readonly string[]): Promise<void> => {
      const definition = VIEWS[view];
      if (!definition) return;
      const wanted = chosen ?? defaultTableColumns(view, definition.columns);
      const rows = collapseRows(view, await definition.run(tables, DAY), wanted);
      const shown = limit === undefined ? rows : rows.slice(0, limit);
      // As `query` fits its tables: times and statistics whole (a column of them left out and named), other cells cut.
      const { columns } = fitDefaultColumns(wanted, shown, DAY.granularity, width);
      const leftOut = wanted.filter((column) => !columns.includes(column));
      out.write(`\n${title}${limit !== undefined && rows.length > limit ? ` (first ${limit} of ${rows.length})` : ''}\n`);
      out.write(render(shown, 'table', columns, { granularity: DAY.granularity, maxWidth: width }));
      if (leftOut.length > 0) {
        // The whole command, on a line of its own as under "Query further": it reads the demo's store, not ./.acs-logs.
        out.write(
          `(${leftOut.join(', ')} left out to fit; this shows ${leftOut.length === 1 ? 'it' : 'them'}:)\n` +
            `  npx acs-logs query ${view} --wide --data-dir ${shellWord(flags.dataDir)}\n`,
        );
      }
    };
    await show('Rooms operations per day', 'rooms-operations');
    await show('Rooms', 'rooms', 8);
    await show('Recordings per day', 'recordings');
    // Every row of the day: the start and stop operations are the story, and they sort after Pause and Resume.
    await show('Recording operations per day: every start, pause, resume and stop, with latency', 'recording-operations');
    await show('Recordings per call', 'recordings-per-call');
    await show('Calls: recordings joined to the API operations that drove them', 'calls', 8);
    await show('Calls: duration and quality, joined to the recordings', 'calls', 8, [
      'correlationId',
      'callDurationSeconds',
      'poorStreams',
      'recordingCoverage',
    ]);
    await show('Call volume per day', 'call-volume');
    await show('Call quality per day', 'call-quality');
    await show('Usage per day', 'usage');
    await show('Usage by month, and its fate at the 2028-09-30 retirement', 'retirement');
    const health = await readHealth(tables, containers);
    out.write('\nHealth (newestRecordAt: the time in the newest record read, simulated)\n');
    out.write(render(health.containers, 'table', ['container', 'files', 'records', 'badLines', 'quarantined', 'newestRecordAt'], { maxWidth: width }));

    // As one word of the commands below, so that they paste whole.
    const dir = shellWord(flags.dataDir);
    // Hours the demo wrote: from its second hour (its first when there is one), three at most.
    const from = DEMO_START + (flags.hours > 1 ? HOUR : 0);
    const to = Math.min(DEMO_START + flags.hours * HOUR, from + 3 * HOUR);
    const minute = (time: number): string => new Date(time).toISOString().slice(0, 16) + 'Z';
    out.write(
      '\nQuery further (the data stays in ' +
        flags.dataDir +
        '):\n' +
        `  npx acs-logs query calls --data-dir ${dir} --format json\n` +
        `  npx acs-logs query recording-operations --granularity hour --data-dir ${dir}\n` +
        `  npx acs-logs query rooms-operations --granularity hour --from ${minute(from)} --to ${minute(to)} --data-dir ${dir} --format csv\n` +
        `  npx acs-logs quarantine list --data-dir ${dir}\n`,
    );
    out.write(`\nOpen the dashboard: npx acs-logs serve --data-dir ${dir}   (then http://127.0.0.1:7071/)\n`);
  } finally {
    await pipeline.close();
  }
}
