import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeTestDir } from '../support/embedded.js';
import { ROOT } from '../support/cli.js';
import { asJsonLines, roomsRecords } from '../support/roomsLogs.js';
import { azuriteConnectionString, uniquePrefix } from '../support/storage.js';

const MAIN = path.join(ROOT, 'dist/src/cli/main.js');
const HOOKS = path.join(ROOT, 'test/support/importHooks/register.mjs');

/** The packages a built `acs-logs <args>` imported, by name (`{file}` in the arguments is a small log file, `{dir}` a new folder). */
async function packagesImported(args: string[]): Promise<Set<string>> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'acs-imports-'));
  try {
    const file = path.join(dir, 'PT1H.json');
    await writeFile(file, asJsonLines(roomsRecords(3)));
    const importsFile = path.join(dir, 'imports.txt');
    const env: NodeJS.ProcessEnv = { ...process.env, IMPORTS_FILE: importsFile };
    delete env['AzureWebJobsStorage'];
    const run = spawnSync(process.execPath, ['--import', HOOKS, MAIN, ...args.map((arg) => arg.replace('{file}', file).replace('{dir}', dir))], {
      env,
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    const names = new Set<string>();
    for (const url of (await readFile(importsFile, 'utf8')).split('\n')) {
      const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
      if (match) names.add(match[1] as string);
    }
    return names;
  } finally {
    await removeTestDir(dir);
  }
}

describe('what a command loads as it starts', () => {
  it('`process` of local files loads neither the blob SDK nor the identity library; given an account, it loads the blob SDK', async () => {
    const local = await packagesImported(['process', '{file}', '--data-dir', '{dir}/data']);
    expect(local.has('@azure/data-tables')).toBe(true);
    expect(local.has('@azure/storage-blob')).toBe(false);
    expect(local.has('@azure/identity')).toBe(false);

    const withAccount = await packagesImported(['process', '{file}', '--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()]);
    expect(withAccount.has('@azure/storage-blob')).toBe(true);
  }, 60_000);

  it('`health` and `query` load neither', async () => {
    for (const command of [['health'], ['query', 'rooms']]) {
      const loaded = await packagesImported([...command, '--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()]);
      expect(loaded.has('@azure/data-tables'), command.join(' ')).toBe(true);
      expect(loaded.has('@azure/storage-blob'), command.join(' ')).toBe(false);
      expect(loaded.has('@azure/identity'), command.join(' ')).toBe(false);
    }
  }, 60_000);
});
