import { app, type InvocationContext } from '@azure/functions';
import { CATEGORIES } from '../lib/normalizing/types.js';
import { readAppSettings } from '../lib/config/appSettings.js';
import { getRuntime } from '../lib/config/runtime.js';
import { loggerFor } from '../lib/config/functionsLogger.js';
import { INVOCATION_BUDGET_MS, invocation } from '../lib/config/invocation.js';
import { handleAnnouncedBlob } from '../lib/processing/blobAnnounced.js';
import { OverlappingRuns } from '../lib/processing/overlappingRuns.js';
import { unknownSettingWarnings } from '../lib/config/unknownSettings.js';

/** The worker's invocations that overlap write their blobs together (a backlog arrives as many at once). */
const overlapping = new OverlappingRuns();

/** Reads a newly announced (or, with the polling source, grown) diagnostic-log blob from its checkpoint. */
export async function logBlobArrived(_content: unknown, context: InvocationContext): Promise<void> {
  // A blob announced late (a backlog, the polling source) can take longer than the host's timeout, which would end the worker and every invocation in it.
  const deadline = Date.now() + INVOCATION_BUDGET_MS;
  const blobTrigger = context.triggerMetadata?.['blobTrigger'];
  if (typeof blobTrigger !== 'string') throw new Error('blob trigger metadata has no blobTrigger path');
  const logger = loggerFor(context);
  await invocation(() =>
    overlapping.run(logger, (writeGroup) => handleAnnouncedBlob(blobTrigger, { ...getRuntime().deps(logger), writeGroup }, watchedContainers, deadline)),
  );
}

// One trigger per log container; names and trigger source come from app settings at start-up.
const settings = readAppSettings();
// A misspelt setting would leave its default in force unsaid; the host logs what the worker writes as it loads.
for (const warning of unknownSettingWarnings(process.env)) console.warn(`acs-logs: warning: ${warning}`);
const watchedContainers = Object.values(settings.containers);
for (const category of CATEGORIES) {
  app.storageBlob(`logBlobArrived-${category}`, {
    path: `${settings.containers[category]}/{name}`,
    connection: settings.logsConnection,
    source: settings.triggerSource,
    handler: logBlobArrived,
  });
}
