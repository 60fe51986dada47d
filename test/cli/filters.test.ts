import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTestDir } from '../support/embedded.js';
import { VIEW_NAMES } from '../../src/lib/querying/views.js';
import { runInProcess } from '../support/inProcessCli.js';
import { azuriteConnectionString, uniquePrefix } from '../support/storage.js';

/** Filters as a new user types them, over generated logs of two resources processed into Azurite. */
let work: string;
let storage: string[];
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'acs-logs-filters-'));
  const tree = path.join(work, 'logs');
  expect((await runInProcess(['generate', '--out', tree, '--hours', '3', '--resources', '2', '--rooms-per-hour', '6', '--calls-per-hour', '4'])).code).toBe(0);
  storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()];
  expect((await runInProcess(['process', tree, '--quiet', ...storage])).code).toBe(0);
});
afterAll(async () => {
  await removeTestDir(work);
});

async function json(view: string, ...args: string[]): Promise<Record<string, unknown>[]> {
  const run = await runInProcess(['query', view, '--format', 'json', ...args, ...storage]);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as Record<string, unknown>[];
}

describe('filters forgive', () => {
  it('--resource takes the name tables show or the full id, in any case, with or without a trailing slash', async () => {
    const ids = [...new Set((await json('usage')).map((row) => row['resourceId'] as string))];
    expect(ids.length).toBe(2);
    const id = ids[0] as string;
    const name = id.split('/').at(-1) as string;
    for (const view of VIEW_NAMES.filter((v) => v !== 'recordings-per-call')) {
      const everything = await json(view);
      const expected = everything.filter((row) => row['resourceId'] === id);
      expect(expected.length, view).toBeGreaterThan(0);
      expect(expected.length, view).toBeLessThan(everything.length);
      for (const given of [id, id.toLowerCase(), `${id}/`, name, name.toLowerCase(), `${name.toLowerCase()}/`, ` ${name} `]) {
        expect(await json(view, '--resource', given), `${view} --resource "${given}"`).toEqual(expected);
      }
    }
    const perCall = await json('recordings-per-call', '--resource', name.toLowerCase());
    const calls = await json('calls', '--resource', id);
    expect(perCall.reduce((sum, row) => sum + (row['calls'] as number), 0)).toBe(calls.length);
  });

  it('a name is the last segment: part of a name or of an id matches nothing', async () => {
    const id = (await json('usage'))[0]?.['resourceId'] as string;
    const name = id.split('/').at(-1) as string;
    for (const partial of [name.slice(0, -1), id.slice(0, id.lastIndexOf('/'))]) {
      const run = await runInProcess(['query', 'usage', '--resource', partial, ...storage]);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe('(no rows)\n');
    }
  });

  it('--correlation-id ignores case', async () => {
    const calls = await json('calls');
    const call = calls.find((row) => /[a-f]/.test(row['correlationId'] as string)) as Record<string, unknown>;
    const id = call['correlationId'] as string;
    for (const given of [id, id.toUpperCase(), id.slice(0, 8).toUpperCase() + id.slice(8)]) {
      const found = await json('calls', '--correlation-id', given);
      expect(
        found.map((row) => row['correlationId']),
        given,
      ).toEqual([id]);
    }
  });

  it('--granularity, --format and --code take their choices in any case, as the HTTP API does', async () => {
    const hourly = await json('rooms-operations', '--granularity', 'hour');
    expect(await json('rooms-operations', '--granularity', 'HOUR')).toEqual(hourly);
    const csv = await runInProcess(['query', 'usage', '--format', 'CSV', ...storage]);
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stdout).toMatch(/^bucket,resourceId,/);
    const listed = await runInProcess(['quarantine', 'list', '--code', 'Line_Too_Long', '--format', 'Json', ...storage]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([]);
    const wrong = await runInProcess(['query', 'usage', '--format', 'xml', ...storage]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/--format <f>' argument 'xml' is invalid\. Allowed choices are table, json, csv\./);
    // A view in any case too; a mistyped one is told the views it is near.
    expect(await json('Rooms-Operations', '--granularity', 'hour')).toEqual(hourly);
    for (const [typo, near] of [
      ['room', 'rooms-operations or rooms'],
      ['calll', 'calls'],
      ['recordings-per-cal', 'recordings-per-call'],
      ['usgae', 'usage'],
    ]) {
      const run = await runInProcess(['query', typo!, ...storage]);
      expect(run.code, typo).toBe(2);
      expect(run.stderr, typo).toContain(`(Did you mean ${near}?)`);
    }
    const far = await runInProcess(['query', 'xyz', ...storage]);
    expect([far.code, far.stderr.includes('Did you mean')]).toEqual([2, false]);
  });

  it('--from/--to in ISO 8601 basic form or of the hour alone select what the extended form selects, offsets included', async () => {
    const extended = await json('rooms-operations', '--granularity', 'hour', '--from', '2024-05-25T01:00Z', '--to', '2024-05-25T02:00Z');
    expect(extended.length).toBeGreaterThan(0);
    expect(extended.length).toBeLessThan((await json('rooms-operations', '--granularity', 'hour')).length);
    const ranges: [string, string][] = [
      ['20240525T0100Z', '20240525T020000Z'],
      ['2024-05-25T01Z', '2024-05-25T02'],
      ['20240525T03+02', '20240525T0400+0200'],
      ['20240524T2100-0400', '2024-05-25T04+02:00'],
    ];
    for (const [from, to] of ranges) {
      expect(await json('rooms-operations', '--granularity', 'hour', '--from', from, '--to', to), `${from} ${to}`).toEqual(extended);
    }
    expect(await json('rooms', '--from', '20240525')).toEqual(await json('rooms', '--from', '2024-05-25'));
  });

  it('a filter given twice is a usage error naming it (only the last would count); other options keep the last value', async () => {
    for (const args of [
      ['query', 'usage', '--resource', 'a', '--resource', 'b'],
      ['query', 'usage', '--from', '2024-05-25', '--from=2024-05-26'],
      ['query', 'calls', '--correlation-id', 'x', '--correlation-id', 'y'],
      ['quarantine', 'list', '--code', 'invalid_json', '--code', 'truncated'],
      ['query', 'rooms', '--columns', 'roomId', '--columns', 'createdAt'],
    ]) {
      const run = await runInProcess([...args, ...storage]);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(/--[a-z-]+ given more than once: each takes one value/);
    }
    const formats = await runInProcess(['query', 'usage', '--format', 'json', '--format', 'csv', ...storage]);
    expect(formats.code).toBe(0);
    expect(formats.stdout).toMatch(/^bucket,resourceId,/);
  });

  it('a filter that matches nothing says what it searched for, on stderr, and exits 0', async () => {
    const run = await runInProcess(['query', 'calls', '--resource', 'no-such-acs', '--from', '2024-05-25', ...storage]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('(no rows)\n');
    expect(run.stderr).toMatch(/no calls rows for resource named no-such-acs .* from 2024-05-25T00:00:00.000Z on in tables T\w+\* of account devstoreaccount1/);
    const json = await runInProcess(['query', 'calls', '--format', 'json', '--correlation-id', 'not-a-call', ...storage]);
    expect(json.stdout).toBe('[]\n');
    expect(json.stderr).toMatch(/correlation id not-a-call/);
    // What was typed is shown escaped, on one line.
    const typed = await runInProcess(['query', 'calls', '--correlation-id', 'x\u001b]0;owned\u0007\ny\u202e', ...storage]);
    expect(typed.stderr).toContain('correlation id x\\u001b]0;owned\\u0007 y\\u202e (any case)');
    for (const raw of ['\u0007', '\u001b', '\u202e']) expect(typed.stderr).not.toContain(raw);
    expect(typed.stderr.trimEnd().split('\n')).toHaveLength(1);
    const empty = await runInProcess(['query', 'rooms', '--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()]);
    expect(empty.stderr).toMatch(
      /no rooms rows at all .*: nothing processed into them makes a row of this view yet, as when its logs were not read \("acs-logs health" shows what was read\)/,
    );
  });

  it('an hour range with day buckets explains that rows are whole days; whole days and hour buckets do not', async () => {
    const partial = await runInProcess(['query', 'rooms-operations', '--from', '2024-05-25T01:00Z', '--to', '2024-05-25T02:00Z', ...storage]);
    expect(partial.code).toBe(0);
    expect(partial.stderr).toMatch(/^note: rows are whole days .*2024-05-25T01:00:00.000Z and 2024-05-25T02:00:00.000Z .*--granularity hour/m);
    // So do hour buckets for a range inside an hour.
    const quarter = await runInProcess([
      'query',
      'rooms-operations',
      '--granularity',
      'hour',
      '--from',
      '2024-05-25T00:30Z',
      '--to',
      '2024-05-25T00:45Z',
      ...storage,
    ]);
    expect(quarter.stderr).toMatch(
      /^note: rows are whole hours \(--granularity hour\): 2024-05-25T00:30:00.000Z and 2024-05-25T00:45:00.000Z fall inside an hour, and each row counts its whole hour$/m,
    );
    for (const args of [
      ['rooms-operations', '--from', '2024-05-25', '--to', '2024-05-26'],
      ['rooms-operations', '--granularity', 'hour', '--from', '2024-05-25T01:00Z', '--to', '2024-05-25T02:00Z'],
      ['rooms', '--from', '2024-05-25T01:00Z'],
      ['calls', '--from', '2024-05-25T01:30Z'],
    ]) {
      const run = await runInProcess(['query', ...args, ...storage]);
      expect(run.stderr, args.join(' ')).not.toMatch(/note:/);
    }
    // --granularity given to a view without buckets changes nothing, and says so.
    const calls = await runInProcess(['query', 'calls', '--granularity', 'hour', ...storage]);
    expect(calls.code).toBe(0);
    expect(calls.stderr).toMatch(/^note: --granularity does not apply to calls, whose rows are one per call$/m);
    // Retirement sums whole days at any granularity: an hour inside a day is told so.
    for (const granularity of ['hour', 'day']) {
      const retirement = await runInProcess([
        'query',
        'retirement',
        '--granularity',
        granularity,
        '--from',
        '2024-05-25T01:00Z',
        '--to',
        '2024-05-25T02:00Z',
        ...storage,
      ]);
      expect(retirement.code).toBe(0);
      expect(retirement.stderr).toMatch(/^note: this view sums whole days: 2024-05-25T01:00:00.000Z and 2024-05-25T02:00:00.000Z fall inside a day/m);
    }
    // Whole days: no note about days (this store's two resources have one of their own: cli/tables.test.ts).
    expect((await runInProcess(['query', 'retirement', '--from', '2024-05-25', ...storage])).stderr).not.toMatch(/whole days/);
  });
});
