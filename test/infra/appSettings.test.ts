import { describe, expect, it } from 'vitest';
import { AGGREGATES_CONNECTION, DEFAULT_CONTAINERS, HOST_CONNECTION, LOGS_CONNECTION, SETTING, readAppSettings } from '../../src/lib/config/appSettings.js';
import { CATEGORIES } from '../../src/lib/normalizing/types.js';
import { armTemplate, defaultThrough, functionApp, moduleParam, nestedTemplate, parameterConditionOf, parameterOf, readRepoFile } from './support/arm.js';
import { containerSettingOf } from './support/code.js';

/** Settings the Functions runtime itself reads (not the code). */
const RUNTIME_SETTINGS = new Set(['APPLICATIONINSIGHTS_CONNECTION_STRING', 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING']);

/** Identity-based connection settings: who reads each suffix. */
const CONNECTION_SETTINGS: Record<string, string[]> = {
  // src/lib/storage/connections.ts reads <Name>__<service>ServiceUri, __credential, __clientId; the
  // host reads __queueServiceUri of a blob trigger connection (its poison queue).
  [LOGS_CONNECTION]: ['blobServiceUri', 'queueServiceUri', 'credential', 'clientId'],
  [AGGREGATES_CONNECTION]: ['tableServiceUri', 'credential', 'clientId'],
  [HOST_CONNECTION]: ['blobServiceUri', 'queueServiceUri', 'tableServiceUri', 'credential', 'clientId'],
};

/** Settings Flex Consumption does not use (functionAppConfig replaces them) or that carry keys. */
const NOT_ON_FLEX = [
  'FUNCTIONS_EXTENSION_VERSION',
  'FUNCTIONS_WORKER_RUNTIME',
  'WEBSITE_NODE_DEFAULT_VERSION',
  'WEBSITE_RUN_FROM_PACKAGE',
  'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING',
  'WEBSITE_CONTENTSHARE',
  'SCM_DO_BUILD_DURING_DEPLOYMENT',
  'APPINSIGHTS_INSTRUMENTATIONKEY',
  'AzureWebJobsDashboard',
];

const SETTING_NAMES: string[] = Object.values(SETTING);

describe('app settings of the function app (compiled infra/main.bicep)', () => {
  const main = armTemplate('main');
  const app = functionApp(main);
  const settings = app.settings;

  it('sets every setting the code reads (every SETTING in src/lib/config/appSettings.ts)', () => {
    expect(SETTING_NAMES.filter((name) => !(name in settings))).toEqual([]);
  });

  it('sets nothing the code or the runtime does not read', () => {
    const known = (key: string): boolean => {
      if (SETTING_NAMES.includes(key) || RUNTIME_SETTINGS.has(key)) return true;
      const [connection, suffix, ...rest] = key.split('__');
      return rest.length === 0 && suffix !== undefined && (CONNECTION_SETTINGS[connection!] ?? []).includes(suffix);
    };
    expect(Object.keys(settings).filter((key) => !known(key))).toEqual([]);
  });

  it('sets every identity-based connection setting, with the managed identity and no connection string', () => {
    for (const [connection, suffixes] of Object.entries(CONNECTION_SETTINGS)) {
      for (const suffix of suffixes) expect(settings[`${connection}__${suffix}`], `${connection}__${suffix}`).toBeTruthy();
      expect(settings[`${connection}__credential`]).toBe('managedidentity');
      expect(parameterOf(settings[`${connection}__clientId`]), connection).toBe('identityClientId');
      expect(settings, connection).not.toHaveProperty(connection);
    }
    expect(NOT_ON_FLEX.filter((name) => name in settings)).toEqual([]);
  });

  it('passes the client id of the identity the app runs as', () => {
    const identity = String(moduleParam(app.deployment, 'identityId'));
    expect(identity).toMatch(/^\[resourceId\('Microsoft\.ManagedIdentity\/userAssignedIdentities', /);
    expect(moduleParam(app.deployment, 'identityClientId')).toBe(`[reference(${identity.slice(1, -1)}, '2023-01-31').clientId]`);
  });

  it("defaults every product setting to the code's own default, so the template does not drift from the code", () => {
    const env: Record<string, string> = {};
    for (const name of SETTING_NAMES.filter((n) => n in settings)) env[name] = String(defaultThrough(main, app.deployment, settings[name]));
    const deployed = readAppSettings(env);
    const codeDefaults = readAppSettings({});
    expect(deployed.triggerSource).toBe('EventGrid'); // the only blob trigger source on Flex Consumption
    expect({ ...deployed, triggerSource: undefined }).toEqual({ ...codeDefaults, triggerSource: undefined });
  });

  it('runs the low memory profile on 512 MB instances, the default one on larger ones', () => {
    const condition = parameterConditionOf(settings[SETTING.memory]);
    expect(condition).toEqual({ parameter: 'instanceMemoryMB', equals: 512, then: 'low', otherwise: 'default' });
    expect(parameterOf(moduleParam(app.deployment, 'instanceMemoryMB'))).toBe('instanceMemoryMB');
    expect(main.parameters['instanceMemoryMB']?.allowedValues).toEqual([512, 2048, 4096]);
    for (const [memory, profile] of [
      [512, 'low'],
      [2048, 'default'],
      [4096, 'default'],
    ] as const) {
      const value = memory === condition?.equals ? condition.then : condition?.otherwise;
      expect(readAppSettings({ [SETTING.memory]: value }).memory, `${memory} MB`).toBe(profile);
    }
  });

  it('accepts the values of infra/main.parameters.json', () => {
    const file = JSON.parse(readRepoFile('infra/main.parameters.json')) as { parameters: Record<string, { value: unknown }> };
    const env: Record<string, string> = {};
    for (const name of SETTING_NAMES) {
      const condition = parameterConditionOf(settings[name]);
      if (condition) {
        const given = file.parameters[condition.parameter]?.value ?? defaultThrough(main, app.deployment, `[parameters('${condition.parameter}')]`);
        env[name] = given === condition.equals ? condition.then : condition.otherwise;
        continue;
      }
      const moduleParameter = parameterOf(settings[name]);
      const mainParameter = moduleParameter === undefined ? undefined : parameterOf(moduleParam(app.deployment, moduleParameter));
      if (mainParameter !== undefined) expect(file.parameters, mainParameter).toHaveProperty(mainParameter);
      env[name] = String(mainParameter === undefined ? settings[name] : file.parameters[mainParameter]!.value);
    }
    expect(() => readAppSettings(env)).not.toThrow();
  });

  it('merges them into the settings the app already has, template values winning, and keeps those secure', () => {
    const merge = nestedTemplate(app.settingsDeployment);
    const config = merge.resources.filter((r) => r.type === 'Microsoft.Web/sites/config');
    expect(config).toHaveLength(1);
    expect(config[0]!.properties).toBe("[union(parameters('currentAppSettings'), parameters('appSettings'))]");
    expect(merge.parameters['currentAppSettings']?.type).toBe('secureObject');
    expect(moduleParam(app.settingsDeployment, 'currentAppSettings')).toBe(
      "[list(format('{0}/config/appsettings', resourceId('Microsoft.Web/sites', parameters('name'))), '2024-04-01').properties]",
    );
    // No other resource writes the app settings (it would replace them wholesale).
    expect(app.template.resources.filter((r) => r.type === 'Microsoft.Web/sites/config')).toEqual([]);
  });
});

describe('log containers', () => {
  const main = armTemplate('main');
  const app = functionApp(main);
  const settingOf = containerSettingOf();

  it('default to insights-logs-<category in lower case>, the containers Azure Monitor writes', () => {
    for (const category of CATEGORIES) {
      expect(DEFAULT_CONTAINERS[category]).toBe(`insights-logs-${category.toLowerCase()}`);
      expect(defaultThrough(main, app.deployment, app.settings[settingOf[category]]), category).toBe(DEFAULT_CONTAINERS[category]);
    }
  });

  it('are each set from a parameter of their own', () => {
    const parameters = CATEGORIES.map((category) => parameterOf(moduleParam(app.deployment, parameterOf(app.settings[settingOf[category]]) ?? '')));
    expect(parameters.every((p) => p !== undefined)).toBe(true);
    expect(new Set(parameters).size).toBe(CATEGORIES.length);
  });

  it('refuse at deployment a name of a length no container has (the app refuses the rest of what storage would, naming the setting)', () => {
    for (const category of CATEGORIES) {
      const parameter = main.parameters[parameterOf(moduleParam(app.deployment, parameterOf(app.settings[settingOf[category]]) ?? '')) ?? ''];
      expect([parameter?.minLength, parameter?.maxLength], category).toEqual([3, 63]);
    }
  });
});

describe('local.settings.sample.json (what `func start` and `func azure functionapp publish` read locally)', () => {
  const values = (JSON.parse(readRepoFile('local.settings.sample.json')) as { Values: Record<string, string> }).Values;

  it('sets only settings the code or the Functions host reads, with values the code accepts', () => {
    const hostSettings = ['FUNCTIONS_WORKER_RUNTIME', HOST_CONNECTION, LOGS_CONNECTION, AGGREGATES_CONNECTION];
    expect(Object.keys(values).filter((key) => !SETTING_NAMES.includes(key) && !hostSettings.includes(key))).toEqual([]);
    expect(values['FUNCTIONS_WORKER_RUNTIME']).toBe('node');
    const settings = readAppSettings(values);
    expect([settings.logsConnection, settings.aggregatesConnection]).toEqual([LOGS_CONNECTION, AGGREGATES_CONNECTION]);
  });
});
