import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  REPO_ROOT,
  allResources,
  allStrings,
  armTemplate,
  defaultThrough,
  entryTemplateNames,
  functionApp,
  moduleDeployment,
  moduleDeployments,
  moduleParam,
  nestedTemplate,
  readRepoFile,
  type ArmTemplate,
} from './support/arm.js';

const templates = Object.fromEntries(entryTemplateNames().map((name) => [name, armTemplate(name as 'main' | 'subscriptions')])) as Record<string, ArmTemplate>;

/** The list* calls the templates may make: the host's system keys (webhook), and the app's own settings (merge, container names). */
const ALLOWED_LIST_CALLS = [
  /^listKeys\(format\('\{0\}\/host\/default', parameters\('functionAppId'\)\), '2024-04-01'\)\.systemKeys\.blobs_extension/,
  /^list\(format\('\{0\}\/config\/appsettings', resourceId\('Microsoft\.Web\/sites', parameters\('(name|functionAppName)'\)\)\), '2024-04-01'\)\.properties/,
];

describe('no stored secrets', () => {
  it.each(Object.keys(templates))("%s calls list* only for the host's blobs_extension key and the app's own settings", (name) => {
    const calls = allStrings(templates[name]).flatMap((text) => [...text.matchAll(/\blist\w*\(.*/g)].map((m) => m[0]));
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls)
      expect(
        ALLOWED_LIST_CALLS.some((allowed) => allowed.test(call)),
        call,
      ).toBe(true);
  });

  it.each(Object.keys(templates))('%s holds no account key, SAS or storage connection string', (name) => {
    const text = JSON.stringify(templates[name]);
    for (const secret of ['AccountKey=', 'DefaultEndpointsProtocol', 'SharedAccessSignature', 'primaryConnectionString', 'listAccountSas', 'listServiceSas']) {
      expect(text, secret).not.toContain(secret);
    }
  });

  it('reads a connection string only from Application Insights, into its own setting', () => {
    const { settings } = functionApp(templates['main']!);
    for (const [key, value] of Object.entries(settings)) {
      expect(String(value), key).not.toMatch(/AccountKey=|SharedAccessSignature|sig=|list\w*\(|DefaultEndpointsProtocol/);
      if (/connection_?string/i.test(key) || /ConnectionString/.test(String(value))) {
        expect(key).toBe('APPLICATIONINSIGHTS_CONNECTION_STRING');
        expect(value).toBe("[reference(resourceId('Microsoft.Insights/components', parameters('applicationInsightsName')), '2020-02-02').ConnectionString]");
      }
    }
  });

  it('passes the settings read back from the app only to a secure parameter', () => {
    let checked = 0;
    for (const template of Object.values(templates)) {
      for (const deployment of allResources(template).filter((r) => r.type === 'Microsoft.Resources/deployments')) {
        const parameters = (deployment.properties?.['parameters'] ?? {}) as Record<string, { value: unknown }>;
        for (const [parameter, { value }] of Object.entries(parameters)) {
          // The whole settings object, not one named setting (a container name) taken from it.
          if (!allStrings(value).some((text) => /\blist\(.*\)\.properties\]$/.test(text))) continue;
          expect(nestedTemplate(deployment).parameters[parameter]?.type, `${deployment.name}: ${parameter}`).toMatch(/^secure(Object|String)$/);
          checked += 1;
        }
      }
    }
    expect(checked).toBe(1); // the merge of the app settings
  });

  it.each(Object.keys(templates))('%s outputs no key, settings or connection string', (name) => {
    for (const template of [
      templates[name]!,
      ...allResources(templates[name]!)
        .filter((r) => r.type === 'Microsoft.Resources/deployments')
        .map(nestedTemplate),
    ]) {
      for (const [output, declaration] of Object.entries(template.outputs ?? {})) {
        expect(JSON.stringify(declaration), output).not.toMatch(/list\w*\(|ConnectionString|AccountKey/);
        expect(output).not.toMatch(/key|secret|password|connection/i);
      }
    }
  });
});

describe('secure defaults (compiled infra/main.bicep)', () => {
  const main = templates['main']!;
  const app = functionApp(main);
  const site = app.template.resources.find((r) => r.type === 'Microsoft.Web/sites')!;
  const siteProperties = site.properties as {
    httpsOnly: unknown;
    siteConfig: Record<string, unknown>;
    functionAppConfig: Record<string, Record<string, unknown>>;
  };

  it('serves HTTPS only, TLS 1.2 at least, FTP off, basic-auth publishing off for FTP and SCM', () => {
    expect(siteProperties.httpsOnly).toBe(true);
    expect(siteProperties.siteConfig).toMatchObject({ minTlsVersion: '1.2', ftpsState: 'Disabled' });
    const policies = app.template.resources.filter((r) => r.type === 'Microsoft.Web/sites/basicPublishingCredentialsPolicies');
    expect(policies.map((p) => /'(ftp|scm)'\)\]$/.exec(p.name)?.[1]).sort()).toEqual(['ftp', 'scm']);
    for (const policy of policies) expect(policy.properties).toEqual({ allow: false });
  });

  it('runs on Flex Consumption, Linux, Node.js, as the user-assigned identity, with the configured scale', () => {
    const plan = app.template.resources.find((r) => r.type === 'Microsoft.Web/serverfarms')!;
    expect(plan['sku']).toEqual({ tier: 'FlexConsumption', name: 'FC1' });
    expect(plan.properties).toEqual({ reserved: true });
    expect(site['kind']).toBe('functionapp,linux');
    expect(site['identity']).toEqual({ type: 'UserAssigned', userAssignedIdentities: { "[format('{0}', parameters('identityId'))]": {} } });
    expect(siteProperties.functionAppConfig['runtime']).toEqual({ name: 'node', version: "[parameters('nodeVersion')]" });
    expect(siteProperties.functionAppConfig['scaleAndConcurrency']).toEqual({
      maximumInstanceCount: "[parameters('maximumInstanceCount')]",
      instanceMemoryMB: "[parameters('instanceMemoryMB')]",
    });
  });

  it("reads the deployment package from a container of the app's own storage, with the user-assigned identity", () => {
    expect(siteProperties.functionAppConfig['deployment']).toEqual({
      storage: {
        type: 'blobContainer',
        value: "[format('{0}{1}', variables('appBlobServiceUri'), parameters('deploymentContainerName'))]",
        authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: "[parameters('identityId')]" },
      },
    });
    const appStorage = moduleDeployment(main, 'app-storage-');
    expect(moduleParam(appStorage, 'name')).toBe(moduleParam(app.deployment, 'appStorageAccountName'));
    expect(moduleParam(appStorage, 'containerNames')).toEqual([moduleParam(app.deployment, 'deploymentContainerName')]);
  });

  it('creates storage accounts with HTTPS only, TLS 1.2, no public blob access, Entra ID by default, private containers', () => {
    const storageModules = moduleDeployments(main).filter((d) =>
      nestedTemplate(d).resources.some((r) => r.type === 'Microsoft.Storage/storageAccounts' && !r['existing']),
    );
    expect(storageModules.length).toBe(2); // the app's and a new logs account
    for (const module of storageModules) {
      const resources = nestedTemplate(module).resources;
      expect(resources.find((r) => r.type === 'Microsoft.Storage/storageAccounts')!.properties).toMatchObject({
        supportsHttpsTrafficOnly: true,
        minimumTlsVersion: 'TLS1_2',
        allowBlobPublicAccess: false,
        defaultToOAuthAuthentication: true,
        allowSharedKeyAccess: "[parameters('allowSharedKeyAccess')]",
      });
      for (const container of resources.filter((r) => r.type === 'Microsoft.Storage/storageAccounts/blobServices/containers'))
        expect(container.properties).toEqual({ publicAccess: 'None' });
      expect(defaultThrough(main, module, "[parameters('allowSharedKeyAccess')]"), module.name).toBe(false);
    }
    // Whatever the parameters say for a new logs account, the app's own account keeps Shared Key off.
    expect(moduleParam(moduleDeployment(main, 'app-storage-'), 'allowSharedKeyAccess')).toBe(false);
  });

  it('disables local (instrumentation key) authentication on Application Insights, workspace based', () => {
    const component = nestedTemplate(moduleDeployment(main, 'monitoring-')).resources.find((r) => r.type === 'Microsoft.Insights/components')!;
    expect(component.properties).toMatchObject({
      DisableLocalAuth: true,
      WorkspaceResourceId: "[resourceId('Microsoft.OperationalInsights/workspaces', parameters('logAnalyticsName'))]",
    });
  });
});

describe('HTTP endpoints', () => {
  it('every HTTP function requires a function (or admin) key, and the API base URL output matches the route prefix', () => {
    const sources = readdirSync(join(REPO_ROOT, 'src/functions')).filter((name) => name.endsWith('.ts'));
    for (const name of sources) {
      const source = readRepoFile(`src/functions/${name}`);
      for (const match of source.matchAll(/app\.http\(\s*'([^']+)'\s*,\s*\{([\s\S]*?)\}\s*\)/g)) {
        expect(match[2], `${name}: ${match[1]}`).toMatch(/authLevel:\s*'(function|admin)'/);
      }
    }
    const host = JSON.parse(readRepoFile('host.json')) as { extensions?: { http?: { routePrefix?: string } } };
    expect(host.extensions?.http?.routePrefix ?? 'api').toBe('api');
    expect(String(templates['main']!.outputs?.['QUERY_API_BASE_URL']?.value)).toMatch(/^\[format\('https:\/\/\{0\}\/api', /);
  });
});
