import { describe, expect, it } from 'vitest';
import {
  AGGREGATES_CONNECTION,
  DEFAULT_CONTAINERS,
  HOST_CONNECTION,
  LOGS_CONNECTION,
  SETTING,
  readAppSettings,
} from '../../src/lib/config/appSettings.js';
import { resolveConnection } from '../../src/lib/storage/connections.js';
import { CATEGORIES } from '../../src/lib/normalizing/types.js';
import { readParametersFile, simulate } from './support/infra.js';
import { blobTriggerFunctionPrefix, containerSettingOf } from './support/code.js';

/** Settings the Functions runtime itself reads (not the code). */
const RUNTIME_SETTINGS = new Set([
  // Application Insights: where to send telemetry, and to authenticate with the managed identity.
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
]);

/** Identity-based connection settings: who reads each suffix. */
const CONNECTION_SETTINGS: Record<string, string[]> = {
  // src/lib/storage/connections.ts reads <Name>__<service>ServiceUri, __credential, __clientId; the
  // host reads __queueServiceUri of a blob trigger connection (its poison queue).
  [LOGS_CONNECTION]: ['blobServiceUri', 'queueServiceUri', 'credential', 'clientId'],
  [AGGREGATES_CONNECTION]: ['tableServiceUri', 'credential', 'clientId'],
  // The host: blob, queue and table services of its own storage.
  [HOST_CONNECTION]: ['blobServiceUri', 'queueServiceUri', 'tableServiceUri', 'credential', 'clientId'],
};

/** Settings Flex Consumption does not use (functionAppConfig replaces them) or that carry secrets. */
const NOT_ON_FLEX = [
  'FUNCTIONS_EXTENSION_VERSION',
  'FUNCTIONS_WORKER_RUNTIME',
  'FUNCTIONS_WORKER_RUNTIME_VERSION',
  'WEBSITE_NODE_DEFAULT_VERSION',
  'WEBSITE_RUN_FROM_PACKAGE',
  'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING',
  'WEBSITE_CONTENTSHARE',
  'SCM_DO_BUILD_DURING_DEPLOYMENT',
  'ENABLE_ORYX_BUILD',
  'APPINSIGHTS_INSTRUMENTATIONKEY',
  'AzureWebJobsDashboard',
];

describe('app settings of the function app (infra/app/function-app.bicep)', () => {
  const settings = simulate().appSettings();

  it('sets every setting the code reads (SETTING in src/lib/config/appSettings.ts)', () => {
    const missing = Object.values(SETTING).filter((name) => !(name in settings));
    expect(missing).toEqual([]);
  });

  it('sets nothing the code or the runtime does not read', () => {
    const known = (key: string): boolean => {
      if ((Object.values(SETTING) as string[]).includes(key) || RUNTIME_SETTINGS.has(key)) return true;
      const [connection, suffix, ...rest] = key.split('__');
      return rest.length === 0 && suffix !== undefined && (CONNECTION_SETTINGS[connection!] ?? []).includes(suffix);
    };
    expect(Object.keys(settings).filter((key) => !known(key))).toEqual([]);
  });

  it('sets every identity-based connection setting the code and the host need', () => {
    for (const [connection, suffixes] of Object.entries(CONNECTION_SETTINGS)) {
      for (const suffix of suffixes) expect(settings[`${connection}__${suffix}`], `${connection}__${suffix}`).toBeTruthy();
    }
  });

  it('sets no connection string: no bare LogsStorage, AggregatesStorage, AzureWebJobsStorage', () => {
    for (const connection of [LOGS_CONNECTION, AGGREGATES_CONNECTION, HOST_CONNECTION]) expect(settings).not.toHaveProperty(connection);
  });

  it('sets none of the settings Flex Consumption replaced or that hold keys', () => {
    expect(NOT_ON_FLEX.filter((name) => name in settings)).toEqual([]);
  });

  it('uses the Event Grid blob trigger source (the only one Flex Consumption supports)', () => {
    expect(settings[SETTING.triggerSource]).toBe('EventGrid');
    expect(readAppSettings(settings).triggerSource).toBe('EventGrid');
  });

  it('defaults every product setting to the code\'s own default, so the template does not drift from the code', () => {
    const deployed = readAppSettings(settings);
    const codeDefaults = readAppSettings({});
    expect(deployed.containers).toEqual(DEFAULT_CONTAINERS);
    expect({ ...deployed, logsConnection: undefined, aggregatesConnection: undefined }).toEqual({
      ...codeDefaults,
      logsConnection: undefined,
      aggregatesConnection: undefined,
    });
  });

  it('makes the code use the LogsStorage and AggregatesStorage connections, not the host storage', () => {
    const deployed = readAppSettings(settings);
    expect(deployed.logsConnection).toBe(LOGS_CONNECTION);
    expect(deployed.aggregatesConnection).toBe(AGGREGATES_CONNECTION);
  });

  it('resolves both connections to managed-identity endpoints on the right accounts', () => {
    const outputs = simulate().outputs();
    const logs = resolveConnection(LOGS_CONNECTION, 'blob', settings);
    const aggregates = resolveConnection(AGGREGATES_CONNECTION, 'table', settings);
    expect(logs.kind).toBe('identity');
    expect(aggregates.kind).toBe('identity');
    if (logs.kind === 'identity') expect(logs.endpoint).toBe(`https://${String(outputs['LOGS_STORAGE_ACCOUNT_NAME'])}.blob.core.windows.net/`);
    if (aggregates.kind === 'identity') expect(aggregates.endpoint).toBe(outputs['AGGREGATES_TABLE_ENDPOINT']);
  });

  it('accepts the values of infra/main.parameters.json', () => {
    expect(() => readAppSettings(simulate(readParametersFile()).appSettings())).not.toThrow();
  });

  it('authenticates Application Insights with the managed identity', () => {
    expect(settings['APPLICATIONINSIGHTS_AUTHENTICATION_STRING']).toBe('ClientId=<ref:identity.properties.clientId>;Authorization=AAD');
    expect(settings['APPLICATIONINSIGHTS_CONNECTION_STRING']).toBe('<ref:appInsights.properties.ConnectionString>');
  });
});

describe('log containers', () => {
  const overrides = {
    logsContainerRoomsOperational: 'insights-logs-probe-rooms',
    logsContainerCallRecordingSummary: 'insights-logs-probe-summary',
    logsContainerCallRecordingOperational: 'insights-logs-probe-operational',
    logsContainerUsage: 'insights-logs-probe-usage',
    deployEventSubscriptions: true,
  };
  const sim = simulate(overrides);
  const settings = sim.appSettings();
  const containers = readAppSettings(settings).containers;

  it('reach the code through the setting readAppSettings() reads for each category', () => {
    const settingOf = containerSettingOf();
    for (const category of CATEGORIES) expect(settings[settingOf[category]], category).toBe(containers[category]);
    expect(new Set(Object.values(containers)).size).toBe(CATEGORIES.length);
  });

  it('are the ones the Event Grid subscriptions filter on, category by category', () => {
    const subscriptions = sim.module('infra/app/event-subscriptions.bicep').evaluator;
    expect(subscriptions.param('containers')).toEqual(containers);
    expect(subscriptions.param('functionNamePrefix')).toBe(blobTriggerFunctionPrefix());
  });

  it('default to insights-logs-<category in lower case>, the containers Azure Monitor writes', () => {
    for (const category of CATEGORIES) expect(DEFAULT_CONTAINERS[category]).toBe(`insights-logs-${category.toLowerCase()}`);
  });
});
