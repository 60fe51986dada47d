import { isDeepStrictEqual } from 'node:util';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, startCli } from '../support/cli.js';
import { portOf, startFaultProxy, withPorts } from '../support/faultProxy.js';
import { asJsonLines, blobPath, normalizeAll, roomsRecords } from '../support/roomsLogs.js';
import {
  appendToBlob,
  azuriteConnectionString,
  newBlobSource,
  newContainer,
  newTableStore,
  readAggregates,
  referenceAggregates,
  uniquePrefix,
} from '../support/storage.js';

const ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

const until = async (condition: () => Promise<boolean>, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
};

describe('watch rides out a storage outage', () => {
  it('storage away: watch says so on stderr, keeps going, and then reads the files that landed meanwhile', async () => {
    const direct = azuriteConnectionString();
    const blobProxy = await startFaultProxy(portOf(direct, 'Blob'));
    const tableProxy = await startFaultProxy(portOf(direct, 'Table'));
    const container = await newContainer();
    const prefix = uniquePrefix();
    const tables = newTableStore(direct, prefix);
    const before = roomsRecords(25, 601);
    const during = roomsRecords(35, 602);
    await appendToBlob(container, blobPath(1), asJsonLines(before));

    const child = spawn(
      process.execPath,
      [
        path.join(ROOT, 'dist/src/cli/main.js'),
        'watch',
        '--container',
        container.containerName,
        '--interval',
        '1',
        '--connection-string',
        withPorts(direct, { blob: blobProxy.port, table: tableProxy.port }),
        '--table-prefix',
        prefix,
      ],
      { cwd: ROOT, env: { ...process.env, AzureWebJobsStorage: '' } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    try {
      const first = referenceAggregates(normalizeAll(before));
      await until(async () => isDeepStrictEqual(await readAggregates(tables), first), 30_000);

      await blobProxy.down();
      await tableProxy.down();
      await appendToBlob(container, blobPath(2), asJsonLines(during));
      // Down until watch has said so, and a second longer: it keeps going.
      await until(async () => Promise.resolve(/^warning: storage unavailable/m.test(stderr)), 30_000);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(child.exitCode).toBeNull();
      await blobProxy.up();
      await tableProxy.up();

      const all = referenceAggregates(normalizeAll([...before, ...during]));
      await until(async () => isDeepStrictEqual(await readAggregates(tables), all), 60_000);
      // A pass that failed during the outage ends with a note that storage answers again.
      if (/pass failed/.test(stderr)) await until(async () => /storage answers again/.test(stdout), 30_000);
      child.kill('SIGINT');
      expect(await exited, stderr).toBe(0);
      expect(stderr).toMatch(/^warning: (pass failed; retrying \(error=)?storage unavailable \((ECONNREFUSED|ECONNRESET)/m);
      expect(stdout).toMatch(/stopped: 60 records processed/);
      expect(stderr).toMatch(/^stopping after the current pass \(Ctrl-C again to stop at once\)$/m);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await blobProxy.close();
      await tableProxy.close();
    }
  }, 120_000);

  it('storage not answering at all: the first Ctrl-C alone ends watch in seconds, starting nothing more and not waiting out the retries', async () => {
    const dead = `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${ACCOUNT_KEY};BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;`;
    const watching = startCli(['watch', '--interval', '1', '--connection-string', dead, '--table-prefix', uniquePrefix()]);
    try {
      await until(async () => Promise.resolve(/^warning: storage unavailable/m.test(watching.output().stderr)), 30_000);
      const sent = Date.now();
      watching.child.kill('SIGINT');
      const done = await watching.done;
      // It took 80-90 s: each container's sweep state was read through the SDK's retries.
      expect(Date.now() - sent, done.stderr).toBeLessThan(10_000);
      expect(done.code, done.stderr).toBe(0);
      expect(done.stdout).toMatch(/^stopped: 0 records processed/m);
      expect(done.stderr).not.toMatch(/still run/);
    } finally {
      if (watching.child.exitCode === null) watching.child.kill('SIGKILL');
    }
  }, 60_000);

  it('storage not answering at all: --duration ends watch, and the check for missing containers says nothing it could not check', async () => {
    const dead = `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${ACCOUNT_KEY};BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;`;
    const done = await startCli(['watch', '--interval', '1', '--duration', '1', '--connection-string', dead, '--table-prefix', uniquePrefix()]).done;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr).not.toMatch(/note:/);
  }, 60_000);

  it("a container's existence asked with a signal: the stop ends it at once, even against storage that never answers", async () => {
    // watch's check of missing containers runs beside its pass: unended, its retries kept the process up after the stop.
    const silent = createServer((socket) => socket.on('error', () => undefined));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const source = newBlobSource(
        `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${ACCOUNT_KEY};BlobEndpoint=http://127.0.0.1:${port}/devstoreaccount1;`,
      );
      const stop = new AbortController();
      const asked = source.containerExists('insights-logs-usage', stop.signal);
      const outcome = Promise.race([
        asked.then(
          () => 'answered',
          () => 'ended',
        ),
        new Promise((resolve) => setTimeout(() => resolve('still waiting'), 5_000)),
      ]);
      setTimeout(() => stop.abort(), 200);
      expect(await outcome).toBe('ended');
    } finally {
      silent.close();
    }
  });

  it('storage that takes requests and never answers: the first Ctrl-C says a second one stops at once, and the second does', async () => {
    // Requests that have not failed are left to finish after the first Ctrl-C; these never do.
    const silent = createServer((socket) => socket.on('error', () => undefined));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const hanging =
      `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${ACCOUNT_KEY};` +
      `BlobEndpoint=http://127.0.0.1:${port}/devstoreaccount1;TableEndpoint=http://127.0.0.1:${port}/devstoreaccount1;`;
    const watching = startCli(['watch', '--interval', '1', '--connection-string', hanging, '--table-prefix', uniquePrefix()]);
    try {
      await until(async () => Promise.resolve(/^watching /m.test(watching.output().stdout)), 30_000);
      // A pass is under way, its requests waiting for answers.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      watching.child.kill('SIGINT');
      await until(async () => Promise.resolve(/stopping after the current pass \(Ctrl-C again to stop at once\)/.test(watching.output().stderr)), 10_000);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(watching.child.exitCode).toBeNull();
      const sent = Date.now();
      watching.child.kill('SIGINT');
      const done = await watching.done;
      expect(Date.now() - sent).toBeLessThan(5_000);
      expect(done.code).toBe(130);
    } finally {
      if (watching.child.exitCode === null) watching.child.kill('SIGKILL');
      silent.close();
    }
  }, 60_000);
});
