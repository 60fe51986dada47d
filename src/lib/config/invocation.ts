import { classifyError, ConfigurationError, CREDENTIAL_ERRORS } from '../storage/errors.js';

/** How long an invocation starts new reads: room is left before the host's 10-minute function timeout (host.json), which ends the worker. */
export const INVOCATION_BUDGET_MS = 8 * 60_000;

/**
 * Runs one function invocation; a failure leaves it as one readable line (what kind of failure, the
 * service's status and code, the account and table or container, what to check), its original as
 * the cause: the host's log and Application Insights show the message, where a storage SDK's own
 * is raw XML or, for a refused HEAD request, empty.
 */
export async function invocation<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw readableFailure(error);
  }
}

export function readableFailure(error: unknown): Error {
  // The app's own messages (the timer's list of problems) are already what to read, whole.
  if (error instanceof Error && !fromStorage(error)) return error;
  const classified = classifyError(error);
  const message = classified.kind === 'configuration' ? `configuration: ${classified.message}` : classified.message;
  if (error instanceof Error && error.message === message) return error;
  return new Error(message || String(error), { cause: error });
}

/** An error a storage client or the settings raised: it carries an HTTP status or a socket code, or says a setting cannot work. */
function fromStorage(error: Error): boolean {
  const fields = error as Error & { statusCode?: unknown; code?: unknown };
  return error instanceof ConfigurationError || typeof fields.statusCode === 'number' || typeof fields.code === 'string' || CREDENTIAL_ERRORS.has(error.name);
}
