import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTestDir } from '../support/embedded.js';
import { VIEWS } from '../../src/lib/querying/views.js';
import { runInProcess } from '../support/inProcessCli.js';
import { azuriteConnectionString, uniquePrefix } from '../support/storage.js';

/** Names every JavaScript object inherits: a log value equal to one must count like any other word. */
const WORDS = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', '__defineGetter__', 'isPrototypeOf'];
/** Fields that say which record this is (and what it is about): left alone, so both trees hold the same calls, rooms and recordings. */
const KEPT = /^(category|time|resourceId|correlationId|resultSignature)$|id$|time$|uri$/i;
const WORD_VALUE = /^[A-Za-z][A-Za-z ]*$/;

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'acs-hostile-'));
});
afterAll(async () => {
  await removeTestDir(work);
});

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

/**
 * Every third distinct word-like value (an operation, endpoint or media type, a reason, an SDK, a
 * usage type), everywhere it occurs, becomes one of WORDS in `hostile` and the same word behind `x`
 * in `twin`: the two trees differ in those words only, so every answer of one is the other's with the
 * words renamed. (Whole values, not occurrences: a call's legs keep one call type between them, so
 * no choice among them turns on the words.)
 */
function rewrite(value: unknown, words: Map<string, string>, prefix: string): unknown {
  if (Array.isArray(value)) return value.map((item) => rewrite(item, words, prefix));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) out[key] = KEPT.test(key) ? inner : rewrite(inner, words, prefix);
    return out;
  }
  if (typeof value !== 'string' || !WORD_VALUE.test(value)) return value;
  if (!words.has(value)) words.set(value, words.size % 3 === 0 ? (WORDS[(words.size / 3) % WORDS.length] ?? '') : '');
  const word = words.get(value) ?? '';
  return word === '' ? value : prefix + word;
}

async function rewriteTree(from: string, to: string, prefix: string): Promise<void> {
  const words = new Map<string, string>();
  for (const file of (await filesUnder(from)).sort()) {
    const lines = (await readFile(file, 'utf8'))
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.stringify(rewrite(JSON.parse(line), words, prefix)));
    const target = path.join(to, path.relative(from, file));
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, lines.join('\n') + '\n');
  }
}

/** JSON text with object keys and arrays sorted at every depth: answers compared as sets (renamed words sort elsewhere). */
function canonical(value: unknown): string {
  if (Array.isArray(value)) {
    return '[' + value.map(canonical).sort().join(',') + ']';
  }
  if (value !== null && typeof value === 'object') {
    return (
      '{' +
      Object.keys(value)
        .sort()
        .map((key) => JSON.stringify(key) + ':' + canonical((value as Record<string, unknown>)[key]))
        .join(',') +
      '}'
    );
  }
  return JSON.stringify(value);
}

describe('log values named like the properties every JavaScript object has', () => {
  it('count like any other value in every view, fail no file and leave Object.prototype alone', async () => {
    const generated = path.join(work, 'generated');
    expect((await runInProcess(['generate', '--out', generated, '--hours', '3', '--rooms-per-hour', '6', '--calls-per-hour', '5'])).code).toBe(0);
    const hostile = path.join(work, 'hostile');
    const twin = path.join(work, 'twin');
    await rewriteTree(generated, hostile, '');
    await rewriteTree(generated, twin, 'x');
    const inherited = Object.getOwnPropertyNames(Object.prototype).sort();

    const storage = {
      hostile: ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()],
      twin: ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()],
    };
    const processed = {
      hostile: await runInProcess(['process', hostile, '--quiet', ...storage.hostile]),
      twin: await runInProcess(['process', twin, '--quiet', ...storage.twin]),
    };
    expect(processed.hostile.stderr).toBe('');
    expect(processed.hostile.code).toBe(0);
    const totals = (stdout: string): string => stdout.replace(/\d+ bytes read, \d+ table requests, \d+ entities written/, '');
    expect(totals(processed.hostile.stdout)).toBe(totals(processed.twin.stdout));

    for (const granularity of ['hour', 'day']) {
      const withWords: string[] = [];
      for (const view of Object.keys(VIEWS)) {
        const answers = [];
        for (const tree of ['hostile', 'twin'] as const) {
          const run = await runInProcess(['query', view, '--format', 'json', '--granularity', granularity, ...storage[tree]]);
          // Views without buckets only note that --granularity changes nothing for them.
          const stderr = run.stderr.replace(/^note: --granularity does not apply to .*\n/m, '');
          expect({ view, tree, code: run.code, stderr }).toEqual({ view, tree, code: 0, stderr: '' });
          answers.push(run.stdout);
        }
        const [fromHostile, fromTwin] = answers as [string, string];
        let renamed = fromTwin;
        for (const word of WORDS) renamed = renamed.replaceAll(`"x${word}"`, `"${word}"`).replaceAll(`\\"x${word}\\"`, `\\"${word}\\"`);
        if (fromTwin !== renamed) withWords.push(view);
        expect({ view, granularity, answer: canonical(JSON.parse(fromHostile)) }).toEqual({ view, granularity, answer: canonical(JSON.parse(renamed)) });
      }
      // Every view that shows a logged word showed one of them (rooms and recordings-per-call show ids and numbers only).
      expect(withWords).toEqual(['rooms-operations', 'calls', 'recordings', 'recording-operations', 'usage', 'call-volume', 'call-quality', 'retirement']);
    }
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(inherited);
  }, 120_000);
});
