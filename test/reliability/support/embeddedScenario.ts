import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { defaultGenerateOptions, generateLogs, writeLogsToDirectory } from '../../../src/lib/generating/index.js';
import { cliProcess, startCli, type CliRun } from '../../support/cli.js';
import { embeddedProcesses, sampleAzurites, waitFor } from '../../support/embedded.js';
import { newTableStore } from '../../support/storage.js';
import { rng } from '../../support/random.js';
import { expectedFromDir, tempDir, verify, type Verdict } from './scenario.js';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGKILL'] as const;
const HOUR = 3_600_000;

export interface EmbeddedReport {
  commands: string[];
  /** How each command ended: its exit code, or the signal sent to it. */
  endings: string[];
  /** Most Azurite processes seen at once on the data dir (must be 1). */
  maxAzurites: number;
  /** Embedded processes still running 20 s after the last command ended (must be none). */
  leftBehind: number[];
  verdict: Verdict;
}

/**
 * `rounds` rounds of CLI commands started together on one data dir (process of some of `trees`
 * storage-shaped trees, query, quarantine list, watch), some ended by a signal at a random moment;
 * then one clean `process` of everything. Checks one Azurite at a time, none left behind, and the
 * aggregates and checkpoints against one careful pass of the files.
 */
export async function embeddedScenario(seed: number, rounds: number, trees: number, signalShare = 0.5): Promise<EmbeddedReport> {
  const next = rng(seed);
  const work = await tempDir('embedded');
  const logs = path.join(work, 'logs');
  const dataDir = path.join(work, 'store');
  for (let tree = 0; tree < trees; tree++) {
    const from = Date.UTC(2024, tree, 1);
    await writeLogsToDirectory(logs, generateLogs(defaultGenerateOptions({ seed: seed + tree, from, to: from + HOUR, roomsPerHour: 15, callsPerHour: 6 })));
  }
  const containers = (await readdir(logs)).map((name) => path.join(logs, name));

  const sampler = sampleAzurites(dataDir);
  const commands: string[] = [];
  const endings: string[] = [];
  for (let round = 0; round < rounds; round++) {
    const count = 2 + Math.floor(next() * 3);
    const runs: Promise<CliRun>[] = [];
    for (let i = 0; i < count; i++) {
      const kind = Math.floor(next() * 4);
      const args =
        kind <= 1
          ? ['process', ...containers.filter(() => next() < 0.6), containers[Math.floor(next() * containers.length)] as string, '--quiet']
          : kind === 2
            ? ['query', 'rooms-operations', '--format', 'json']
            : ['watch', '--interval', '1', '--duration', '2'];
      commands.push(args.slice(0, 2).join(' '));
      const running = startCli([...args, '--data-dir', dataDir]);
      const signal = next() < signalShare ? SIGNALS[Math.floor(next() * SIGNALS.length)] : undefined;
      const delay = 200 + Math.floor(next() * 3000);
      const timer = signal ? setTimeout(() => running.child.kill(signal), delay) : undefined;
      runs.push(running.done.finally(() => clearTimeout(timer)));
    }
    for (const run of await Promise.all(runs)) endings.push(run.signal ? run.signal : `exit ${run.code}`);
  }
  await waitFor('no embedded process', async () => ((await embeddedProcesses(dataDir)).length === 0 ? true : undefined), 20_000).catch(() => undefined);
  const leftBehind = await embeddedProcesses(dataDir);

  const final = await cliProcess(['process', logs, '--quiet', '--data-dir', dataDir]);
  if (final.code !== 0) throw new Error(`the final process failed: ${final.stderr}`);
  // A command that stays attached while the tables are read.
  const holder = startCli(['watch', '--interval', '3600', '--data-dir', dataDir]);
  // The lock is read once the holder is attached: until then it may still be the previous host's, stopping.
  let verdict: Verdict;
  try {
    await waitFor('watch to attach', () => (holder.output().stdout.includes('watching') ? true : undefined));
    const lock = JSON.parse(await readFile(path.join(dataDir, 'azurite.lock'), 'utf8')) as { connectionString: string };
    verdict = await verify(newTableStore(lock.connectionString, 'Acs'), await expectedFromDir(logs));
  } finally {
    holder.child.kill('SIGINT');
    await holder.done;
  }
  const maxAzurites = await sampler.stop();
  await waitFor('no embedded process', async () => ((await embeddedProcesses(dataDir)).length === 0 ? true : undefined), 20_000);
  return { commands, endings, maxAzurites, leftBehind, verdict };
}
