import { azuriteAvailable } from '../lib/storage/azurite.js';
import { UsageError } from './errors.js';
import { connectionStringProblem, missingServiceEndpoint } from '../lib/storage/connectionString.js';
import { attachAzurite, neverStarted, type SharedAzurite } from '../lib/storage/sharedAzurite.js';

/** What decides where a command's storage is: light enough to import before the command's own modules. */
export interface StorageChoice {
  connectionString?: string;
  dataDir: string;
  /** Always use the embedded Azurite, whatever the environment says (the demo, or `--data-dir` given). */
  embedded?: boolean;
  /** Where the store's warnings and notes go (not a flag: the command's error stream, set by the program); default: stderr. */
  warnings?: NodeJS.WritableStream;
}

/** Attaches to the embedded store, telling the command's error stream when Azurite is slow to start. */
export function attachEmbedded(choice: StorageChoice): Promise<SharedAzurite> {
  const warnings = choice.warnings ?? process.stderr;
  return attachAzurite(choice.dataDir, { onSlowStart: (message) => warnings.write(`note: ${message}\n`) });
}

/** The connection string a command uses (`--connection-string`, else `AzureWebJobsStorage`); none means the embedded store. */
export function givenConnectionString(choice: StorageChoice): string | undefined {
  return choice.embedded ? undefined : (choice.connectionString ?? process.env['AzureWebJobsStorage']) || undefined;
}

/** The given connection string, refused as a usage error when it cannot be one, or cannot reach `services` (checked before a command reads anything). */
export function checkedConnectionString(choice: StorageChoice, services: readonly ('blob' | 'table')[] = ['table']): string | undefined {
  if (choice.embedded && choice.connectionString !== undefined) {
    throw new UsageError('give --connection-string or --data-dir, not both: --data-dir is where the embedded store keeps its data');
  }
  const given = givenConnectionString(choice);
  const source = choice.connectionString ? '--connection-string' : 'AzureWebJobsStorage';
  const problem = given ? connectionStringProblem(given) : undefined;
  if (problem?.code === 'none') throw new UsageError(`${source} is not a storage connection string (${problem.reason})`);
  if (problem) throw new UsageError(`${source} is not a usable storage connection string: ${problem.reason}`);
  const missing = given ? missingServiceEndpoint(given, services) : undefined;
  if (missing !== undefined) throw new UsageError(`${source} is not a usable storage connection string for this command: ${missing}`);
  return given;
}

/** The embedded store of a command, attaching since the command started. */
export interface EarlyAttach {
  /** The store had never started when the command began (a new data dir): it held nothing then. */
  readonly fresh: boolean;
  /** The attachment, for the command's storage session (once: a second session attaches on its own). */
  take(): Promise<SharedAzurite> | undefined;
  /** Ends the attachment when the command never took it (it stopped before needing storage). */
  release(): Promise<void>;
}

/**
 * Starts attaching to the embedded store of `choice.dataDir` when the command will use it, so that
 * Azurite starts while the command's modules load instead of after (about half a second of every
 * command on a fresh store).
 */
export function attachEarly(choice: StorageChoice): EarlyAttach | undefined {
  if (givenConnectionString(choice) || !azuriteAvailable()) return undefined;
  // Looked at before attaching: the attachment itself makes the folder and the lock.
  const fresh = neverStarted(choice.dataDir);
  const attaching = attachEmbedded(choice);
  // Not a lost error: take() hands this very promise, rejection included, to the session that needs it.
  attaching.catch(() => undefined);
  let taken = false;
  return {
    fresh,
    take: () => {
      if (taken) return undefined;
      taken = true;
      return attaching;
    },
    release: async () => {
      if (taken) return;
      taken = true;
      // The command ended without storage (a usage error): a failure to attach did not concern it.
      const azurite = await attaching.catch(() => undefined);
      azurite?.detach();
    },
  };
}
