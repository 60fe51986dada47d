import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorResult, type HttpResult } from './responses.js';

/** The page the package's build writes (scripts/build-dashboard.mjs): one file, its script and styles inline. */
export const DASHBOARD_FILE = 'dist/dashboard/index.html';

/** The package root: the nearest folder up from this module whose package.json is acs-logs (from src/ and dist/ alike). */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'acs-logs') return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the acs-logs package root');
    dir = parent;
  }
}

export function dashboardPath(): string {
  return path.join(packageRoot(), DASHBOARD_FILE);
}

/**
 * The dashboard, read from disk on each request (so a rebuild shows at once). The page carries its
 * own Content-Security-Policy; these headers add what a meta tag cannot (framing) and keep the
 * browser from guessing types. Its ETag is a digest of the page: the browser asks again each time
 * (`no-cache`) and, while the build is the same, gets a 304 without the page (toWire). Weak, so that
 * the gzip and identity copies share it. A missing build is a 503 that says how to make it.
 */
export async function dashboardPage(file = dashboardPath()): Promise<HttpResult> {
  let html: string;
  try {
    html = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return errorResult(503, 'dashboard_not_built', `the dashboard has not been built (${DASHBOARD_FILE} is missing): run "npm run build"`);
  }
  return {
    status: 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      etag: `W/"${createHash('sha256').update(html).digest('base64url').slice(0, 27)}"`,
    },
    body: html,
  };
}
