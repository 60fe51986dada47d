import { describe, expect, it } from 'vitest';
import { SETTING } from '../../src/lib/config/appSettings.js';
import { KNOWN_SETTINGS, unknownSettingWarnings } from '../../src/lib/config/unknownSettings.js';
import { AZURITE_PARENT_VARIABLE } from '../../src/lib/storage/azuriteParent.js';
import { AZURITE_REQUEST_COSTS_SETTING, AZURITE_SAVE_SECONDS_SETTING, AZURITE_TABLE_INDEX_SETTING } from '../../src/lib/storage/azuriteSettingNames.js';

describe('settings named like ours that the product does not read', () => {
  it('are told, with the setting a typo most likely meant', () => {
    const env = { ACS_LOGS_MAX_LINE_BYTE: '4096', ACS_LOGS_CONTAINER_ROOM: 'rooms', PATH: '/usr/bin', ACS_LOGS_MEMORY: 'low' };
    expect(unknownSettingWarnings(env, false)).toEqual([
      'ACS_LOGS_CONTAINER_ROOM is not a setting acs-logs reads, so it changes nothing (did you mean ACS_LOGS_CONTAINER_ROOMS?)',
      'ACS_LOGS_MAX_LINE_BYTE is not a setting acs-logs reads, so it changes nothing (did you mean ACS_LOGS_MAX_LINE_BYTES?)',
    ]);
  });

  it('a name far from every setting is told without a guess', () => {
    expect(unknownSettingWarnings({ ACS_LOGS_RETENTION_DAYS: '30' }, false)).toEqual([
      'ACS_LOGS_RETENTION_DAYS is not a setting acs-logs reads, so it changes nothing',
    ]);
  });

  it('a setting in lower case is told where names have case (Linux), and read without a word where they do not (Windows)', () => {
    expect(unknownSettingWarnings({ acs_logs_memory: 'low' }, false)).toEqual([
      'acs_logs_memory is not a setting acs-logs reads, so it changes nothing (did you mean ACS_LOGS_MEMORY?)',
    ]);
    expect(unknownSettingWarnings({ acs_logs_memory: 'low' }, true)).toEqual([]);
  });

  it('every setting the app reads, and the embedded Azurite settings the README names, is known', () => {
    const env = Object.fromEntries(
      [...Object.values(SETTING), 'ACS_LOGS_AZURITE_SAVE_SECONDS', 'ACS_LOGS_AZURITE_TABLE_INDEX', 'ACS_LOGS_AZURITE_REQUEST_COSTS'].map((name) => [name, '1']),
    );
    expect(unknownSettingWarnings(env, false)).toEqual([]);
    expect(KNOWN_SETTINGS.size).toBe(Object.values(SETTING).length + 4);
    // The names the embedded Azurite's modules read, which the app does not load.
    for (const name of [AZURITE_SAVE_SECONDS_SETTING, AZURITE_TABLE_INDEX_SETTING, AZURITE_REQUEST_COSTS_SETTING, AZURITE_PARENT_VARIABLE]) {
      expect(KNOWN_SETTINGS.has(name)).toBe(true);
    }
  });
});
