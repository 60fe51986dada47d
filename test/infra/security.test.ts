import { describe, expect, it } from 'vitest';
import { bicepFiles, evaluateBodies, loadBicep, readRepoFile, simulate, type Simulation } from './support/infra.js';
import { calls } from './support/checks.js';
import { walk, type Expr } from './support/bicepParse.js';
import type { Value } from './support/bicepEval.js';

const files = bicepFiles();

function bodiesOf(sim: Simulation, path: string, type: string): Record<string, Value>[] {
  const module = sim.module(path);
  return module.evaluator.file.resources
    .filter((r) => r.type === type)
    .flatMap((r) => evaluateBodies(module.evaluator, r));
}

function at(value: Value | undefined, path: string): Value | undefined {
  let current: Value | undefined = value;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, Value>)[key];
  }
  return current;
}

describe('no stored secrets', () => {
  it.each(files)('%s calls listKeys only for the function host\'s system key, never on a storage account', (path) => {
    const file = loadBicep(path);
    for (const call of calls(file).filter((c) => c.name.toLowerCase().startsWith('list'))) {
      expect(call.name, `${path}:${call.line}`).toBe('listKeys');
      const target = call.args[0]!;
      const last = target.k === 'string' ? target.parts[target.parts.length - 1] : undefined;
      expect(last, `${path}:${call.line}: listKeys target`).toBe('/host/default');
    }
    const methods: Expr[] = [];
    const visit = (expr: Expr): void => {
      if (expr.k === 'method') methods.push(expr);
    };
    [...file.vars.map((v) => v.value), ...file.resources.map((r) => r.value), ...file.modules.map((m) => m.value), ...file.outputs.map((o) => o.value)].forEach((e) => walk(e, visit));
    expect(methods.map((m) => `${path}:${m.line}`)).toEqual([]);
  });

  it.each(files)('%s holds no account key, SAS or storage connection string', (path) => {
    const text = readRepoFile(path);
    for (const secret of ['AccountKey=', 'DefaultEndpointsProtocol', 'SharedAccessSignature', 'primaryConnectionString', 'listAccountSas', 'listServiceSas']) {
      expect(text, `${path}: ${secret}`).not.toContain(secret);
    }
  });

  it.each(files)('%s reads a ConnectionString property only from Application Insights', (path) => {
    const file = loadBicep(path);
    const uses: string[] = [];
    const visit = (expr: Expr): void => {
      if (expr.k === 'member' && /connectionstring/i.test(expr.name)) {
        const owner = expr.object.k === 'member' && expr.object.object.k === 'id' ? expr.object.object.name : '';
        const resource = file.resources.find((r) => r.name === owner);
        uses.push(`${resource?.type ?? 'not a resource'}`);
      }
    };
    [...file.vars.map((v) => v.value), ...file.resources.map((r) => r.value), ...file.outputs.map((o) => o.value)].forEach((e) => walk(e, visit));
    expect(uses.filter((type) => type !== 'Microsoft.Insights/components')).toEqual([]);
  });

  it('puts no secret in app settings (the Application Insights connection string is an identifier; local auth is off)', () => {
    const settings = simulate({ deployEventSubscriptions: true }).appSettings();
    for (const [key, value] of Object.entries(settings)) {
      expect(value, key).not.toMatch(/AccountKey=|SharedAccessSignature|sig=|listKeys|DefaultEndpointsProtocol/);
      if (/connection_?string/i.test(key) || /ConnectionString/.test(value)) {
        expect(key).toBe('APPLICATIONINSIGHTS_CONNECTION_STRING');
        expect(value).toBe('<ref:appInsights.properties.ConnectionString>');
      }
    }
  });

  it('outputs no key or connection string', () => {
    const outputs = simulate({ deployEventSubscriptions: true }).outputs();
    for (const [name, value] of Object.entries(outputs)) {
      expect(String(value), name).not.toMatch(/listKeys|ConnectionString|AccountKey/);
      expect(name).not.toMatch(/key|secret|password|connection/i);
    }
    for (const path of files) {
      for (const output of loadBicep(path).outputs) {
        const found: string[] = [];
        walk(output.value, (e) => {
          if (e.k === 'call' && e.name.startsWith('list')) found.push(e.name);
        });
        expect(found, `${path}: output ${output.name}`).toEqual([]);
      }
    }
  });
});

