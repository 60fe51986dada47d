// The build: compile (tsconfig.build.json), make the package's commands executable, bundle the dashboard.
// After `npm prune --omit=dev` (step 2 of docs/DEPLOY.md, azd's prepackage hook) the compiler is gone
// while dist/ is already built, and azd's package step runs this again: it then keeps that build.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));

function compiler() {
  try {
    return require.resolve('typescript/bin/tsc');
  } catch {
    return undefined;
  }
}

const tsc = compiler();
if (tsc === undefined) {
  const built = ['dist/src/functions', 'dist/src/cli/main.js', 'dist/dashboard/index.html'].every((file) => existsSync(path.join(root, file)));
  if (built) {
    console.log('build: the TypeScript compiler is not installed (runtime dependencies only): dist/ is kept as built');
    process.exit(0);
  }
  console.error('build: the TypeScript compiler is not installed and dist/ is not built: run npm ci (with the development dependencies) first');
  process.exit(1);
}
for (const args of [[tsc, '-p', 'tsconfig.build.json'], ['scripts/executable-bins.mjs'], ['scripts/build-dashboard.mjs']]) {
  const step = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (step.status !== 0) process.exit(step.status ?? 1);
}
