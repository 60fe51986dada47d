import { readFileSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';

/** Pids of live processes serving the embedded store of `dataDir`: Azurite on its files, and the host that runs it. */
export async function embeddedProcesses(dataDir: string): Promise<number[]> {
  const location = path.resolve(dataDir, 'azurite');
  const host = path.resolve(dataDir);
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0');
      // A zombie has an empty command line: it is gone already.
      if ((await readFile(`/proc/${entry}/stat`, 'utf8')).split(') ')[1]?.startsWith('Z')) continue;
    } catch {
      continue;
    }
    const azurite = argv.some((arg) => arg.endsWith('azurite.js')) && argv.includes(location);
    const embeddedHost = argv.some((arg) => arg.endsWith('azuriteHost.js')) && argv.includes(host);
    if (azurite || embeddedHost) pids.push(Number(entry));
  }
  return pids;
}

/** `process.kill(pid, 0)` succeeds, and the process is not a zombie waiting to be reaped. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').at(-1)?.startsWith('Z');
  } catch {
    return false;
  }
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Samples the embedded processes of `dataDir` until stopped; resolves to the largest number of Azurite processes seen at once. */
export function sampleAzurites(dataDir: string): { stop(): Promise<number> } {
  let most = 0;
  let running = true;
  const location = path.resolve(dataDir, 'azurite');
  const loop = (async () => {
    while (running) {
      const pids = await embeddedProcesses(dataDir);
      let azurites = 0;
      for (const pid of pids) {
        const argv = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
        if (argv.split('\0').includes(location) && argv.includes('azurite.js')) azurites++;
      }
      most = Math.max(most, azurites);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return most;
    },
  };
}

/** Pids of live embedded-store processes (hosts and their Azurites) whose data dir lies inside `dir`. */
async function embeddedProcessesUnder(dir: string): Promise<number[]> {
  const inside = path.resolve(dir) + path.sep;
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = await readFile(`/proc/${entry}/cmdline`, 'utf8').then(
      (text) => text.split('\0'),
      () => [],
    );
    const embedded = argv.some((arg) => arg.endsWith('azuriteHost.js') || arg.endsWith('azurite.js'));
    if (embedded && argv.some((arg) => arg.startsWith(inside)) && alive(Number(entry))) pids.push(Number(entry));
  }
  return pids;
}

/**
 * Removes a test's folder after stopping the embedded stores inside it: a host outlives the command
 * that started it by a second and saves its files as it stops, which would race a plain `rm`.
 */
export async function removeTestDir(dir: string): Promise<void> {
  for (const pid of await embeddedProcessesUnder(dir)) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // Gone already.
    }
  }
  await waitFor(`the embedded stores in ${dir} to stop`, async () => ((await embeddedProcessesUnder(dir)).length === 0 ? true : undefined));
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}
