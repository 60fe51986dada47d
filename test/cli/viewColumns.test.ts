import { describe, expect, it } from 'vitest';
import { sameNamedResources } from '../../src/cli/viewColumns.js';

const id = (subscription: string, name: string): string =>
  `/SUBSCRIPTIONS/${subscription}/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/${name}`;

describe('resources that tables would show alike', () => {
  it('names each name shared by resources of other subscriptions, with how many share it', () => {
    const rows = [
      { resourceId: id('1111', 'ACS-A') },
      { resourceId: id('3333', 'ACS-A') },
      { resourceId: id('1111', 'ACS-B') },
      { resourceId: id('1111', 'ACS-A') },
    ];
    expect(sameNamedResources(['bucket', 'resourceId', 'count'], rows)).toBe(
      'resources of one name in other subscriptions or resource groups: ACS-A (2); the table shows their names only: --format json or csv, or --resource with the full id, tells them apart',
    );
  });

  it('says nothing when names are distinct, or when the table does not show resources', () => {
    expect(sameNamedResources(['resourceId'], [{ resourceId: id('1111', 'ACS-A') }, { resourceId: id('1111', 'XACS-A') }])).toBeUndefined();
    expect(sameNamedResources(['bucket', 'count'], [{ resourceId: id('1111', 'ACS-A') }, { resourceId: id('2222', 'ACS-A') }])).toBeUndefined();
  });
});
