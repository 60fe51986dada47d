// Step 3, after the code is published (infra/subscriptions.bicep deploys it): one Event Grid
// subscription per blob-triggered function, each sending Microsoft.Storage.BlobCreated of its own
// log container to the Event Grid blob trigger webhook. The webhook key is the host's
// blobs_extension system key, which exists only once the host has started with the published code;
// it is read here with listKeys, so nobody handles it.
// Deploy into the logs account's resource group (where the system topic is).

@description('Name of the Event Grid system topic of the logs storage account.')
param systemTopicName string

@description('Resource id of the function app.')
param functionAppId string

@description('Default host name of the function app (for example <app>.azurewebsites.net).')
param functionAppHostName string

@description('Log container of each blob-triggered function: an object whose keys are the categories (the function is <functionNamePrefix><category>) and whose values are container names.')
param containers object

@description('Name of the blob-triggered functions without the category (src/functions/logBlobArrived.ts).')
param functionNamePrefix string = 'logBlobArrived-'

// The blobs_extension system key of the function app host (Microsoft.Web/sites/host, listKeys).
var blobsExtensionKey = listKeys('${functionAppId}/host/default', '2024-04-01').systemKeys.blobs_extension

resource systemTopic 'Microsoft.EventGrid/systemTopics@2022-06-15' existing = {
  name: systemTopicName
}

resource subscriptions 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = [
  for trigger in items(containers): {
    parent: systemTopic
    name: toLower('${functionNamePrefix}${trigger.key}')
    properties: {
      destination: {
        endpointType: 'WebHook'
        properties: {
          endpointUrl: 'https://${functionAppHostName}/runtime/webhooks/blobs?functionName=Host.Functions.${functionNamePrefix}${trigger.key}&code=${blobsExtensionKey}'
          maxEventsPerBatch: 1
          preferredBatchSizeInKilobytes: 64
        }
      }
      eventDeliverySchema: 'EventGridSchema'
      filter: {
        includedEventTypes: [
          'Microsoft.Storage.BlobCreated'
        ]
        subjectBeginsWith: '/blobServices/default/containers/${trigger.value}/blobs/'
      }
      retryPolicy: {
        maxDeliveryAttempts: 30
        eventTimeToLiveInMinutes: 1440
      }
    }
  }
]


@description('Names of the event subscriptions.')
output names array = [for (trigger, i) in items(containers): subscriptions[i].name]
