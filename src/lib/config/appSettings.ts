import { ConfigurationError, TABLE_PREFIX } from '../storage/errors.js';
import { LOCAL_CONTAINER } from '../storage/fileName.js';
import { parseLogTime } from '../normalizing/time.js';
import type { Category } from '../normalizing/types.js';
import { DEFAULT_PROCESS_SETTINGS, type ProcessSettings } from '../processing/settings.js';
import { MEMORY_SETTING } from './heapGrowth.js';
import { machineMemoryBytes } from './machineMemory.js';
import { autoMemoryProfile, isMemoryChoice, MEMORY_CHOICES, memoryChoiceOf, processSettingsFor, type MemoryProfile } from './memoryProfile.js';
import { scheduleProblem } from './timerSchedule.js';

export type TriggerSource = 'EventGrid' | 'LogsAndContainerScan';

/** Every app setting the product reads, with its default. README.md (Configuration) lists them. */
export interface AppSettings {
  /** Connection name (app-setting prefix) of the account the diagnostic logs are archived to. */
  logsConnection: string;
  /** Connection name (app-setting prefix) of the account whose Table Storage holds the aggregates. */
  aggregatesConnection: string;
  triggerSource: TriggerSource;
  containers: Record<Category, string>;
  tablePrefix: string;
  tailSchedule: string;
  sweepIntervalMs: number;
  fileConcurrency: number;
  /** How much memory the process may take; `process` is tuned to it (memoryProfile.ts). `auto` is resolved here. */
  memory: MemoryProfile;
  process: ProcessSettings;
}

export const SETTING = {
  triggerSource: 'ACS_LOGS_TRIGGER_SOURCE',
  containerRooms: 'ACS_LOGS_CONTAINER_ROOMS',
  containerRecordingSummary: 'ACS_LOGS_CONTAINER_RECORDING_SUMMARY',
  containerRecordingOperations: 'ACS_LOGS_CONTAINER_RECORDING_OPERATIONS',
  containerUsage: 'ACS_LOGS_CONTAINER_USAGE',
  containerCallSummary: 'ACS_LOGS_CONTAINER_CALL_SUMMARY',
  containerCallSummaryUpdates: 'ACS_LOGS_CONTAINER_CALL_SUMMARY_UPDATES',
  containerCallDiagnostics: 'ACS_LOGS_CONTAINER_CALL_DIAGNOSTICS',
  containerCallDiagnosticsUpdates: 'ACS_LOGS_CONTAINER_CALL_DIAGNOSTICS_UPDATES',
  tablePrefix: 'ACS_LOGS_TABLE_PREFIX',
  tailSchedule: 'ACS_LOGS_TAIL_SCHEDULE',
  sweepIntervalMinutes: 'ACS_LOGS_SWEEP_INTERVAL_MINUTES',
  sealAfterMinutes: 'ACS_LOGS_SEAL_AFTER_MINUTES',
  maxLineBytes: 'ACS_LOGS_MAX_LINE_BYTES',
  fileConcurrency: 'ACS_LOGS_FILE_CONCURRENCY',
  earliestRecordTime: 'ACS_LOGS_EARLIEST_RECORD_TIME',
  maxFutureHours: 'ACS_LOGS_MAX_FUTURE_HOURS',
  memory: MEMORY_SETTING,
} as const;

/** Container names Azure Monitor uses: `insights-logs-` + the category in lower case. */
export const DEFAULT_CONTAINERS: Readonly<Record<Category, string>> = Object.freeze({
  RoomsOperational: 'insights-logs-roomsoperational',
  CallRecordingSummary: 'insights-logs-callrecordingsummary',
  CallRecordingOperational: 'insights-logs-callrecordingoperational',
  Usage: 'insights-logs-usage',
  CallSummary: 'insights-logs-callsummary',
  CallSummaryUpdates: 'insights-logs-callsummaryupdates',
  CallDiagnostics: 'insights-logs-calldiagnostics',
  CallDiagnosticsUpdates: 'insights-logs-calldiagnosticsupdates',
});

export const DEFAULT_TABLE_PREFIX = 'Acs';

/** Connection names, as the Functions host understands them: a connection string in `<Name>`, or
 * identity-based settings `<Name>__serviceUri` / `__blobServiceUri` / `__tableServiceUri`, `__credential`, `__clientId`. */
export const LOGS_CONNECTION = 'LogsStorage';
export const AGGREGATES_CONNECTION = 'AggregatesStorage';
export const HOST_CONNECTION = 'AzureWebJobsStorage';

/**
 * The setting the host reads for connection `name`: `AzureWebJobs<name>` when any setting for it exists
 * (the host looks there first), else `name` when one does, else the host's own storage connection.
 * Reading `name` alone, the app read another account than the trigger did when only the prefixed one was set.
 */
