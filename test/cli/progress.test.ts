import { describe, expect, it } from 'vitest';
import type { BackfillProgress } from '../../src/lib/processing/backfill.js';
import { progressReporter } from '../../src/cli/progress.js';

/** A terminal as the backfill's stderr: what is written to it, kept. */
function terminal(): NodeJS.WritableStream & { text: string } {
  const stream = {
    isTTY: true,
    columns: 100,
    text: '',
    write(chunk: string): boolean {
      stream.text += chunk;
      return true;
    },
    on: () => stream,
    once: () => stream,
    removeListener: () => stream,
  };
  return stream as unknown as NodeJS.WritableStream & { text: string };
}

function progress(filesDone: number): BackfillProgress {
  const bytes = filesDone * 500_000;
  return {
    filesTotal: 2,
    bytesTotal: 1_000_000,
    filesDone,
    bytesDone: bytes,
    bytesRead: bytes,
    records: filesDone * 10,
    badLines: 0,
    unsupported: 0,
    overtaken: 0,
    filesFailed: 0,
    containersFailed: [],
    goneStuck: [],
    startedAt: 0,
  };
}

describe('backfill progress', () => {
  it('on a terminal that moves no cursor (TERM=dumb) is plain lines, without escape codes or carriage returns', () => {
    const stream = terminal();
    const reporter = progressReporter(stream, () => 10_000, { TERM: 'dumb' });
    reporter.update(progress(1));
    reporter.stop(progress(2));
    expect(stream.text).not.toContain('\x1b');
    expect(stream.text).not.toContain('\r');
    expect(stream.text).toMatch(/^backfill: 1\/2 files, .*\nbackfill: 2\/2 files, 1\.0\/1\.0 MB \(100%\), 20 records/);
  });
});
