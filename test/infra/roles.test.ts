import { describe, expect, it } from 'vitest';
import { AGGREGATES_CONNECTION, HOST_CONNECTION, LOGS_CONNECTION } from '../../src/lib/config/appSettings.js';
import { OPERATIONS, ROLE_PERMISSIONS, grants, minimumRoles, roleName, type Operation, type RoleName } from './support/roles.js';
import { simulate, type Simulation } from './support/infra.js';
import type { Value } from './support/bicepEval.js';

const EXISTING_LOGS = {
  existingLogsStorageAccountName: 'acsdiagarchive',
  existingLogsStorageResourceGroupName: 'rg-monitoring',
  existingLogsStorageSubscriptionId: '11111111-2222-3333-4444-555555555555',
};

const SCENARIOS: [string, Record<string, Value>][] = [
  ['defaults (new logs account, aggregates on the app account)', {}],
  ['aggregates on the logs account', { aggregatesStorage: 'logs' }],
  ['existing logs account in another resource group and subscription', EXISTING_LOGS],
  ['existing logs account holding the aggregates', { ...EXISTING_LOGS, aggregatesStorage: 'logs' }],
];

interface Account {
  name: string;
  subscriptionId: string;
  resourceGroup: string;
}

/** The storage account a connection reaches for a service, from the deployed app settings. */
function accountOf(sim: Simulation, connection: string, service: string): string {
  const settings = sim.appSettings();
  const uri = settings[`${connection}__${service}ServiceUri`] ?? settings[`${connection}__serviceUri`];
  expect(uri, `${connection} has no ${service} endpoint`).toBeDefined();
  const match = /^https:\/\/([a-z0-9]{3,24})\.(blob|queue|table)\.core\.windows\.net\/?$/.exec(uri!);
  expect(match, `${connection}: ${uri}`).not.toBeNull();
  expect(match![2]).toBe(service);
  return match![1]!;
}

function expectedPlacement(sim: Simulation, account: string): Account {
  const outputs = sim.outputs();
  if (account === outputs['LOGS_STORAGE_ACCOUNT_NAME']) {
    return { name: account, subscriptionId: String(outputs['LOGS_STORAGE_SUBSCRIPTION_ID']), resourceGroup: String(outputs['LOGS_STORAGE_RESOURCE_GROUP']) };
  }
  expect(account).toBe(outputs['APP_STORAGE_ACCOUNT_NAME']);
  return { name: account, subscriptionId: sim.main.context.subscriptionId, resourceGroup: sim.main.context.resourceGroup };
}

describe('the operation → minimum role table', () => {
  it('grants each operation the permission it needs with its minimum role', () => {
    for (const op of OPERATIONS) expect(grants(op.minimumRole, op.permission), `${op.operation}: ${op.minimumRole}`).toBe(true);
  });

  it('names, per connection and service, the narrowest built-in role that grants every operation', () => {
    // The host's own blob role is the documented one (Storage Blob Data Owner), not derived here.
    const groups = new Map<string, Operation[]>();
    for (const op of OPERATIONS.filter((o) => !o.operation.startsWith('host: keys'))) {
      const key = `${op.connection}/${op.service}`;
      groups.set(key, [...(groups.get(key) ?? []), op]);
    }
    for (const [key, operations] of groups) {
      const roles = minimumRoles(operations);
      expect(roles.size, `${key}: one role per connection and service`).toBe(1);
      const role = [...roles][0]!;
      const coversAll = (candidate: RoleName): boolean => operations.every((op) => grants(candidate, op.permission));
      expect(coversAll(role), key).toBe(true);
      const narrower = (Object.keys(ROLE_PERMISSIONS) as RoleName[]).filter(
        (candidate) =>
          candidate !== role &&
          coversAll(candidate) &&
          !ROLE_PERMISSIONS[candidate].some((p) => p.endsWith('*')) &&
          ROLE_PERMISSIONS[candidate].length < ROLE_PERMISSIONS[role].length,
      );
      expect(narrower, key).toEqual([]);
    }
  });
});

