import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readAppSettings, SETTING, SettingError } from '../../src/lib/config/appSettings.js';
import { MEMORY_SETTING, mayAskLowMemory, memoryProfileFlags, nodeArguments } from '../../src/lib/config/heapGrowth.js';
import { machineMemoryBytes } from '../../src/lib/config/machineMemory.js';
import { AUTO_LOW_MEMORY_BELOW_BYTES, autoMemoryProfile, LOW_MEMORY_PROCESS_SETTINGS } from '../../src/lib/config/memoryProfile.js';
import { DEFAULT_PROCESS_SETTINGS } from '../../src/lib/processing/settings.js';

const run = promisify(execFile);
const BUILT = pathToFileURL(path.resolve(import.meta.dirname, '../../dist/src/lib/config/heapGrowth.js')).href;

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

describe('ACS_LOGS_MEMORY', () => {
  it('is auto when unset or empty: the default profile with 1.5 GiB or more for the process, its per-file loop keeping its defaults', () => {
    for (const env of [{}, { ACS_LOGS_MEMORY: '' }, { ACS_LOGS_MEMORY: 'auto' }, { ACS_LOGS_MEMORY: 'default' }]) {
      for (const machine of [1.5 * GIB, 2048 * MIB, 24 * GIB]) {
        const settings = readAppSettings(env, () => machine);
        expect(settings.memory).toBe('default');
        expect(settings.process).toEqual(DEFAULT_PROCESS_SETTINGS);
      }
    }
  });

  it('auto is low below 1.5 GiB for the process (a 512 MB or 1 GB machine or container); a profile set is kept whatever the machine', () => {
    for (const env of [{}, { ACS_LOGS_MEMORY: '' }, { ACS_LOGS_MEMORY: 'auto' }]) {
      for (const machine of [512 * MIB, GIB, 1.5 * GIB - 1]) {
        const settings = readAppSettings(env, () => machine);
        expect(settings.memory).toBe('low');
        expect(settings.process).toEqual({ ...DEFAULT_PROCESS_SETTINGS, ...LOW_MEMORY_PROCESS_SETTINGS });
      }
    }
    expect(readAppSettings({ ACS_LOGS_MEMORY: 'default' }, () => 512 * MIB).memory).toBe('default');
    expect(readAppSettings({ ACS_LOGS_MEMORY: 'low' }, () => 24 * GIB).memory).toBe('low');
    expect(autoMemoryProfile(AUTO_LOW_MEMORY_BELOW_BYTES)).toBe('default');
    expect(autoMemoryProfile(AUTO_LOW_MEMORY_BELOW_BYTES - 1)).toBe('low');
  });

  it('asks the machine only when auto is to decide', () => {
    const asked: string[] = [];
    const machine = (): number => {
      asked.push('asked');
      return GIB;
    };
    readAppSettings({ ACS_LOGS_MEMORY: 'default' }, machine);
    readAppSettings({ ACS_LOGS_MEMORY: 'low' }, machine);
    expect(asked).toEqual([]);
    readAppSettings({}, machine);
    expect(asked).toEqual(['asked']);
  });

  it('low holds fewer records, reads fewer segments at once and keeps less of what it wrote; the other settings stay as given', () => {
    const settings = readAppSettings({ ACS_LOGS_MEMORY: 'low', ACS_LOGS_MAX_LINE_BYTES: '4096', ACS_LOGS_FILE_CONCURRENCY: '8' });
    expect(settings.memory).toBe('low');
    expect(settings.process).toEqual({ ...DEFAULT_PROCESS_SETTINGS, ...LOW_MEMORY_PROCESS_SETTINGS, maxUnitBytes: 4096 });
    expect(settings.fileConcurrency).toBe(8);
    expect(LOW_MEMORY_PROCESS_SETTINGS.segmentRecords).toBeLessThan(DEFAULT_PROCESS_SETTINGS.segmentRecords);
    expect(LOW_MEMORY_PROCESS_SETTINGS.heldRecords).toBeLessThan(DEFAULT_PROCESS_SETTINGS.heldRecords);
    expect(LOW_MEMORY_PROCESS_SETTINGS.cachedBytes).toBeLessThan(DEFAULT_PROCESS_SETTINGS.cachedBytes);
    expect(LOW_MEMORY_PROCESS_SETTINGS.maxPartitionsInFlight).toBeLessThan(DEFAULT_PROCESS_SETTINGS.maxPartitionsInFlight);
  });

  it.each(['LOW', 'small', '256'])('refuses %s, naming the profiles', (value) => {
    expect(() => readAppSettings({ ACS_LOGS_MEMORY: value })).toThrow(
      new SettingError('ACS_LOGS_MEMORY', `ACS_LOGS_MEMORY must be auto, default or low, got "${value}"`),
    );
  });
});

