import { app, type InvocationContext, type Timer } from '@azure/functions';
import { readAppSettings } from '../lib/config/appSettings.js';
import { getRuntime } from '../lib/config/runtime.js';
import { loggerFor } from '../lib/config/functionsLogger.js';
import { tailAndSweep } from '../lib/processing/tailAndSweep.js';

/** Leaves room before the host's 10-minute function timeout. */
const RUN_BUDGET_MS = 8 * 60_000;

/** Reads what was appended to registered files, and finds files no event announced. */
export async function tailAndSweepTimer(_timer: Timer, context: InvocationContext): Promise<void> {
  const runtime = getRuntime();
  const logger = loggerFor(context);
  const summary = await tailAndSweep(runtime.deps(logger), {
    containers: Object.values(runtime.settings.containers),
    sweepIntervalMs: runtime.settings.sweepIntervalMs,
    fileConcurrency: runtime.settings.fileConcurrency,
    deadline: Date.now() + RUN_BUDGET_MS,
  });
  logger.info('tail and sweep finished', { ...summary });
}

app.timer('tailAndSweep', {
  schedule: readAppSettings().tailSchedule,
  runOnStartup: false,
  handler: tailAndSweepTimer,
});