describe.each(SCENARIOS)('role assignments: %s', (_name, overrides) => {
  const sim = simulate(overrides);
  const grantsMade = sim.roleGrants();
  const storageGrants = grantsMade.filter((g) => g.targetType === 'Microsoft.Storage/storageAccounts');

  it('uses only well-known built-in role definition ids', () => {
    for (const grant of grantsMade) expect(roleName(grant.roleDefinitionId), grant.roleDefinitionId).toBeDefined();
  });

  it('grants every role to the app\'s user-assigned identity, the one every connection signs in with', () => {
    const settings = sim.appSettings();
    for (const grant of grantsMade) expect(grant.principalId).toBe('<ref:identity.properties.principalId>');
    for (const connection of [LOGS_CONNECTION, AGGREGATES_CONNECTION, HOST_CONNECTION]) {
      expect(settings[`${connection}__credential`], connection).toBe('managedidentity');
      expect(settings[`${connection}__clientId`], connection).toBe('<ref:identity.properties.clientId>');
    }
  });

  it('covers every storage operation with exactly the minimum roles, on each account, in its resource group', () => {
    const required = new Map<string, Operation[]>();
    for (const op of OPERATIONS) {
      const account = accountOf(sim, op.connection, op.service);
      required.set(account, [...(required.get(account) ?? []), op]);
    }
    for (const [account, operations] of required) {
      const placement = expectedPlacement(sim, account);
      const granted = storageGrants.filter((g) => g.targetName === account);
      for (const grant of granted) {
        expect(grant.subscriptionId, `${account}: subscription`).toBe(placement.subscriptionId);
        expect(grant.resourceGroup, `${account}: resource group`).toBe(placement.resourceGroup);
      }
      const grantedRoles = new Set(granted.map((g) => roleName(g.roleDefinitionId)));
      expect([...grantedRoles].sort(), `roles on ${account}`).toEqual([...minimumRoles(operations)].sort());
      for (const op of operations) {
        expect([...grantedRoles].some((role) => role && grants(role, op.permission)), `${account}: ${op.operation}`).toBe(true);
      }
    }
    // No role on an account the app does not use.
    expect(storageGrants.filter((g) => !required.has(g.targetName))).toEqual([]);
  });

  it('keeps the logs account read-only for blobs', () => {
    const logs = accountOf(sim, LOGS_CONNECTION, 'blob');
    for (const grant of storageGrants.filter((g) => g.targetName === logs)) {
      const role = roleName(grant.roleDefinitionId)!;
      expect(grants(role, 'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write'), role).toBe(false);
      expect(grants(role, 'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete'), role).toBe(false);
      expect(grants(role, 'Microsoft.Storage/storageAccounts/queueServices/queues/messages/add/action'), role).toBe(false);
    }
  });

  it('assigns no control-plane role (Owner, Contributor, Storage Account Contributor)', () => {
    const broad = grantsMade.map((g) => roleName(g.roleDefinitionId)).filter((r) => r === 'Owner' || r === 'Contributor' || r === 'Storage Account Contributor');
    expect(broad).toEqual([]);
  });

  it('lets the identity publish telemetry to the Application Insights component the app uses', () => {
    const monitoring = sim.module('infra/core/monitor/monitoring.bicep').evaluator;
    const publisher = grantsMade.filter((g) => g.targetType === 'Microsoft.Insights/components');
    expect(publisher.map((g) => roleName(g.roleDefinitionId))).toEqual(['Monitoring Metrics Publisher']);
    expect(publisher[0]!.targetName).toBe(monitoring.param('applicationInsightsName'));
    const app = sim.module('infra/app/function-app.bicep').evaluator;
    expect(String(app.param('applicationInsightsName'))).toBe('<ref:monitoring.outputs.applicationInsightsName>');
  });

  it('grants the roles before the function app starts (the app module depends on every role module)', async () => {
    const { loadBicep } = await import('./support/infra.js');
    const { bodyObject, entryAt } = await import('./support/bicepParse.js');
    const main = loadBicep('infra/main.bicep');
    const roleModules = main.modules.filter((m) => m.path === 'core/security/storage-role-assignments.bicep').map((m) => m.name);
    const app = main.modules.find((m) => m.path === 'app/function-app.bicep')!;
    const dependsOn = entryAt(bodyObject(app.value), 'dependsOn');
    const names = dependsOn?.k === 'array' ? dependsOn.items.map((i) => (i.k === 'id' ? i.name : '')) : [];
    expect(names).toEqual(expect.arrayContaining(roleModules));
  });
});