describe('mayAskLowMemory', () => {
  it.each([
    [['process', '.', '--memory', 'low'], {}, true],
    [['process', '.', '--memory=low'], {}, true],
    [['process', '.', '--memory', 'default'], {}, true],
    [['process', '.'], { ACS_LOGS_MEMORY: 'low' }, true],
    [['process', '.'], { ACS_LOGS_MEMORY: 'default' }, false],
    [['process', '.', '--memoryless'], {}, false],
    [['query', 'rooms'], {}, false],
  ])('%j with %j: %s', (argv, env, asked) => {
    expect(mayAskLowMemory(argv, env, () => 24 * GIB)).toBe(asked);
  });

  it('holds the young generation when auto will be low: a small machine, and neither the setting nor the flag says otherwise', () => {
    const small = (): number => GIB;
    expect(mayAskLowMemory(['process', '.'], {}, small)).toBe(true);
    expect(mayAskLowMemory(['process', '.'], { ACS_LOGS_MEMORY: '' }, small)).toBe(true);
    expect(mayAskLowMemory(['process', '.'], { ACS_LOGS_MEMORY: 'auto' }, small)).toBe(true);
    expect(mayAskLowMemory(['process', '.'], { ACS_LOGS_MEMORY: 'default' }, small)).toBe(false);
    expect(mayAskLowMemory(['process', '.'], { ACS_LOGS_MEMORY: 'auto' }, () => 2 * GIB)).toBe(false);
  });

  it('reads the setting the app reads, under its documented name', () => {
    expect(SETTING.memory).toBe(MEMORY_SETTING);
    expect(MEMORY_SETTING).toBe('ACS_LOGS_MEMORY');
  });
});

describe('machineMemoryBytes', () => {
  it("is the machine's memory, or a container's limit when it is lower; no limit reads as 0 or as about 2^64", () => {
    expect(machineMemoryBytes(24 * GIB, undefined)).toBe(24 * GIB);
    expect(machineMemoryBytes(24 * GIB, 0)).toBe(24 * GIB);
    expect(machineMemoryBytes(24 * GIB, 2 ** 64)).toBe(24 * GIB);
    expect(machineMemoryBytes(24 * GIB, 512 * MIB)).toBe(512 * MIB);
    expect(machineMemoryBytes(GIB, 2 * GIB)).toBe(GIB);
  });

  it('reads this machine: a positive number of bytes, at most its memory', () => {
    const bytes = machineMemoryBytes();
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThanOrEqual(os.totalmem());
  });
});

describe('memoryProfileFlags', () => {
  it.each([
    ['default', [], ['--semi-space-growth-factor=2']],
    ['default', ['--max-semi-space-size=8'], []],
    ['low', [], ['--heap-growing-percent=50', '--semi-space-growth-factor=1']],
    ['low', ['--heap-growing-percent=80'], ['--semi-space-growth-factor=1']],
    ['low', ['--max-semi-space-size=8'], ['--heap-growing-percent=50']],
    ['low', ['--semi_space_growth_factor=2', '--heap_growing_percent=30'], []],
  ] as const)('%s with Node started with %j sets %j', (profile, execArgv, flags) => {
    expect(memoryProfileFlags(profile, execArgv)).toEqual(flags);
  });

  it("keeps what NODE_OPTIONS sets as it keeps Node's command line", () => {
    expect(nodeArguments(['--inspect'], '  --max-semi-space-size=8   --stack-size=2000 ')).toEqual([
      '--inspect',
      '--max-semi-space-size=8',
      '--stack-size=2000',
    ]);
    expect(nodeArguments([], undefined)).toEqual([]);
    expect(memoryProfileFlags('low', nodeArguments([], '--max-semi-space-size=8'))).toEqual(['--heap-growing-percent=50']);
  });

  /**
   * A process shaped like the CLI: the young generation held from the start, objects that survive while
   * its modules load, then the profile read and more of them. Prints the young generation's size, MiB.
   */
  const CHURN = `
import { getHeapSpaceStatistics } from 'node:v8';
const heap = await import(${JSON.stringify(BUILT)});
const mode = process.argv[1];
if (mode !== 'alone') heap.holdYoungGeneration([]);
const live = [];
const churn = () => { for (let i = 0; i < 200000; i++) { live.push({ i, s: 'x' + i, a: [i] }); if (live.length > 50000) live.splice(0, 25000); } };
churn();
if (mode !== 'alone') heap.applyMemoryProfile(mode, []);
churn();
const young = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
console.log(String(Math.round(young.space_size / 2 ** 20)));
`;

  async function youngGenerationMib(mode: 'alone' | 'default' | 'low'): Promise<number> {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', CHURN, mode], { timeout: 30_000 });
    return Number(stdout.trim());
  }

  it('low keeps the young generation at the few MiB it starts with; default lets it grow as V8 alone does (16 MiB and more)', async () => {
    const [alone, held, low] = await Promise.all([youngGenerationMib('alone'), youngGenerationMib('default'), youngGenerationMib('low')]);
    expect(alone).toBeGreaterThanOrEqual(16);
    expect(held).toBeGreaterThanOrEqual(16);
    expect(low).toBeLessThanOrEqual(4);
  });
});
