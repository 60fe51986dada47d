import { app, type InvocationContext, type Timer } from '@azure/functions';
import { readAppSettings } from '../lib/config/appSettings.js';
import { getRuntime } from '../lib/config/runtime.js';
import { loggerFor } from '../lib/config/functionsLogger.js';
import { INVOCATION_BUDGET_MS, invocation } from '../lib/config/invocation.js';
import { tailAndSweep } from '../lib/processing/tailAndSweep.js';

/** Reads what was appended to registered files, and finds files no event announced. */
export function tailAndSweepTimer(_timer: Timer, context: InvocationContext): Promise<void> {
  return invocation(() => tailAndSweepRun(context));
}

async function tailAndSweepRun(context: InvocationContext): Promise<void> {
  const runtime = getRuntime();
  const logger = loggerFor(context);
  const summary = await tailAndSweep(runtime.deps(logger), {
    // One container named by two settings is swept once.
    containers: [...new Set(Object.values(runtime.settings.containers))],
    sweepIntervalMs: runtime.settings.sweepIntervalMs,
    fileConcurrency: runtime.settings.fileConcurrency,
    deadline: Date.now() + INVOCATION_BUDGET_MS,
  });
  logger.info('tail and sweep finished', { ...summary, problems: summary.problems.length });
  // Failing files are recorded and retried with backoff; a part of the run that failed as a whole
  // (after the others ran) fails the invocation, so that monitoring sees it.
  if (summary.problems.length > 0) {
    throw new Error(
      `tail and sweep: ${summary.problems.map((problem) => `${problem.phase}${problem.container ? ` of ${problem.container}` : ''} failed: ${problem.message}`).join('; ')}`,
    );
  }
}

app.timer('tailAndSweep', {
  schedule: readAppSettings().tailSchedule,
  runOnStartup: false,
  handler: tailAndSweepTimer,
});
