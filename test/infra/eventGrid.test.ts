import { describe, expect, it } from 'vitest';
import { CATEGORIES } from '../../src/lib/normalizing/types.js';
import { allResources, armTemplate, moduleDeployment, moduleParam, nestedTemplate } from './support/arm.js';
import { blobTriggerFunctionPrefix, containerSettingOf } from './support/code.js';

const main = armTemplate('main');
const subscriptions = armTemplate('subscriptions');

describe('Event Grid system topic (compiled infra/main.bicep)', () => {
  const topicModule = moduleDeployment(main, 'logs-system-topic-');
  const topic = nestedTemplate(topicModule).resources.find((r) => r.type === 'Microsoft.EventGrid/systemTopics')!;

  it('is created on the logs account, in its resource group and region, unless one is named', () => {
    expect(topicModule.resourceGroup).toBe("[variables('logsStorageResourceGroupName')]");
    expect(topicModule.subscriptionId).toBe("[variables('logsStorageSubscriptionId')]");
    expect(topic.properties).toEqual({
      source: "[resourceId('Microsoft.Storage/storageAccounts', parameters('storageAccountName'))]",
      topicType: 'Microsoft.Storage.StorageAccounts',
    });
    expect(moduleParam(topicModule, 'storageAccountName')).toBe("[variables('logsStorageAccountName')]");
    // A system topic lives in the region of its source: the logs account's, which may differ from the app's.
    expect(topic['location']).toBe("[parameters('location')]");
    expect(moduleParam(topicModule, 'location')).toBe(
      "[reference(extensionResourceId(format('/subscriptions/{0}/resourceGroups/{1}', variables('logsStorageSubscriptionId'), variables('logsStorageResourceGroupName')), 'Microsoft.Storage/storageAccounts', variables('logsStorageAccountName')), '2023-05-01', 'full').location]",
    );
    expect(topic.condition).toBe("[parameters('createSystemTopic')]");
    expect(moduleParam(topicModule, 'createSystemTopic')).toBe("[empty(parameters('existingLogsSystemTopicName'))]");
  });
});

describe('Event Grid subscriptions', () => {
  it('are never created by infra/main.bicep, whose app settings restart the app during the webhook handshake', () => {
    expect(allResources(main).filter((r) => r.type.startsWith('Microsoft.EventGrid/systemTopics/eventSubscriptions'))).toEqual([]);
  });

  describe('infra/subscriptions.bicep (compiled)', () => {
    const module = moduleDeployment(subscriptions, 'event-subscriptions-');
    const resource = nestedTemplate(module).resources.find((r) => r.type === 'Microsoft.EventGrid/systemTopics/eventSubscriptions')!;
    const prefix = blobTriggerFunctionPrefix();

    it("deploys into the logs account's resource group and subscription, under its system topic", () => {
      expect(module.resourceGroup).toBe(
        "[if(empty(parameters('logsStorageResourceGroupName')), resourceGroup().name, parameters('logsStorageResourceGroupName'))]",
      );
      expect(module.subscriptionId).toBe(
        "[if(empty(parameters('logsStorageSubscriptionId')), subscription().subscriptionId, parameters('logsStorageSubscriptionId'))]",
      );
      expect(resource.name).toMatch(/^\[format\('\{0\}\/\{1\}', parameters\('systemTopicName'\), /);
      expect(moduleParam(module, 'systemTopicName')).toBe("[parameters('logsSystemTopicName')]");
    });

    it('subscribes every blob-triggered function, each to the container setting the deployed app reads for it', () => {
      expect(moduleParam(module, 'functionNamePrefix')).toBe(prefix);
      const containers = moduleParam(module, 'containers') as Record<string, string>;
      expect(Object.keys(containers).sort()).toEqual([...CATEGORIES].sort());
      const settingOf = containerSettingOf();
      for (const category of CATEGORIES) {
        expect(containers[category], category).toBe(
          `[list(format('{0}/config/appsettings', resourceId('Microsoft.Web/sites', parameters('functionAppName'))), '2024-04-01').properties.${settingOf[category]}]`,
        );
      }
      expect(resource['copy']).toEqual({ name: 'subscriptions', count: "[length(items(parameters('containers')))]" });
    });

    it("filters BlobCreated on the function's own container and sends it to the blob extension webhook with the blobs_extension key", () => {
      expect(resource.properties).toEqual({
        destination: {
          endpointType: 'WebHook',
          properties: {
            endpointUrl:
              "[format('https://{0}/runtime/webhooks/blobs?functionName=Host.Functions.{1}{2}&code={3}', parameters('functionAppHostName'), parameters('functionNamePrefix'), items(parameters('containers'))[copyIndex()].key, listKeys(format('{0}/host/default', parameters('functionAppId')), '2024-04-01').systemKeys.blobs_extension)]",
            maxEventsPerBatch: 1,
            preferredBatchSizeInKilobytes: 64,
          },
        },
        eventDeliverySchema: 'EventGridSchema',
        filter: {
          includedEventTypes: ['Microsoft.Storage.BlobCreated'],
          subjectBeginsWith: "[format('/blobServices/default/containers/{0}/blobs/', items(parameters('containers'))[copyIndex()].value)]",
        },
        retryPolicy: { maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 },
      });
      expect(moduleParam(module, 'functionAppId')).toBe("[resourceId('Microsoft.Web/sites', parameters('functionAppName'))]");
    });
  });
});

describe('ACS diagnostic setting (optional, compiled infra/main.bicep)', () => {
  const module = moduleDeployment(main, 'acs-diagnostic-setting-');

  it('is deployed only when a Communication Services resource is named, into its resource group', () => {
    expect(module.condition).toBe("[not(empty(parameters('acsResourceName')))]");
    expect(module.resourceGroup).toBe("[if(empty(parameters('acsResourceGroupName')), resourceGroup().name, parameters('acsResourceGroupName'))]");
  });

  it('archives the categories the app reads to the logs account, the call logs unless acsDiagnosticCallLogs is false', () => {
    expect(moduleParam(module, 'categories')).toBe("[variables('acsLogCategories')]");
    expect(main.variables?.['acsLogCategories']).toBe(
      "[concat(variables('acsBaseLogCategories'), if(parameters('acsDiagnosticCallLogs'), variables('acsCallLogCategories'), createArray()))]",
    );
    expect(main.parameters['acsDiagnosticCallLogs']).toMatchObject({ type: 'bool', defaultValue: true });
    const base = main.variables?.['acsBaseLogCategories'] as string[];
    const calls = main.variables?.['acsCallLogCategories'] as string[];
    expect([...base, ...calls]).toEqual([...CATEGORIES]);
    expect(calls).toEqual(['CallSummary', 'CallSummaryUpdates', 'CallDiagnostics', 'CallDiagnosticsUpdates']);
    expect(moduleParam(module, 'storageAccountId')).toBe("[variables('logsStorageAccountId')]");
    expect(main.variables?.['logsStorageAccountId']).toBe(
      "[resourceId(variables('logsStorageSubscriptionId'), variables('logsStorageResourceGroupName'), 'Microsoft.Storage/storageAccounts', variables('logsStorageAccountName'))]",
    );
    const setting = nestedTemplate(module).resources.find((r) => r.type === 'Microsoft.Insights/diagnosticSettings')!;
    expect(setting['scope']).toBe("[resourceId('Microsoft.Communication/communicationServices', parameters('communicationServiceName'))]");
  });
});
