import { SETTING } from './appSettings.js';

const PREFIX = 'ACS_LOGS_';

/**
 * Every ACS_LOGS_ setting the product reads: the app's, the embedded Azurite's (storage/azuriteSettingNames.ts) and the one
 * a command gives the Azurite it starts (storage/azuriteParent.ts), named here as text: the Functions app never loads those modules.
 */
export const KNOWN_SETTINGS: ReadonlySet<string> = new Set([
  ...Object.values(SETTING),
  'ACS_LOGS_AZURITE_SAVE_SECONDS',
  'ACS_LOGS_AZURITE_TABLE_INDEX',
  'ACS_LOGS_AZURITE_REQUEST_COSTS',
  'ACS_LOGS_AZURITE_PARENT',
]);

/**
 * One warning per variable named like a setting (ACS_LOGS_, any case) that the product does not read:
 * a misspelt setting is otherwise ignored without a word, its default in force. Windows reads names
 * without case, so there only an unknown name is told.
 */
export function unknownSettingWarnings(env: NodeJS.ProcessEnv, ignoreCase: boolean = process.platform === 'win32'): string[] {
  const known = (name: string): boolean => KNOWN_SETTINGS.has(ignoreCase ? name.toUpperCase() : name);
  return Object.keys(env)
    .filter((name) => name.toUpperCase().startsWith(PREFIX) && !known(name))
    .sort()
    .map((name) => {
      const near = nearestSetting(name);
      return `${name} is not a setting acs-logs reads, so it changes nothing${near === undefined ? '' : ` (did you mean ${near}?)`}`;
    });
}

/** The known setting a few typed characters away from `name` (case aside), if one is. */
function nearestSetting(name: string): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const setting of KNOWN_SETTINGS) {
    const distance = editDistance(name.toUpperCase(), setting);
    if (distance <= 3 && (best === undefined || distance < best.distance)) best = { name: setting, distance };
  }
  return best?.name;
}

/** Levenshtein distance: characters inserted, removed or changed. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const change = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + change));
    }
    previous = current;
  }
  return previous[b.length] as number;
}