export function connectionName(env: NodeJS.ProcessEnv, name: string): string {
  const configured = (setting: string): boolean => env[setting] !== undefined || Object.keys(env).some((key) => key.startsWith(`${setting}__`));
  return [`AzureWebJobs${name}`, name].find(configured) ?? HOST_CONNECTION;
}

/**
 * Reads the settings from the environment (Functions app settings are environment variables).
 * `machineMemory`, the bytes the process may use, is asked only when ACS_LOGS_MEMORY is `auto` or unset.
 */
export function readAppSettings(env: NodeJS.ProcessEnv = process.env, machineMemory: () => number = machineMemoryBytes): AppSettings {
  // An empty setting means its default, as for every other setting.
  const source = env[SETTING.triggerSource] || 'EventGrid';
  if (source !== 'EventGrid' && source !== 'LogsAndContainerScan') {
    throw new SettingError(SETTING.triggerSource, `${SETTING.triggerSource} must be EventGrid or LogsAndContainerScan, got "${source}"`);
  }
  const tablePrefix = env[SETTING.tablePrefix] || DEFAULT_TABLE_PREFIX;
  if (!TABLE_PREFIX.test(tablePrefix)) {
    throw new SettingError(
      SETTING.tablePrefix,
      `${SETTING.tablePrefix} must be letters and digits, starting with a letter, at most 30 characters, got "${tablePrefix}"`,
    );
  }
  const memoryChoice = memoryChoiceOf(env[SETTING.memory]);
  if (!isMemoryChoice(memoryChoice)) {
    throw new SettingError(
      SETTING.memory,
      `${SETTING.memory} must be ${MEMORY_CHOICES.slice(0, -1).join(', ')} or ${MEMORY_CHOICES.at(-1)}, got "${memoryChoice}"`,
    );
  }
  const memory: MemoryProfile = memoryChoice === 'auto' ? autoMemoryProfile(machineMemory()) : memoryChoice;
  return {
    logsConnection: connectionName(env, LOGS_CONNECTION),
    aggregatesConnection: connectionName(env, AGGREGATES_CONNECTION),
    triggerSource: source,
    containers: {
      RoomsOperational: containerName(env, SETTING.containerRooms, DEFAULT_CONTAINERS.RoomsOperational),
      CallRecordingSummary: containerName(env, SETTING.containerRecordingSummary, DEFAULT_CONTAINERS.CallRecordingSummary),
      CallRecordingOperational: containerName(env, SETTING.containerRecordingOperations, DEFAULT_CONTAINERS.CallRecordingOperational),
      Usage: containerName(env, SETTING.containerUsage, DEFAULT_CONTAINERS.Usage),
      CallSummary: containerName(env, SETTING.containerCallSummary, DEFAULT_CONTAINERS.CallSummary),
      CallSummaryUpdates: containerName(env, SETTING.containerCallSummaryUpdates, DEFAULT_CONTAINERS.CallSummaryUpdates),
      CallDiagnostics: containerName(env, SETTING.containerCallDiagnostics, DEFAULT_CONTAINERS.CallDiagnostics),
      CallDiagnosticsUpdates: containerName(env, SETTING.containerCallDiagnosticsUpdates, DEFAULT_CONTAINERS.CallDiagnosticsUpdates),
    },
    tablePrefix,
    tailSchedule: timerSchedule(env, SETTING.tailSchedule, '0 */1 * * * *'),
    sweepIntervalMs: minutes(env, SETTING.sweepIntervalMinutes, 15) * 60_000,
    fileConcurrency: wholeNumber(env, SETTING.fileConcurrency, 256, MAX_FILE_CONCURRENCY),
    memory,
    process: processSettingsFor(memory, {
      ...DEFAULT_PROCESS_SETTINGS,
      sealAfterMs: minutes(env, SETTING.sealAfterMinutes, DEFAULT_PROCESS_SETTINGS.sealAfterMs / 60_000) * 60_000,
      maxUnitBytes: wholeNumber(env, SETTING.maxLineBytes, DEFAULT_PROCESS_SETTINGS.maxUnitBytes, MAX_LINE_BYTES, MIN_LINE_BYTES),
      earliestRecordTime: pastTime(env, SETTING.earliestRecordTime, DEFAULT_PROCESS_SETTINGS.earliestRecordTime),
      maxFutureMs: positiveNumber(env, SETTING.maxFutureHours, DEFAULT_PROCESS_SETTINGS.maxFutureMs / 3_600_000) * 3_600_000,
    }),
  };
}

/**
 * A timer schedule as the Functions host reads it: NCRONTAB of six fields (with seconds) or five, or
 * a time span (`hh:mm:ss`, `d.hh:mm:ss`). Checked field by field (timerSchedule.ts), so that a typo
 * is named here rather than by a host that cannot load the timer.
 */
