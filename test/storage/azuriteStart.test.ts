import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PassThrough } from 'node:stream';
import { TableServiceClient } from '@azure/data-tables';
import { describe, expect, it } from 'vitest';
import { COMPILER_FLAGS } from '../../src/lib/v8Flags.js';
import {
  compiledModule,
  databaseBytes,
  idleAfterStart,
  listeningPorts,
  resolveAzuriteEntry,
  startAllowanceMs,
  restartMs,
  startAzurite,
  stopAllowanceMs,
  stopChild,
} from '../../src/lib/storage/azurite.js';
import { AZURITE_PARENT_VARIABLE, AZURITE_PID_FILE, claimLocation, parentToFollow } from '../../src/lib/storage/azuriteParent.js';

function fakeChild(): { child: ChildProcess; stdout: PassThrough } {
  const stdout = new PassThrough();
  const child = Object.assign(new EventEmitter(), { stdout }) as unknown as ChildProcess;
  return { child, stdout };
}

describe('starting Azurite', () => {
  it('reads the ports from the lines Azurite prints as each service listens, however they are cut', async () => {
    const { child, stdout } = fakeChild();
    const ports = listeningPorts(child);
    stdout.write('In-memory extent storage is enabled\nAzurite Blob service is starting at http://127.0.0.1:0\nAzurite Blob service is successfully lis');
    stdout.write('tening at http://127.0.0.1:41097\nAzurite Queue service is successfully listening at http://127.0.0.1:42469\n');
    stdout.write('Azurite Table service is successfully listening at http://127.0.0.1:33139');
    let settled = false;
    void ports.then(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    // The table line is not complete until its newline.
    expect(settled).toBe(false);
    stdout.write('\nAzurite Table service is closing...\n');
    await expect(ports).resolves.toEqual({ Blob: 41097, Queue: 42469, Table: 33139 });
  });

  it('an Azurite killed by a signal before it listens is said to be, not to have exited with code null', async () => {
    const start = startAzurite({ onSpawn: async (pid) => void process.kill(pid, 'SIGKILL') });
    await expect(start).rejects.toThrow(/^Azurite was killed by SIGKILL before listening$/);
  });

  it('six started at once each get ports of their own and are stores of their own', async () => {
    const instances = await Promise.all(Array.from({ length: 6 }, () => startAzurite()));
    try {
      const tablePorts = new Set(instances.map((azurite) => azurite.tablePort));
      const blobPorts = new Set(instances.map((azurite) => azurite.blobPort));
      expect(tablePorts.size).toBe(6);
      expect(blobPorts.size).toBe(6);
      await Promise.all(
        instances.map((azurite, i) =>
          TableServiceClient.fromConnectionString(azurite.connectionString, { allowInsecureConnection: true }).createTable(`Only${i}`),
        ),
      );
      for (const [i, azurite] of instances.entries()) {
        const names: string[] = [];
        for await (const table of TableServiceClient.fromConnectionString(azurite.connectionString, { allowInsecureConnection: true }).listTables()) {
          names.push(String(table.name));
        }
        expect(names).toEqual([`Only${i}`]);
      }
    } finally {
      await Promise.all(instances.map((azurite) => azurite.stop()));
    }
  });

  it.skipIf(!existsSync('/proc/self/cmdline'))("runs Azurite with the compiler flags, given to Node before Azurite's entry script", async () => {
    const azurite = await startAzurite();
    try {
      const argv = (await readFile(`/proc/${azurite.pid}/cmdline`, 'utf8')).split('\0');
      const entry = argv.indexOf(resolveAzuriteEntry());
      expect(entry).toBeGreaterThan(0);
      for (const flag of COMPILER_FLAGS) {
        expect(argv.indexOf(flag)).toBeGreaterThan(0);
        expect(argv.indexOf(flag)).toBeLessThan(entry);
      }
    } finally {
      await azurite.stop();
    }
  });
});

describe('an Azurite whose starter is gone', () => {
  it('names itself in its folder, and exits before opening anything when the process that started it is already gone', async () => {
    const location = await mkdtemp(path.join(tmpdir(), 'acs-logs-azurite-parent-'));
    let child: ChildProcess | undefined;
    try {
      expect(claimLocation(['azurite.js', '--location', location], { [AZURITE_PARENT_VARIABLE]: '4242' }, 4242, 777)).toBe(true);
      expect(await readFile(path.join(location, AZURITE_PID_FILE), 'utf8')).toBe('777');
      // Reparented: the starter died.
      expect(claimLocation(['azurite.js', '--location', location], { [AZURITE_PARENT_VARIABLE]: '4242' }, 1, 778)).toBe(false);
      expect(existsSync(path.join(location, AZURITE_PID_FILE))).toBe(false);
      // Started by hand, without a starter to watch: it runs.
      expect(claimLocation(['azurite.js'], {}, 1, 779)).toBe(true);

      // The real thing: Azurite with the preload, told that another process started it.
      child = spawn(
        process.execPath,
        [
          '--import',
          pathToFileURL(compiledModule('azuritePreload.js')).href,
          resolveAzuriteEntry(),
          '--location',
          location,
          '--tablePort',
          '0',
          '--blobPort',
          '0',
          '--queuePort',
          '0',
        ],
        { stdio: 'ignore', env: { ...process.env, [AZURITE_PARENT_VARIABLE]: '1' } },
      );
      const started = child;
      const code = await new Promise<number | null>((resolve) => started.once('exit', resolve));
      expect(code).toBe(0);
      expect(await readdir(location)).toEqual([]);
    } finally {
      // Had it not exited by itself (the test then fails on its timeout), it must not outlive the test.
      child?.kill('SIGKILL');
      await rm(location, { recursive: true, force: true });
    }
  });
});

describe('an Azurite in memory whose starter is killed', () => {
  it('ends by itself once its starter is gone, even by a signal that runs no exit handler', async () => {
    expect(parentToFollow(['azurite.js', '--inMemoryPersistence'], { [AZURITE_PARENT_VARIABLE]: '4242' })).toBe(4242);
    expect(parentToFollow(['azurite.js', '--location', '/data'], { [AZURITE_PARENT_VARIABLE]: '4242' })).toBeUndefined();
    expect(parentToFollow(['azurite.js'], {})).toBeUndefined();

    // A starter that starts Azurite in memory, prints its pid, and is then killed by SIGTERM.
    const starter = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { startAzurite } = await import(${JSON.stringify(pathToFileURL(compiledModule('azurite.js')).href)});
         const azurite = await startAzurite();
         console.log(azurite.pid);
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let azuritePid: number | undefined;
    try {
      azuritePid = await new Promise<number>((resolve, reject) => {
        let out = '';
        starter.stdout?.on('data', (chunk: Buffer) => {
          out += chunk.toString('utf8');
          const line = /^(\d+)\n/.exec(out);
          if (line) resolve(Number(line[1]));
        });
        starter.once('exit', () => reject(new Error(`the starter ended first: ${out}`)));
      });
      expect(isRunning(azuritePid)).toBe(true);
      starter.kill('SIGTERM');
      const deadline = Date.now() + 10_000;
      while (isRunning(azuritePid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(isRunning(azuritePid)).toBe(false);
    } finally {
      starter.kill('SIGKILL');
      if (azuritePid !== undefined && isRunning(azuritePid)) process.kill(azuritePid, 'SIGKILL');
    }
  });
});

/** Whether a process of this pid runs (a zombie not yet reaped counts as gone). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

describe('the time Azurite may take to start', () => {
  it('grows with the databases it reads whole first (a data dir of 952 MB took 43 s; the fixed 30 s failed every command)', async () => {
    const location = await mkdtemp(path.join(tmpdir(), 'azurite-allowance-'));
    try {
      expect(databaseBytes(path.join(location, 'missing'))).toBe(0);
      expect(startAllowanceMs(location)).toBe(30_000);
      expect(startAllowanceMs(undefined)).toBe(30_000);
      await writeFile(path.join(location, '__azurite_db_table__.json'), '');
      await truncate(path.join(location, '__azurite_db_table__.json'), 900_000_000);
      await writeFile(path.join(location, '__azurite_db_blob__.json'), 'x'.repeat(100_000_000 / 1000));
      // Other files (a save in progress, the extents) are not read at start.
      await writeFile(path.join(location, '__azurite_db_table__.json~'), 'x'.repeat(1000));
      expect(databaseBytes(location)).toBe(900_100_000);
      expect(startAllowanceMs(location)).toBeGreaterThanOrEqual(30_000 + 90_000);
    } finally {
      await rm(location, { recursive: true, force: true });
    }
  });

  it('to save as it stops grows with its databases as they are when the stop begins', async () => {
    const location = await mkdtemp(path.join(tmpdir(), 'azurite-stop-'));
    try {
      expect(stopAllowanceMs(location)).toBe(60_000);
      await writeFile(path.join(location, '__azurite_db_table__.json'), '');
      await truncate(path.join(location, '__azurite_db_table__.json'), 977_000_000);
      // A 977 MB store took 25 s a save; a close during a save makes a second one.
      expect(stopAllowanceMs(location)).toBeGreaterThanOrEqual(6 * 25_000);
    } finally {
      await rm(location, { recursive: true, force: true });
    }
  });

  it('a stop asks how long it may wait as it begins, and kills only past that', async () => {
    // A process that takes 1.5 s to end after SIGTERM, as Azurite saving a large store does.
    const slowToStop = (): { child: ChildProcess; exited: Promise<number | null> } => {
      const child = spawn(
        process.execPath,
        ['-e', "process.on('SIGTERM', () => setTimeout(() => process.exit(0), 1500)); setInterval(() => {}, 1000); console.log('up')"],
        {
          stdio: ['ignore', 'pipe', 'ignore'],
        },
      );
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      return { child, exited };
    };
    const started = async (stopping: { child: ChildProcess }): Promise<void> => {
      await new Promise((resolve) => stopping.child.stdout?.once('data', resolve));
    };
    let allowance = 100;
    const patient = slowToStop();
    await started(patient);
    const asked = stopChild(patient.child, patient.exited, () => allowance);
    allowance = 10_000;
    await asked;
    expect(patient.child.signalCode).toBe('SIGKILL');

    const given = slowToStop();
    await started(given);
    await stopChild(given.child, given.exited, () => 10_000);
    expect([given.child.exitCode, given.child.signalCode]).toEqual([0, null]);
  }, 30_000);

  it('a store slow to start stays up after its last command, so the next one does not wait again', () => {
    expect(idleAfterStart(0)).toBe(1000);
    expect(idleAfterStart(9_999)).toBe(1000);
    // The 952 MB data dir: 29 s to read, then a minute for the next command.
    expect(idleAfterStart(29_000)).toBe(58_000);
    expect(idleAfterStart(600_000)).toBe(300_000);
  });

  it('so does a store that grew large while it ran: the next command would wait for its save and its read', async () => {
    const location = await mkdtemp(path.join(tmpdir(), 'azurite-restart-'));
    try {
      expect(idleAfterStart(restartMs(location))).toBe(1000);
      await writeFile(path.join(location, '__azurite_db_table__.json'), '');
      await truncate(path.join(location, '__azurite_db_table__.json'), 100_000_000);
      expect(idleAfterStart(restartMs(location))).toBe(1000);
      // A first `process` of three days of two busy resources: 977 MB, 25 s to save and 11 s to read.
      await truncate(path.join(location, '__azurite_db_table__.json'), 977_000_000);
      expect(restartMs(location)).toBeGreaterThanOrEqual(36_000);
      expect(idleAfterStart(restartMs(location))).toBeGreaterThanOrEqual(72_000);
    } finally {
      await rm(location, { recursive: true, force: true });
    }
  });
});
