import { DEFAULT_CONTAINERS, type AppSettings } from '../lib/config/appSettings.js';

/** `--container` values, or every log container (as the settings name them). */
export function containersFrom(values: readonly string[] | undefined, settings?: AppSettings): string[] {
  // One container named by two settings is listed once.
  return [...new Set(values && values.length > 0 ? values : Object.values(settings?.containers ?? DEFAULT_CONTAINERS))];
}
