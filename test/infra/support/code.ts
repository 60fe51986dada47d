/** Facts about the application code the infrastructure must follow, read from the source. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, readRepoFile } from './arm.js';
import { SETTING, readAppSettings } from '../../../src/lib/config/appSettings.js';
import { CATEGORIES, type Category } from '../../../src/lib/normalizing/types.js';

/**
 * The prefix of the blob-triggered function names, from the registration
 * app.storageBlob(`<prefix>${category}`, ...) in src/functions/.
 */
export function blobTriggerFunctionPrefix(): string {
  const prefixes = new Set<string>();
  for (const name of readdirSync(join(REPO_ROOT, 'src/functions'))) {
    if (!name.endsWith('.ts')) continue;
    const source = readRepoFile(`src/functions/${name}`);
    for (const match of source.matchAll(/app\.storageBlob\(\s*`([^`$]*)\$\{category\}`/g)) prefixes.add(match[1]!);
  }
  if (prefixes.size !== 1) {
    throw new Error(`expected one app.storageBlob(\`<prefix>\${category}\`) registration in src/functions, found ${prefixes.size}`);
  }
  return [...prefixes][0]!;
}

/** Which app setting holds the container of each category, as readAppSettings() maps them. */
export function containerSettingOf(): Record<Category, string> {
  const env: Record<string, string> = {};
  const settingNames = Object.values(SETTING).filter((name) => name.startsWith('ACS_LOGS_CONTAINER_'));
  // A value per setting that is a container name itself (the settings are checked as such).
  const probe = (name: string): string => `probe-${name.toLowerCase().replace(/_/g, '-')}`;
  settingNames.forEach((name) => (env[name] = probe(name)));
  const containers = readAppSettings(env).containers;
  const result = {} as Record<Category, string>;
  for (const category of CATEGORIES) {
    const name = settingNames.find((n) => containers[category] === probe(n));
    if (!name) throw new Error(`no ACS_LOGS_CONTAINER_* setting feeds ${category}`);
    result[category] = name;
  }
  return result;
}
