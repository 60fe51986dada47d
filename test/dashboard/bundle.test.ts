import path from 'node:path';
import { build } from 'esbuild';
import { expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

it('bundles uPlot and nothing else from node_modules: what the page takes from src/lib is types (erased) or dependency-free code', async () => {
  const result = await build({
    entryPoints: [path.join(ROOT, 'src/dashboard/main.ts')],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'browser',
    format: 'iife',
    outdir: 'out',
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs);
  expect(inputs.some((input) => input.endsWith('src/dashboard/sections/rooms.ts'))).toBe(true);
  expect(inputs.filter((input) => input.includes('node_modules/') && !input.includes('node_modules/uplot/'))).toEqual([]);
  // The rows' types are shared with the queries; their module has no code to bundle.
  expect(inputs.filter((input) => input.endsWith('querying/queryRows.ts'))).toEqual([]);
});
