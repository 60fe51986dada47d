import { describe, expect, it } from 'vitest';
import { BUILT_IN_ROLES, OPERATIONS, ROLE_PERMISSIONS, grants, minimumRoles, roleName, type Operation, type RoleName } from './support/roles.js';
import {
  allStrings,
  armTemplate,
  functionApp,
  moduleDeployment,
  moduleDeployments,
  moduleParam,
  nestedTemplate,
  variableOf,
  type ArmResource,
  type ArmTemplate,
} from './support/arm.js';

const main = armTemplate('main');
const app = functionApp(main);
const roleIds = main.variables?.['roles'] as Record<string, string>;

/** A role definition id as main.bicep passes it: [variables('roles').<key>]. */
function roleOf(expression: unknown): RoleName {
  const key = /^\[variables\('roles'\)\.(\w+)\]$/.exec(String(expression))?.[1];
  const name = key === undefined ? undefined : roleName(roleIds[key] ?? '');
  if (!name) throw new Error(`not a known built-in role: ${String(expression)}`);
  return name;
}

/** The storage role modules: which roles, on which account (a main.bicep variable), under which condition. */
interface StorageGrant {
  deployment: ArmResource;
  account: string;
  roles: RoleName[];
  condition: string | undefined;
}

const storageGrants: StorageGrant[] = moduleDeployments(main)
  .filter((d) =>
    nestedTemplate(d).resources.some(
      (r) => r.type === 'Microsoft.Authorization/roleAssignments' && String(r['scope']).includes('Microsoft.Storage/storageAccounts'),
    ),
  )
  .map((deployment) => ({
    deployment,
    account: variableOf(moduleParam(deployment, 'storageAccountName')) ?? 'not a variable',
    roles: (moduleParam(deployment, 'roleDefinitionIds') as unknown[]).map(roleOf),
    condition: deployment.condition === undefined ? undefined : String(deployment.condition),
  }));

/** Which main.bicep variable names the account a connection reaches for a service, per value of aggregatesOnLogs. */
function accountOf(connection: string, service: string, aggregatesOnLogs: boolean): string {
  const uri = variableOf(app.settings[`${connection}__${service}ServiceUri`]);
  const format = uri === undefined ? undefined : String(app.template.variables?.[uri]);
  const match = format === undefined ? null : /^\[format\('https:\/\/\{0\}\.(blob|queue|table)\.\{1\}\/', parameters\('(\w+)'\)/.exec(format);
  if (!match) throw new Error(`${connection}: no ${service} endpoint (${String(format)})`);
  expect(match[1]).toBe(service);
  const account = variableOf(moduleParam(app.deployment, match[2]!));
  if (account === undefined) throw new Error(`${connection}: the account is not a main.bicep variable`);
  const choice = /^\[if\(variables\('aggregatesOnLogs'\), variables\('(\w+)'\), variables\('(\w+)'\)\)\]$/.exec(String(main.variables?.[account]));
  return choice ? choice[aggregatesOnLogs ? 1 : 2]! : account;
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

describe('role assignments (compiled infra/main.bicep)', () => {
  it.each([false, true])('grant exactly the minimum roles on each account the app uses (aggregatesOnLogs=%s)', (aggregatesOnLogs) => {
    const required = new Map<string, Set<RoleName>>();
    for (const op of OPERATIONS) {
      const account = accountOf(op.connection, op.service, aggregatesOnLogs);
      required.set(account, new Set([...(required.get(account) ?? []), op.minimumRole]));
    }
    const granted = new Map<string, Set<RoleName>>();
    for (const grant of storageGrants) {
      if (grant.condition !== undefined && grant.condition !== (aggregatesOnLogs ? "[variables('aggregatesOnLogs')]" : 'never')) continue;
      granted.set(grant.account, new Set([...(granted.get(grant.account) ?? []), ...grant.roles]));
    }
    const sorted = (map: Map<string, Set<RoleName>>): Record<string, RoleName[]> =>
      Object.fromEntries([...map].map(([account, roles]) => [account, [...roles].sort()]));
    expect(sorted(granted)).toEqual(sorted(required));
  });

  it('keeps the logs account read-only for blobs', () => {
    for (const grant of storageGrants.filter((g) => g.account === 'logsStorageAccountName')) {
      for (const role of grant.roles) {
        expect(grants(role, 'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write'), role).toBe(false);
        expect(grants(role, 'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete'), role).toBe(false);
      }
    }
  });

  it('assigns each role in the resource group and subscription of its account', () => {
    for (const grant of storageGrants) {
      if (grant.account === 'logsStorageAccountName') {
        expect(grant.deployment.resourceGroup, grant.deployment.name).toBe("[variables('logsStorageResourceGroupName')]");
        expect(grant.deployment.subscriptionId, grant.deployment.name).toBe("[variables('logsStorageSubscriptionId')]");
      } else {
        expect(grant.account).toBe('effectiveAppStorageAccountName');
        expect(grant.deployment.resourceGroup, grant.deployment.name).toBeUndefined();
      }
    }
  });

  it('grants every role to the user-assigned identity the app runs as', () => {
    const identity = String(moduleParam(app.deployment, 'identityId')).slice(1, -1);
    const principal = `[reference(${identity}, '2023-01-31').principalId]`;
    for (const grant of storageGrants) expect(moduleParam(grant.deployment, 'principalId'), grant.deployment.name).toBe(principal);
    expect(moduleParam(moduleDeployment(main, 'monitoring-'), 'publisherPrincipalId')).toBe(principal);
  });

  it('lets the identity publish telemetry to the Application Insights component the app uses', () => {
    const monitoring = moduleDeployment(main, 'monitoring-');
    expect(roleOf(moduleParam(monitoring, 'publisherRoleDefinitionId'))).toBe('Monitoring Metrics Publisher');
    const assignment = nestedTemplate(monitoring).resources.find((r) => r.type === 'Microsoft.Authorization/roleAssignments');
    expect(assignment?.['scope']).toBe("[resourceId('Microsoft.Insights/components', parameters('applicationInsightsName'))]");
    expect(String(moduleParam(app.deployment, 'applicationInsightsName'))).toContain(`format('monitoring-{0}'`);
  });

  it('assigns no control-plane role (Owner, Contributor, Storage Account Contributor) anywhere', () => {
    const text = allStrings([main, armTemplate('subscriptions')] as ArmTemplate[])
      .join('\n')
      .toLowerCase();
    for (const role of ['Owner', 'Contributor', 'Storage Account Contributor'] as const) expect(text, role).not.toContain(BUILT_IN_ROLES[role]);
  });

  it('grants the roles before the function app starts (the app module depends on every role module)', () => {
    const dependsOn = app.deployment.dependsOn ?? [];
    const roleModules = [...storageGrants.map((g) => g.deployment.name), moduleDeployment(main, 'monitoring-').name];
    for (const name of roleModules) {
      const inner = name.slice(1, -1);
      expect(
        dependsOn.some((d) => d.includes(inner)),
        name,
      ).toBe(true);
    }
  });
});
