import { describe, expect, it } from 'vitest';
import { CATEGORIES } from '../../src/lib/normalizing/types.js';
import { DEFAULT_CONTAINERS } from '../../src/lib/config/appSettings.js';
import { evaluateBodies, nameOf, simulate } from './support/infra.js';
import { blobTriggerFunctionPrefix } from './support/code.js';
import { bodyCondition, bodyObject, entryAt } from './support/bicepParse.js';
import type { Value } from './support/bicepEval.js';

const EVENT_SUBSCRIPTIONS = 'infra/app/event-subscriptions.bicep';
const SYSTEM_TOPIC = 'infra/app/logs-system-topic.bicep';
const ACS = 'infra/app/acs-diagnostic-setting.bicep';

function deployed(sim: ReturnType<typeof simulate>, path: string): boolean {
  return sim.deployments.some((d) => d.path === path && d.deployed);
}

function subscriptionsOf(sim: ReturnType<typeof simulate>): Record<string, Value>[] {
  const module = sim.module(EVENT_SUBSCRIPTIONS);
  const resource = module.evaluator.file.resources.find((r) => r.type === 'Microsoft.EventGrid/systemTopics/eventSubscriptions');
  if (!resource) throw new Error('no event subscriptions');
  return evaluateBodies(module.evaluator, resource);
}

describe('Event Grid', () => {
  it('creates the system topic of the logs account on the first deployment, but no subscription yet (the key does not exist)', () => {
    const sim = simulate();
    expect(deployed(sim, EVENT_SUBSCRIPTIONS)).toBe(false);
    const topicModule = sim.module(SYSTEM_TOPIC);
    const outputs = sim.outputs();
    expect(topicModule.scope.resourceGroup).toBe(outputs['LOGS_STORAGE_RESOURCE_GROUP']);
    const topic = topicModule.evaluator.file.resources.find((r) => r.type === 'Microsoft.EventGrid/systemTopics')!;
    const [body] = evaluateBodies(topicModule.evaluator, topic);
    expect(body!['name']).toBe(outputs['LOGS_SYSTEM_TOPIC_NAME']);
    const properties = body!['properties'] as Record<string, Value>;
    expect(properties['topicType']).toBe('Microsoft.Storage.StorageAccounts');
    expect(String(properties['source'])).toBe('<ref:logsAccount.id>');
    const account = topicModule.evaluator.file.resources.find((r) => r.name === 'logsAccount')!;
    expect(account.existing).toBe(true);
    expect(nameOf(topicModule.evaluator, account)).toBe(outputs['LOGS_STORAGE_ACCOUNT_NAME']);
    expect(String(body!['location'])).toBe('<ref:logsAccount.location>');
  });

  it('reuses an existing system topic (one per storage account) instead of creating one', () => {
    const sim = simulate({ existingLogsStorageAccountName: 'acsdiagarchive', existingLogsSystemTopicName: 'acsdiagarchive-topic', deployEventSubscriptions: true });
    const topicModule = sim.module(SYSTEM_TOPIC);
    const topic = topicModule.evaluator.file.resources.find((r) => r.type === 'Microsoft.EventGrid/systemTopics')!;
    expect(evaluateBodies(topicModule.evaluator, topic)).toEqual([]);
    expect(topicModule.evaluator.param('systemTopicName')).toBe('acsdiagarchive-topic');
    expect(topicModule.evaluator.param('createSystemTopic')).toBe(false);
    expect(sim.outputs()['LOGS_SYSTEM_TOPIC_NAME']).toBe('acsdiagarchive-topic');
    // the subscriptions module takes the name from the topic module's output
    expect(String(sim.module(EVENT_SUBSCRIPTIONS).evaluator.param('systemTopicName'))).toBe('<ref:logsSystemTopic.outputs.systemTopicName>');
  });

  describe('second step: deployEventSubscriptions=true', () => {
    const sim = simulate({ deployEventSubscriptions: true });
    const subscriptions = subscriptionsOf(sim);
    const prefix = blobTriggerFunctionPrefix();

    it('deploys into the logs account\'s resource group, under the system topic', () => {
      const module = sim.module(EVENT_SUBSCRIPTIONS);
      expect(module.scope.resourceGroup).toBe(sim.outputs()['LOGS_STORAGE_RESOURCE_GROUP']);
      expect(String(module.evaluator.param('systemTopicName'))).toBe('<ref:logsSystemTopic.outputs.systemTopicName>');
      const resource = module.evaluator.file.resources.find((r) => r.type === 'Microsoft.EventGrid/systemTopics/eventSubscriptions')!;
      const parent = entryAt(bodyObject(resource.value), 'parent');
      expect(parent).toMatchObject({ k: 'id', name: 'systemTopic' });
      expect(module.evaluator.file.resources.find((r) => r.name === 'systemTopic')?.existing).toBe(true);
    });

    it('makes one subscription per blob-triggered function, each filtered on its own container', () => {
      expect(subscriptions).toHaveLength(CATEGORIES.length);
      for (const category of CATEGORIES) {
        const functionName = `${prefix}${category}`;
        const subscription = subscriptions.find((s) => String((((s['properties'] as Record<string, Value>)['destination'] as Record<string, Value>)['properties'] as Record<string, Value>)['endpointUrl']).includes(`functionName=Host.Functions.${functionName}&`));
        expect(subscription, functionName).toBeDefined();
        const properties = subscription!['properties'] as Record<string, Value>;
        const filter = properties['filter'] as Record<string, Value>;
        expect(filter['includedEventTypes']).toEqual(['Microsoft.Storage.BlobCreated']);
        expect(filter['subjectBeginsWith']).toBe(`/blobServices/default/containers/${DEFAULT_CONTAINERS[category]}/blobs/`);
        expect(String(filter['subjectBeginsWith'])).toMatch(/^\/blobServices\/default\/containers\/insights-logs-/);
        expect(properties['eventDeliverySchema']).toBe('EventGridSchema');
        expect(subscription!['name']).toMatch(/^[a-z0-9-]{3,64}$/);
      }
      expect(new Set(subscriptions.map((s) => s['name'])).size).toBe(CATEGORIES.length);
    });

    it('sends to the blob extension webhook with the host\'s blobs_extension system key, read by listKeys', () => {
      for (const subscription of subscriptions) {
        const destination = (subscription['properties'] as Record<string, Value>)['destination'] as Record<string, Value>;
        expect(destination['endpointType']).toBe('WebHook');
        const url = String((destination['properties'] as Record<string, Value>)['endpointUrl']);
        expect(url).toMatch(
          new RegExp(
            '^https://<ref:functionApp\\.outputs\\.defaultHostName>/runtime/webhooks/blobs\\?functionName=Host\\.Functions\\.' +
              prefix +
              '[A-Za-z]+&code=<ref:listKeys\\(<ref:functionApp\\.outputs\\.id>/host/default, 2024-04-01\\)\\.systemKeys\\.blobs_extension>$',
          ),
        );
      }
    });

    it('is conditional on deployEventSubscriptions, which defaults to false', () => {
      const main = sim.main.file;
      const module = main.modules.find((m) => m.path === 'app/event-subscriptions.bicep')!;
      expect(bodyCondition(module.value)).toMatchObject({ k: 'id', name: 'deployEventSubscriptions' });
      expect(simulate().main.param('deployEventSubscriptions')).toBe(false);
    });
  });
});