function timerSchedule(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const value = (env[name] ?? '').trim();
  if (value === '') return fallback;
  const problem = scheduleProblem(value);
  if (problem === null) return value;
  throw new SettingError(
    name,
    `${name} must be an NCRONTAB schedule ({second} {minute} {hour} {day} {month} {day-of-week}, such as "0 */5 * * * *") or a time span such as "00:05:00", got "${env[name]}": ${problem}`,
  );
}

/** Azure's rule for blob container names. */
const CONTAINER_NAME = /^(?=.{3,63}$)[a-z0-9]+(?:-[a-z0-9]+)*$/;

export const CONTAINER_NAME_RULE = '3 to 63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit';

/** Why a storage container named `local` cannot be read: its files would be taken for local files in quarantine, replay and names. */
export const LOCAL_CONTAINER_RESERVED = `the name is reserved for the local files \`process\` reads; copy the logs to a container of another name`;

/** Whether storage would take `name` as a container's name. */
export function isContainerName(name: string): boolean {
  return CONTAINER_NAME.test(name);
}

/** A log container's setting: refused here, naming the setting, rather than by storage on every run (which stops every container). */
function containerName(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  if (!isContainerName(value)) throw new SettingError(name, `${name} must be a container name (${CONTAINER_NAME_RULE}), got "${value}"`);
  if (value === LOCAL_CONTAINER) throw new SettingError(name, `${name} cannot be "${LOCAL_CONTAINER}": ${LOCAL_CONTAINER_RESERVED}`);
  return value;
}

/** A time in the past: a bound later than now would leave no record time to accept. */
function pastTime(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = isoTime(env, name, fallback);
  if (value > Date.now()) throw new SettingError(name, `${name} must not be in the future (every record would be quarantined), got "${env[name] ?? ''}"`);
  return value;
}

/** An ISO-8601 date or date-time (UTC when it has no zone), as epoch milliseconds. */
function isoTime(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = /^\d{4}-/.test(text.trim()) ? parseLogTime(text) : null;
  if (value === null) throw new SettingError(name, `${name} must be an ISO-8601 date or date-time such as 2015-01-01T00:00:00Z, got "${text}"`);
  return value;
}

function positiveNumber(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  spellings = 'plain digits such as 4096 or 0.5: no exponent, hex or sign',
): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  // Plain decimals only: Number() would also take "1e3", "0x10" and "Infinity".
  const value = /^\s*[0-9]+(\.[0-9]+)?\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(value) || value <= 0) throw new SettingError(name, `${name} must be a positive number, got "${text}" (${spellings})`);
  return value;
}

/** The longest sweep interval or sealing delay taken: a week. Longer is a typo, and would mean never (no safety-net sweep, no file ever read to its end). */
export const MAX_SETTING_MINUTES = 7 * 24 * 60;

/** A delay in minutes, at most MAX_SETTING_MINUTES. */
function minutes(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = positiveNumber(env, name, fallback);
  if (value > MAX_SETTING_MINUTES) {
    throw new SettingError(name, `${name} must be at most ${MAX_SETTING_MINUTES.toLocaleString('en-US')} minutes (a week), got "${env[name]}"`);
  }
  return value;
}

/** Counts (files in parallel, bytes): `0.5` would mean no file at all, or a RangeError per file. */
function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, max = Number.MAX_SAFE_INTEGER, min = 1): number {
  const value = positiveNumber(env, name, fallback, 'plain digits such as 4096: no fraction, exponent, hex or sign');
  if ((env[name] ?? '').includes('.')) throw new SettingError(name, `${name} must be a whole number > 0, got "${env[name]}"`);
  // Too large to be exact is too large, not "not whole".
  if (value > max || !Number.isSafeInteger(value)) throw new SettingError(name, `${name} must be at most ${max.toLocaleString('en-US')}, got "${env[name]}"`);
  if (value < min) throw new SettingError(name, `${name} must be at least ${min.toLocaleString('en-US')}, got "${env[name]}"`);
  return value;
}

/** The shortest line limit a setting may set: no record is shorter, and at a byte or so a file's first line cannot even be told a line. */
export const MIN_LINE_BYTES = 256;

/**
 * The longest line a setting may let through, 256 MiB. A line is held as one string, and V8's strings end
 * at 2^29 - 24 characters: a limit above that failed every file holding a longer line for ever (a stuck
 * file whose error was "Cannot create a string longer than 0x1fffffe8 characters") instead of
 * quarantining the line; half of it leaves room for the text's copies while it is decoded and parsed.
 */
export const MAX_LINE_BYTES = 256 * 1024 * 1024;

/** Files processed at once, at most: each holds an open file or a blob's reads, and its records. */
export const MAX_FILE_CONCURRENCY = 4096;

/**
 * A setting with a bad value: the app cannot start with it (its invocations and health name it as a
 * setting to change, not as storage out of reach), the CLI reports it as bad usage.
 */
export class SettingError extends ConfigurationError {
  override readonly name: string = 'SettingError';
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(message);
  }
}
