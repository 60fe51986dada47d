import type { Command } from 'commander';
import { readAppSettings, SETTING, SettingError, type AppSettings } from '../lib/config/appSettings.js';
import { applyMemoryProfile } from '../lib/config/heapGrowth.js';
import { AUTO_LOW_MEMORY_BELOW_BYTES, MEMORY_CHOICES } from '../lib/config/memoryProfile.js';
import { UsageError } from './errors.js';

/** Flags that stand for app settings: given, they override the environment; read and validated by readAppSettings. */
export interface SettingFlags {
  tablePrefix?: string;
  maxLineBytes?: string;
  sealAfterMinutes?: string;
  concurrency?: string;
  memory?: string;
}

const FLAGS: ReadonlyArray<{ key: keyof SettingFlags; flag: string; setting: string }> = [
  { key: 'tablePrefix', flag: '--table-prefix', setting: SETTING.tablePrefix },
  { key: 'maxLineBytes', flag: '--max-line-bytes', setting: SETTING.maxLineBytes },
  { key: 'sealAfterMinutes', flag: '--seal-after-minutes', setting: SETTING.sealAfterMinutes },
  { key: 'concurrency', flag: '--concurrency', setting: SETTING.fileConcurrency },
  { key: 'memory', flag: '--memory', setting: SETTING.memory },
];

/**
 * The Functions app's settings, from the environment and the flags; a bad value is a usage error (exit
 * code 2). The memory profile's V8 flags are applied to this process as they are read.
 */
export function cliSettings(flags: SettingFlags, env: NodeJS.ProcessEnv = process.env): AppSettings {
  const settings = flaggedSettings(flags, env);
  applyMemoryProfile(settings.memory);
  return settings;
}

/** Throws the usage error cliSettings would, and changes nothing: a command checks its settings before it starts a store. */
export function checkSettingFlags(flags: SettingFlags, env: NodeJS.ProcessEnv = process.env): void {
  flaggedSettings(flags, env);
}

function flaggedSettings(flags: SettingFlags, env: NodeJS.ProcessEnv): AppSettings {
  const merged: NodeJS.ProcessEnv = { ...env };
  for (const { key, flag, setting } of FLAGS) {
    const value = flags[key];
    if (value === undefined) continue;
    // An empty setting means its default; an empty flag is a mistake (an unset shell variable), not a choice.
    if (value.trim() === '') throw new UsageError(`${flag} needs a value, got "${value}" (leave the flag out for the default)`);
    merged[setting] = value;
  }
  try {
    return readAppSettings(merged);
  } catch (error) {
    if (!(error instanceof SettingError)) throw error;
    const fromFlag = FLAGS.find(({ key, setting }) => setting === error.setting && flags[key] !== undefined);
    // A value given as a flag is told by the flag's name, not by the setting it stands for.
    throw new UsageError(fromFlag ? error.message.split(error.setting).join(fromFlag.flag) : error.message);
  }
}

/** Adds the processing setting flags (`--max-line-bytes`, `--seal-after-minutes`, `--concurrency`, `--memory`) a command honours. */
export function processingOptions(command: Command, which: ReadonlyArray<'maxLineBytes' | 'sealAfterMinutes' | 'concurrency' | 'memory'>): Command {
  if (which.includes('maxLineBytes')) {
    command.option('--max-line-bytes <n>', `longer lines are quarantined as line_too_long (default: $${SETTING.maxLineBytes} or 1048576)`);
  }
  if (which.includes('sealAfterMinutes')) {
    command.option(
      '--seal-after-minutes <m>',
      `a file whose hour ended and that stopped changing this long ago is read to its end (default: $${SETTING.sealAfterMinutes} or 120)`,
    );
  }
  if (which.includes('concurrency')) command.option('--concurrency <n>', `files in flight, written together (default: $${SETTING.fileConcurrency} or 256)`);
  if (which.includes('memory')) {
    command.option(
      '--memory <profile>',
      `${MEMORY_CHOICES.join(', ')}: low holds less and keeps less of what it wrote, for more time and requests; auto is low when the machine or container gives less than ${AUTO_LOW_MEMORY_BELOW_BYTES / 1024 ** 3} GiB (default: $${SETTING.memory} or auto)`,
    );
  }
  return command;
}