describe('ACS diagnostic setting (optional)', () => {
  it('is not deployed unless a Communication Services resource is named', () => {
    expect(deployed(simulate(), ACS)).toBe(false);
  });

  it('archives the four categories the app reads to the logs account', () => {
    const sim = simulate({
      acsResourceName: 'acs-contoso',
      acsResourceGroupName: 'rg-communication',
      existingLogsStorageAccountName: 'acsdiagarchive',
      existingLogsStorageResourceGroupName: 'rg-monitoring',
    });
    const module = sim.module(ACS);
    expect(module.scope.resourceGroup).toBe('rg-communication');
    const resource = module.evaluator.file.resources.find((r) => r.type === 'Microsoft.Insights/diagnosticSettings')!;
    const [body] = evaluateBodies(module.evaluator, resource);
    expect(String(body!['scope'])).toBe('<ref:communicationService>');
    const service = module.evaluator.file.resources.find((r) => r.name === 'communicationService')!;
    expect(service.type).toBe('Microsoft.Communication/communicationServices');
    expect(service.existing).toBe(true);
    expect(nameOf(module.evaluator, service)).toBe('acs-contoso');
    const properties = body!['properties'] as Record<string, Value>;
    expect(properties['storageAccountId']).toBe(
      `/subscriptions/${sim.main.context.subscriptionId}/resourceGroups/rg-monitoring/providers/Microsoft.Storage/storageAccounts/acsdiagarchive`,
    );
    expect(properties['logs']).toEqual(CATEGORIES.map((category) => ({ category, enabled: true })));
  });
});
