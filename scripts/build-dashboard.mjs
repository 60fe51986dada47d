// Bundles the dashboard (src/dashboard, with uPlot and its CSS) into one self-contained page,
// dist/dashboard/index.html: no external URL, so it works offline and behind a function key.
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outFile = path.join(root, 'dist/dashboard/index.html');

const result = await build({
  entryPoints: [path.join(root, 'src/dashboard/main.ts')],
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2022'],
  platform: 'browser',
  write: false,
  outdir: 'out',
  legalComments: 'eof',
  logLevel: 'warning',
});
const output = (extension) => {
  const file = result.outputFiles.find((candidate) => candidate.path.endsWith(extension));
  if (!file) throw new Error(`esbuild wrote no ${extension}`);
  return file.text;
};
// Inline, a closing tag inside the code would end the element early.
const js = output('.js').replace(/<\/(script)/gi, '<\\/$1');
const css = output('.css').replace(/<\/(style)/gi, '<\\/$1');
const hash = (text) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
// Only this script and this style run; the page talks to its own origin only.
const csp = [
  "default-src 'none'",
  `script-src ${hash(js)}`,
  `style-src ${hash(css)}`,
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');
const template = await readFile(path.join(root, 'src/dashboard/index.html'), 'utf8');
const html = template
  .replace('%CSP%', () => csp)
  .replace('%CSS%', () => css)
  .replace('%JS%', () => js);
await mkdir(path.dirname(outFile), { recursive: true });
await writeFile(outFile, html);
console.log(`dashboard: ${path.relative(root, outFile)} (${Math.round(html.length / 1024)} KiB)`);
