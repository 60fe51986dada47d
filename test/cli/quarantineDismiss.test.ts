import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTestDir } from '../support/embedded.js';
import { cli } from '../support/cli.js';
import { azuriteConnectionString, uniquePrefix } from '../support/storage.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'acs-logs-dismiss-'));
});
afterAll(async () => {
  await removeTestDir(work);
});

function createRoom(n: number, withRoom = true): Record<string, unknown> {
  return {
    time: '2024-06-01T10:00:00Z',
    operationName: 'CreateRoom',
    correlationId: `c${n}`,
    resultType: 'Succeeded',
    durationMs: 10,
    ...(withRoom ? { category: 'RoomsOperational', properties: { roomId: `room-${n}` } } : {}),
  };
}

const lines = (records: readonly Record<string, unknown>[]): string => records.map((record) => JSON.stringify(record) + '\n').join('');

describe('quarantine dismiss', () => {
  it('of an entry a replay applied in part counts only its lines still bad', async () => {
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()];
    const long = { ...createRoom(2), note: 'n'.repeat(4096) };
    // One run of three bad lines: one too long for the first limit, two that are no JSON.
    const file = path.join(work, 'partly.json');
    await writeFile(file, lines([createRoom(1), long]).replace(/\n$/, '\n{"broken": \n{"broken": 2\n') + lines([createRoom(3)]));
    expect((await cli(['process', file, '--max-line-bytes', '2048', ...storage])).stdout).toMatch(/: 2 records, 3 bad lines/);
    expect((await cli(['quarantine', 'replay', '--max-line-bytes', '65536', ...storage])).stdout).toMatch(/1 still bad \(1 of them in part/);
    const dismissed = await cli(['quarantine', 'dismiss', '--code', 'invalid_json', ...storage]);
    expect(dismissed.stdout).toMatch(/^dismissed 1 entry \(2 lines\): /);
  });

  it('a UTF-16 file converted and processed by hand: its entry is dismissed, health is ok again, and --undo brings it back', async () => {
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()];
    // An empty list says why.
    expect((await cli(['quarantine', 'list', ...storage])).stderr).toMatch(/^note: no line has been quarantined in tables \S+\* of account devstoreaccount1/);
    const text = lines([createRoom(1), createRoom(2)]);
    const utf16 = path.join(work, 'notepad.json');
    await writeFile(utf16, Buffer.from('\ufeff' + text, 'utf16le'));
    expect((await cli(['process', utf16, ...storage])).code).toBe(0);
    expect((await cli(['health', '--fail-on-degraded', ...storage])).code).toBe(3);
    const converted = path.join(work, 'converted.json');
    await writeFile(converted, text);
    expect((await cli(['process', converted, ...storage])).stdout).toMatch(/: 2 records, 0 bad lines/);

    const dismissed = await cli(['quarantine', 'dismiss', '--code', 'unsupported_encoding', '--reason', 'converted with iconv', ...storage]);
    expect(dismissed).toMatchObject({ code: 0 });
    expect(dismissed.stdout).toMatch(/^dismissed 1 entry \(2 lines\): health no longer counts them/);
    expect((await cli(['health', '--fail-on-degraded', ...storage])).code).toBe(0);
    const settled = await cli(['quarantine', 'list', ...storage]);
    expect(settled.stdout).toBe('(no rows)\n');
    expect(settled.stderr).toBe('note: no entry waits; 1 replayed or dismissed (--all lists them)\n');
    expect((await cli(['quarantine', 'list', '--code', 'invalid_json', ...storage])).stderr).toMatch(
      /^note: no line that the filters match has been quarantined/,
    );
    const all = JSON.parse((await cli(['quarantine', 'list', '--all', '--format', 'json', ...storage])).stdout) as Record<string, unknown>[];
    expect(all).toEqual([expect.objectContaining({ code: 'unsupported_encoding', dismissedBecause: 'converted with iconv', replayedAt: null })]);
    expect(all[0]?.['dismissedAt']).toMatch(/^\d{4}-/);
    expect((await cli(['quarantine', 'list', '--all', ...storage])).stdout).toMatch(/dismissed at \d{4}-.*: converted with iconv/);
    expect((await cli(['quarantine', 'replay', ...storage])).stdout).toMatch(/^replayed 0 entries/);
    // Dismissing again changes nothing.
    expect((await cli(['quarantine', 'dismiss', '--path', utf16, ...storage])).stdout).toMatch(/^dismissed 0 entries/);

    const restored = await cli(['quarantine', 'dismiss', '--undo', '--path', utf16, ...storage]);
    expect(restored.stdout).toMatch(/^restored 1 entry \(2 lines\)/);
    expect((await cli(['health', '--fail-on-degraded', ...storage])).code).toBe(3);
    expect((await cli(['quarantine', 'replay', ...storage])).stdout).toMatch(/^replayed 1 entry \(2 lines\): 0 applied \(0 records\), 1 still bad/);
  });

  it('--path takes the path as the list shows it, cut in the middle ("…" and its end) when it names one file; says when none matches', async () => {
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()];
    const deep = path.join(work, 'exports-of-a-long-name-'.repeat(4));
    await mkdir(deep, { recursive: true });
    const files = ['first-bad.json', 'second-bad.json'].map((name) => path.join(deep, name));
    // Different first lines: the same bytes would be one file read under its first name.
    for (const [i, file] of files.entries()) await writeFile(file, `${JSON.stringify(createRoom(3 + i))}\nnot json\n`);
    expect((await cli(['process', ...files, ...storage])).code).toBe(0);

    const listed = (await cli(['quarantine', 'list', ...storage], undefined, { COLUMNS: '60' })).stdout.split('\n');
    const shown = listed.find((line) => line.startsWith('local  …') && line.endsWith('first-bad.json'))?.slice('local  '.length);
    expect(shown).toMatch(/^….*\/first-bad\.json$/);

    const ambiguous = await cli(['quarantine', 'dismiss', '--path', '…-bad.json', ...storage]);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toMatch(/--path "…-bad\.json" is the end of 2 files' paths: give the whole path/);

    expect((await cli(['quarantine', 'dismiss', '--path', shown as string, ...storage])).stdout).toMatch(/^dismissed 1 entry \(1 line\)/);
    const left = JSON.parse((await cli(['quarantine', 'list', '--format', 'json', ...storage])).stdout) as Array<{ path: string }>;
    expect(left.map((entry) => entry.path)).toEqual([files[1]]);
    // The file's container and path, as other commands print them, name it too.
    expect((await cli(['quarantine', 'dismiss', '--path', `local/${files[1]}`, ...storage])).stdout).toMatch(/^dismissed 1 entry/);

    const none = await cli(['quarantine', 'dismiss', '--path', 'somewhere/else.json', ...storage]);
    expect(none.code).toBe(0);
    expect(none.stdout).toMatch(
      /^dismissed 0 entries: no waiting entry is of a file "somewhere\/else\.json" \(give the path as "quarantine list --format json" shows it/,
    );
  });

  it('refuses to dismiss without saying which entries, and a reason too long to keep (exit 2)', async () => {
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()];
    const bare = await cli(['quarantine', 'dismiss', ...storage]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/say which entries: --container, --code or --path/);
    const long = await cli(['quarantine', 'dismiss', '--code', 'invalid_json', '--reason', 'x'.repeat(1001), ...storage]);
    expect(long.code).toBe(2);
    expect(long.stderr).toMatch(/--reason is at most 1000 characters, got 1001/);
    expect((await cli(['quarantine', 'dismiss', '--code', 'nope', ...storage])).code).toBe(2);
  });

  it('list --help says that --all shows dismissed entries too, as the list of them does', async () => {
    const help = await cli(['quarantine', 'list', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--all\s+include entries already replayed or dismissed/);
  });
});

