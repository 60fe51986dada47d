import { describe, expect, it } from 'vitest';
import { resourceLabels } from '../../src/dashboard/resourceLabels.js';

const id = (subscription: string, group: string, name: string): string =>
  `/SUBSCRIPTIONS/${subscription}/RESOURCEGROUPS/${group}/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/${name}`;
const SUB_A = '11111111-aaaa-0000-0000-000000000000';
const SUB_B = '22222222-bbbb-0000-0000-000000000000';

describe('resourceLabels', () => {
  it("is a resource's own name while no other listed resource has it", () => {
    const ids = [id(SUB_A, 'RG-1', 'CONTOSO-ACS'), id(SUB_A, 'RG-1', 'FABRIKAM-ACS')];
    expect([...resourceLabels(ids).values()]).toEqual(['CONTOSO-ACS', 'FABRIKAM-ACS']);
  });

  it('adds the resource group to names listed twice, and the start of the subscription where groups are alike too', () => {
    const inGroup1 = id(SUB_A, 'RG-1', 'CONTOSO-ACS');
    const inGroup2 = id(SUB_A, 'RG-2', 'CONTOSO-ACS');
    const otherSubscription = id(SUB_B, 'RG-2', 'CONTOSO-ACS');
    const alone = id(SUB_B, 'RG-9', 'FABRIKAM-ACS');
    const labels = resourceLabels([inGroup1, inGroup2, otherSubscription, alone]);
    expect(labels.get(inGroup1)).toBe('CONTOSO-ACS (RG-1)');
    expect(labels.get(inGroup2)).toBe('CONTOSO-ACS (RG-2, 11111111)');
    expect(labels.get(otherSubscription)).toBe('CONTOSO-ACS (RG-2, 22222222)');
    expect(labels.get(alone)).toBe('FABRIKAM-ACS');
    expect(new Set(labels.values()).size).toBe(4);
  });

  it('falls back to the whole id where nothing shorter tells two apart, and takes ids of any shape', () => {
    const a = `${id(SUB_A, 'RG', 'X')}`;
    const b = `${id(SUB_A.slice(0, 8) + '-cccc-0000-0000-000000000000', 'RG', 'X')}`;
    const labels = resourceLabels([a, b, 'bare-name', '/subscriptions/s/resourcegroups/g/x/bare-name']);
    expect(labels.get(a)).toBe(a);
    expect(labels.get(b)).toBe(b);
    expect(labels.get('bare-name')).toBe('bare-name (-)');
    expect(labels.get('/subscriptions/s/resourcegroups/g/x/bare-name')).toBe('bare-name (g)');
  });
});
