import { describe, expect, it } from 'vitest';
import { azuriteSaveSeconds, DEFAULT_AZURITE_SAVE_SECONDS } from '../../src/lib/storage/azuriteSaveSeconds.js';

describe('ACS_LOGS_AZURITE_SAVE_SECONDS', () => {
  it('is taken as given when a timer can wait that long', () => {
    expect(azuriteSaveSeconds('0.2')).toBe(0.2);
    expect(azuriteSaveSeconds('3600')).toBe(3600);
  });

  it.each([undefined, '', '0', '-5', 'soon', 'Infinity'])('%s keeps the default', (value) => {
    expect(azuriteSaveSeconds(value)).toBe(DEFAULT_AZURITE_SAVE_SECONDS);
  });

  it('a wait longer than a timer keeps is that longest wait: a longer one fired at once and Azurite saved nonstop', () => {
    expect(azuriteSaveSeconds('3000000')).toBe(2_147_483);
    expect(azuriteSaveSeconds('3000000') * 1000).toBeLessThanOrEqual(2_147_483_647);
  });
});