describe('quarantine replay --category', () => {
  it('applies records that carry no category and whose file implied none, once', async () => {
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()];
    const file = path.join(work, 'export.json');
    await writeFile(file, lines([createRoom(1), createRoom(2, false), createRoom(3)]));
    expect((await cli(['process', file, ...storage])).stdout).toMatch(/: 2 records, 1 bad lines/);
    const wrong = await cli(['quarantine', 'replay', '--category', 'Nope', ...storage]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/--category must be one of/);
    expect((await cli(['quarantine', 'replay', ...storage])).stdout).toMatch(/0 applied \(0 records\), 1 still bad/);
    expect((await cli(['quarantine', 'replay', '--category', 'roomsoperational', ...storage])).stdout).toMatch(/1 applied \(1 records\), 0 still bad/);
    expect((await cli(['quarantine', 'replay', '--category', 'RoomsOperational', ...storage])).stdout).toMatch(/^replayed 0 entries/);
    const operations = JSON.parse((await cli(['query', 'rooms-operations', '--format', 'json', ...storage])).stdout) as Record<string, unknown>[];
    expect(operations.reduce((sum, row) => sum + Number(row['count'] ?? 0), 0)).toBe(3);
    expect((await cli(['health', '--fail-on-degraded', ...storage])).code).toBe(0);
  });
});
