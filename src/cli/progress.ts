import cliProgress from 'cli-progress';
import type { BackfillProgress } from '../lib/processing/backfill.js';
import { canShowStatus } from './statusLine.js';

export interface ProgressReporter {
  update(progress: BackfillProgress): void;
  stop(progress: BackfillProgress): void;
}

const PLAIN_INTERVAL_MS = 5000;

/**
 * A progress bar on a terminal; otherwise a plain line every few seconds (logs, CI, and a terminal
 * that moves no cursor, TERM=dumb, where the bar's escape codes would show as text).
 */
export function progressReporter(
  stream: NodeJS.WriteStream | NodeJS.WritableStream,
  now: () => number = Date.now,
  env: NodeJS.ProcessEnv = process.env,
): ProgressReporter {
  return canShowStatus(stream, env) ? barReporter(stream as NodeJS.WriteStream, now) : plainReporter(stream, now);
}

function barReporter(stream: NodeJS.WriteStream, now: () => number): ProgressReporter {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: 'backfill [{bar}] {percentage}% | {files} files | {mb} MB | {rate} records/s | ETA {eta_formatted}',
      hideCursor: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const payload = (p: BackfillProgress) => ({
    files: `${p.filesDone}/${p.filesTotal}`,
    mb: `${(p.bytesDone / 1e6).toFixed(1)}/${(p.bytesTotal / 1e6).toFixed(1)}`,
    rate: recordsPerSecond(p, now()),
  });
  return {
    update(p) {
      if (!started) {
        bar.start(Math.max(1, p.bytesTotal), p.bytesDone, payload(p));
        started = true;
      } else bar.update(p.bytesDone, payload(p));
    },
    stop(p) {
      if (started) {
        bar.update(p.bytesDone, payload(p));
        bar.stop();
      }
    },
  };
}

function plainReporter(stream: NodeJS.WritableStream, now: () => number): ProgressReporter {
  let last = 0;
  const line = (p: BackfillProgress): void => {
    const percent = p.bytesTotal > 0 ? Math.floor((100 * p.bytesDone) / p.bytesTotal) : 100;
    const eta = etaSeconds(p, now());
    stream.write(
      `backfill: ${p.filesDone}/${p.filesTotal} files, ${(p.bytesDone / 1e6).toFixed(1)}/${(p.bytesTotal / 1e6).toFixed(1)} MB (${percent}%), ` +
        `${p.records} records, ${recordsPerSecond(p, now())} records/s` +
        (eta === null ? '' : `, ETA ${eta}s`) +
        '\n',
    );
  };
  return {
    update(p) {
      if (now() - last >= PLAIN_INTERVAL_MS) {
        last = now();
        line(p);
      }
    },
    stop: line,
  };
}

function recordsPerSecond(p: BackfillProgress, now: number): number {
  const seconds = (now - p.startedAt) / 1000;
  return seconds > 0 ? Math.round(p.records / seconds) : 0;
}

function etaSeconds(p: BackfillProgress, now: number): number | null {
  if (p.bytesDone === 0 || p.bytesDone >= p.bytesTotal) return null;
  const elapsed = (now - p.startedAt) / 1000;
  return Math.round((elapsed * (p.bytesTotal - p.bytesDone)) / p.bytesDone);
}