describe('secure defaults', () => {
  const sim = simulate();
  const APP = 'infra/app/function-app.bicep';
  const site = bodiesOf(sim, APP, 'Microsoft.Web/sites')[0]!;

  it('serves HTTPS only, TLS 1.2 at least, FTP off', () => {
    expect(at(site, 'properties.httpsOnly')).toBe(true);
    expect(at(site, 'properties.siteConfig.minTlsVersion')).toBe('1.2');
    expect(at(site, 'properties.siteConfig.ftpsState')).toBe('Disabled');
  });

  it('turns off basic-auth publishing credentials for FTP and SCM', () => {
    const policies = bodiesOf(sim, APP, 'Microsoft.Web/sites/basicPublishingCredentialsPolicies');
    expect(policies.map((p) => p['name']).sort()).toEqual(['ftp', 'scm']);
    for (const policy of policies) expect(at(policy, 'properties.allow')).toBe(false);
  });

  it('runs on Flex Consumption, Linux, Node.js 22, as the user-assigned identity', () => {
    const plan = bodiesOf(sim, APP, 'Microsoft.Web/serverfarms')[0]!;
    expect(at(plan, 'sku')).toEqual({ tier: 'FlexConsumption', name: 'FC1' });
    expect(at(plan, 'properties.reserved')).toBe(true);
    expect(site['kind']).toBe('functionapp,linux');
    expect(at(site, 'identity.type')).toBe('UserAssigned');
    expect(Object.keys(at(site, 'identity.userAssignedIdentities') as object)).toEqual(['<ref:identity.id>']);
    expect(at(site, 'properties.functionAppConfig.runtime')).toEqual({ name: 'node', version: '22' });
  });

  it('reads the deployment package from the app\'s own storage with the user-assigned identity', () => {
    const storage = at(site, 'properties.functionAppConfig.deployment.storage');
    expect(at(storage, 'type')).toBe('blobContainer');
    expect(at(storage, 'authentication.type')).toBe('UserAssignedIdentity');
    expect(String(at(storage, 'authentication.userAssignedIdentityResourceId'))).toBe('<ref:identity.id>');
    const outputs = sim.outputs();
    const appStorage = sim.deployments.find((d) => d.symbol === 'appStorage')!;
    const containers = appStorage.evaluator.param('containerNames') as string[];
    expect(containers).toHaveLength(1);
    expect(at(storage, 'value')).toBe(`https://${String(outputs['APP_STORAGE_ACCOUNT_NAME'])}.blob.core.windows.net/${containers[0]}`);
  });

  it('creates storage accounts with HTTPS only, TLS 1.2, no public blob access, Entra ID by default, no Shared Key', () => {
    const accounts = sim.deployments
      .filter((d) => d.deployed && d.path === 'infra/core/storage/storage-account.bicep')
      .flatMap((d) => evaluateBodies(d.evaluator, d.evaluator.file.resources.find((r) => r.type === 'Microsoft.Storage/storageAccounts')!));
    expect(accounts).toHaveLength(2); // the app's and a new logs account
    for (const account of accounts) {
      expect(at(account, 'properties.supportsHttpsTrafficOnly'), String(account['name'])).toBe(true);
      expect(at(account, 'properties.minimumTlsVersion')).toBe('TLS1_2');
      expect(at(account, 'properties.allowBlobPublicAccess')).toBe(false);
      expect(at(account, 'properties.defaultToOAuthAuthentication')).toBe(true);
      expect(at(account, 'properties.allowSharedKeyAccess')).toBe(false);
    }
  });

  it('keeps Shared Key off on the app\'s own account whatever the parameters say', () => {
    const custom = simulate({ newLogsStorageAllowSharedKeyAccess: true });
    const app = custom.deployments.find((d) => d.symbol === 'appStorage')!;
    expect(app.evaluator.param('allowSharedKeyAccess')).toBe(false);
  });

  it('creates private blob containers only', () => {
    for (const deployment of sim.deployments.filter((d) => d.deployed && d.path === 'infra/core/storage/storage-account.bicep')) {
      const containers = deployment.evaluator.file.resources.filter((r) => r.type === 'Microsoft.Storage/storageAccounts/blobServices/containers');
      for (const container of containers.flatMap((r) => evaluateBodies(deployment.evaluator, r))) {
        expect(at(container, 'properties.publicAccess')).toBe('None');
      }
    }
  });

  it('disables local (instrumentation key) authentication on Application Insights, workspace based', () => {
    const component = bodiesOf(sim, 'infra/core/monitor/monitoring.bicep', 'Microsoft.Insights/components')[0]!;
    expect(at(component, 'properties.DisableLocalAuth')).toBe(true);
    expect(String(at(component, 'properties.WorkspaceResourceId'))).toBe('<ref:workspace.id>');
  });
});

describe('HTTP endpoints', () => {
  it('every HTTP function requires a function (or admin) key, and the API base URL output matches the route prefix', async () => {
    const { readdirSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { REPO_ROOT } = await import('./support/infra.js');
    const sources = readdirSync(join(REPO_ROOT, 'src/functions')).filter((name) => name.endsWith('.ts'));
    for (const name of sources) {
      const source = readRepoFile(`src/functions/${name}`);
      for (const match of source.matchAll(/app\.http\(\s*'([^']+)'\s*,\s*\{([\s\S]*?)\}\s*\)/g)) {
        expect(match[2], `${name}: ${match[1]}`).toMatch(/authLevel:\s*'(function|admin)'/);
      }
    }
    const host = JSON.parse(readRepoFile('host.json')) as { extensions?: { http?: { routePrefix?: string } } };
    expect(host.extensions?.http?.routePrefix ?? 'api').toBe('api');
    expect(simulate().outputs()['QUERY_API_BASE_URL']).toMatch(/\/api$/);
  });
});
