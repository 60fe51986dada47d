import { describe, expect, it } from 'vitest';
import { matchesResource, resourceMatch } from '../../src/lib/querying/filters.js';

const ID = '/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/ACS-A';

describe('resourceMatch', () => {
  it('reads a name in any case, with or without a slash before or after it', () => {
    for (const given of ['ACS-A', 'acs-a', '/ACS-A', 'ACS-A/', ' /acs-a/ ', '//ACS-A'])
      expect(resourceMatch(given), given).toEqual({ kind: 'name', name: 'ACS-A' });
    expect(matchesResource(resourceMatch('/acs-a'), ID)).toBe(true);
    expect(matchesResource(resourceMatch('/acs-a'), ID.replace('ACS-A', 'XACS-A'))).toBe(false);
  });

  it('reads a full id with or without its leading slash, in any case', () => {
    for (const given of [ID, ID.slice(1), ID.toLowerCase(), `${ID}/`]) expect(resourceMatch(given), given).toEqual({ kind: 'id', id: ID });
  });
});
