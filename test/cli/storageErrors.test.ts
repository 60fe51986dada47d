import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';
import { runInProcess } from '../support/inProcessCli.js';
import { azuriteConnectionString, uniquePrefix } from '../support/storage.js';

/** Storage errors as a user meets them: status, the service's code and message, and the account or table, on one line. */
let answering: Server;
const scratchDir = mkdtempSync(path.join(tmpdir(), 'acs-logs-datadir-'));
let status = 431;
beforeAll(async () => {
  // A storage endpoint that answers every request with `status` and an empty body, as a proxy or gateway may.
  answering = createServer((req, res) => {
    req.resume();
    res.writeHead(status, { 'Content-Length': '0' });
    res.end();
  });
  await new Promise<void>((resolve) => answering.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise((resolve) => answering.close(resolve));
});

const DEV_KEY = /AccountKey=([^;]+)/.exec(azuriteConnectionString())?.[1] as string;

function emptyAnswering(account: string): string {
  const port = (answering.address() as AddressInfo).port;
  return `DefaultEndpointsProtocol=http;AccountName=${account};AccountKey=${DEV_KEY};BlobEndpoint=http://127.0.0.1:${port}/${account};TableEndpoint=http://127.0.0.1:${port}/${account};`;
}

function lastLine(text: string): string {
  return text.trimEnd().split('\n').at(-1) ?? '';
}

describe('storage errors are readable', () => {
  it('a wrong account key: 403, the service code and message, the account; no XML', async () => {
    const wrongKey = azuriteConnectionString().replace(/AccountKey=[^;]+/, `AccountKey=${Buffer.from('not the key').toString('base64')}`);
    for (const args of [
      ['query', 'rooms'],
      ['backfill', '--container', 'insights-logs-usage'],
    ]) {
      const run = await runInProcess([...args, '--connection-string', wrongKey, '--table-prefix', uniquePrefix()]);
      expect(run.code, run.stderr).toBe(1);
      const line = lastLine(run.stderr);
      expect(line).toMatch(/^acs-logs: .*403 (AuthorizationFailure|AuthenticationFailed)/);
      expect(line).toMatch(/Server failed to authenticate the request/);
      expect(line).toMatch(/account devstoreaccount1/);
      expect(run.stderr).not.toMatch(/<\?xml|<Error>|RequestId/);
    }
  });

  it('an account the endpoint does not have: 404, code, message and account', async () => {
    const other = azuriteConnectionString().replace(/devstoreaccount1/g, 'nosuchaccount');
    const run = await runInProcess(['query', 'rooms', '--connection-string', other, '--table-prefix', uniquePrefix()]);
    expect(run.code).toBe(1);
    expect(lastLine(run.stderr)).toMatch(/^acs-logs: 404 ResourceNotFound: The specified resource does not exist\..*account nosuchaccount/);
  });

  it.each([
    [431, /431 Request Header Fields Too Large/],
    [404, /404 Not Found/],
    [400, /400 Bad Request/],
  ])('an empty %s answer says its status and reason and the account and table, not an empty "acs-logs: "', async (code, reason) => {
    status = code;
    const prefix = uniquePrefix();
    const run = await runInProcess(['query', 'rooms', '--connection-string', emptyAnswering('gatewayed'), '--table-prefix', prefix]);
    expect(run.code).toBe(1);
    const line = lastLine(run.stderr);
    expect(line).toMatch(reason);
    expect(line).toMatch(/account gatewayed/);
    expect(line).toMatch(new RegExp(`table ${prefix}Rooms|table ${prefix}`));
  });

  it('--connection-string garbage is a usage error (exit 2) naming the flag, not an internal error', async () => {
    for (const garbage of ['garbage', 'a=b', ';;;', ' ']) {
      const run = await runInProcess(['query', 'rooms', '--connection-string', garbage]);
      expect(run.code, `${garbage}: ${run.stderr}`).toBe(2);
      expect(run.stderr).toMatch(/--connection-string/);
      expect(run.stderr).not.toMatch(/Cannot read properties|undefined/);
    }
  });
});

describe('a data dir that cannot be made', () => {
  it.each([
    ['a file of that name', () => writeFileSync(path.join(scratchDir, 'file'), 'x'), 'file', /a file of that name is in the way/],
    ['below a file', () => writeFileSync(path.join(scratchDir, 'file2'), 'x'), 'file2/data', /a part of the path is a file \(ENOTDIR\)/],
  ])('%s: exit 1 and why, on one line', async (_name, arrange, dir, reason) => {
    arrange();
    const run = await runInProcess(['query', 'rooms', '--data-dir', path.join(scratchDir, dir)]);
    expect(run.code).toBe(1);
    expect(lastLine(run.stderr)).toMatch(/^acs-logs: cannot create directory /);
    expect(lastLine(run.stderr)).toMatch(reason);
  });

  // Node's own recursive mkdir spins forever on it.
  it.runIf(existsSync('/proc/self'))(
    'under /proc: exit 1 at once, not a spinning command',
    async () => {
      const run = await runInProcess(['query', 'rooms', '--data-dir', '/proc/acs-logs-data']);
      expect(run.code).toBe(1);
      expect(lastLine(run.stderr)).toBe(
        'acs-logs: cannot create directory /proc/acs-logs-data: the file system does not allow it there (ENOENT); the embedded store keeps its lock, log and data in --data-dir: give one that can be written, or a --connection-string',
      );
    },
    20_000,
  );

  it('a data dir the store cannot write in (here its log is a folder): exit 1 and why, on one line', async () => {
    const dataDir = path.join(scratchDir, 'unwritable');
    mkdirSync(path.join(dataDir, 'azurite-host.log'), { recursive: true });
    const run = await runInProcess(['process', path.join(ROOT, 'samples'), '--data-dir', dataDir]);
    expect(run.code).toBe(1);
    expect(lastLine(run.stderr)).toBe(
      `acs-logs: cannot write in the data dir ${dataDir} (EISDIR): the embedded store keeps its lock, log and data there: give a --data-dir that can be written, or a --connection-string`,
    );
    expect(run.stderr).not.toMatch(/file failed/);
  });

  it('an Azurite folder the store cannot write in (here its pid file is a folder): exit 1 with the error, not a line of its stack', async () => {
    const dataDir = path.join(scratchDir, 'unwritable-azurite');
    const pidFile = path.join(dataDir, 'azurite', 'azurite.pid');
    mkdirSync(pidFile, { recursive: true });
    const run = await runInProcess(['query', 'rooms', '--data-dir', dataDir]);
    expect(run.code).toBe(1);
    expect(lastLine(run.stderr)).toMatch(/^acs-logs: the embedded Azurite did not start \(exit 1\): .*before listening: Error: EISDIR: /);
    expect(lastLine(run.stderr)).toContain(pidFile);
  }, 30_000);

  it('process ends with the reason at once, without a failure per file', async () => {
    writeFileSync(path.join(scratchDir, 'file3'), 'x');
    const run = await runInProcess(['process', path.join(ROOT, 'samples'), '--data-dir', path.join(scratchDir, 'file3', 'data')]);
    expect(run.code).toBe(1);
    expect(lastLine(run.stderr)).toMatch(/^acs-logs: cannot create directory .*\(ENOTDIR\); the embedded store keeps its lock, log and data in --data-dir/);
    expect(run.stderr).not.toMatch(/file failed|could not record the failure/);
  });
});
