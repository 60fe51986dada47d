// Step 3, a deployment of its own: one Event Grid subscription per blob-triggered function
// logBlobArrived-<Category>, on the logs account's system topic. Deploy it once the published code
// runs (the webhook key exists only then), and never together with infra/main.bicep: that
// deployment writes the app settings, which restarts the app while Event Grid validates the webhook.
//
//   az deployment group create -g <app resource group> -n subscriptions -f infra/subscriptions.bicep \
//     -p functionAppName=<FUNCTION_APP_NAME> logsSystemTopicName=<LOGS_SYSTEM_TOPIC_NAME> \
//        logsStorageResourceGroupName=<LOGS_STORAGE_RESOURCE_GROUP> logsStorageSubscriptionId=<LOGS_STORAGE_SUBSCRIPTION_ID>
//
// scripts/post-deploy.sh does the same with the Azure CLI.

targetScope = 'resourceGroup'

metadata description = 'Event Grid subscriptions that feed the blob triggers of an acs-logs function app deployed with infra/main.bicep.'

@description('Name of the function app (output FUNCTION_APP_NAME of infra/main.bicep), in this resource group.')
param functionAppName string

@description('Name of the Event Grid system topic of the logs storage account (output LOGS_SYSTEM_TOPIC_NAME).')
param logsSystemTopicName string

@description('Resource group of the logs storage account and its system topic (output LOGS_STORAGE_RESOURCE_GROUP). Empty: this resource group.')
param logsStorageResourceGroupName string = ''

@description('Subscription id of the logs storage account (output LOGS_STORAGE_SUBSCRIPTION_ID). Empty: this subscription.')
param logsStorageSubscriptionId string = ''

resource site 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

// The containers the deployed app reads (src/lib/config/appSettings.ts), so the filters follow them.
var settings = list('${site.id}/config/appsettings', '2024-04-01').properties

module eventSubscriptions 'app/event-subscriptions.bicep' = {
  name: 'event-subscriptions-${uniqueString(site.id)}'
  scope: resourceGroup(
    empty(logsStorageSubscriptionId) ? subscription().subscriptionId : logsStorageSubscriptionId,
    empty(logsStorageResourceGroupName) ? resourceGroup().name : logsStorageResourceGroupName
  )
  params: {
    systemTopicName: logsSystemTopicName
    functionAppId: site.id
    functionAppHostName: site.properties.defaultHostName
    containers: {
      RoomsOperational: settings.ACS_LOGS_CONTAINER_ROOMS
      CallRecordingSummary: settings.ACS_LOGS_CONTAINER_RECORDING_SUMMARY
      CallRecordingOperational: settings.ACS_LOGS_CONTAINER_RECORDING_OPERATIONS
      Usage: settings.ACS_LOGS_CONTAINER_USAGE
      CallSummary: settings.ACS_LOGS_CONTAINER_CALL_SUMMARY
      CallSummaryUpdates: settings.ACS_LOGS_CONTAINER_CALL_SUMMARY_UPDATES
      CallDiagnostics: settings.ACS_LOGS_CONTAINER_CALL_DIAGNOSTICS
      CallDiagnosticsUpdates: settings.ACS_LOGS_CONTAINER_CALL_DIAGNOSTICS_UPDATES
    }
    functionNamePrefix: 'logBlobArrived-'
  }
}

@description('Names of the Event Grid subscriptions.')
output subscriptionNames array = eventSubscriptions.outputs.names
