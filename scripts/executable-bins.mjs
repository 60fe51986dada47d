// Makes the package's commands (package.json "bin") executable after a build: tsc writes them
// without the execute bit, and `npx acs-logs` in a clone runs the file itself ("Permission denied").
import { chmodSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { bin } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
for (const file of Object.values(typeof bin === 'string' ? { bin } : bin)) {
  const target = path.join(root, file);
  chmodSync(target, statSync(target).mode | 0o111);
}
