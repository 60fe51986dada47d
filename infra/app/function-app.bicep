// The function app: Flex Consumption plan (Linux), Node.js, a user-assigned managed identity for
// every connection (host storage, deployment package, logs, aggregates, Application Insights), no
// keys or connection strings to storage in app settings, basic-auth publishing off.

@description('Name of the function app (globally unique host name <name>.azurewebsites.net).')
@minLength(2)
@maxLength(60)
param name string

@description('Name of the Flex Consumption plan.')
param planName string

@description('Azure region of the plan and the app. Must offer the Flex Consumption plan.')
param location string

@description('Tags applied to the plan and the app.')
param tags object = {}

@description('Resource id of the user-assigned managed identity the app runs as.')
param identityId string

@description('Client (application) id of the user-assigned managed identity.')
param identityClientId string

@description('Name of the Application Insights component (this resource group) that receives telemetry.')
param applicationInsightsName string

@description('Name of the app\'s own storage account: host storage (AzureWebJobsStorage) and deployment package.')
param appStorageAccountName string

@description('Blob container in the app\'s storage account that holds the deployment package.')
param deploymentContainerName string

@description('Name of the storage account the ACS diagnostic logs are archived to (LogsStorage connection, read only).')
param logsStorageAccountName string

@description('Name of the storage account whose Table Storage holds the aggregates (AggregatesStorage connection).')
param aggregatesStorageAccountName string

@description('Node.js version of the Flex Consumption runtime.')
@allowed([
  '20'
  '22'
])
param nodeVersion string = '22'

@description('Memory of each instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Maximum number of instances the app scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Container of the RoomsOperational diagnostic logs (ACS_LOGS_CONTAINER_ROOMS).')
param containerRoomsOperational string

@description('Container of the CallRecordingSummary diagnostic logs (ACS_LOGS_CONTAINER_RECORDING_SUMMARY).')
param containerCallRecordingSummary string

@description('Container of the CallRecordingOperational diagnostic logs (ACS_LOGS_CONTAINER_RECORDING_OPERATIONS).')
param containerCallRecordingOperational string

@description('Container of the Usage diagnostic logs (ACS_LOGS_CONTAINER_USAGE).')
param containerUsage string

@description('Container of the CallSummary diagnostic logs (ACS_LOGS_CONTAINER_CALL_SUMMARY).')
param containerCallSummary string

@description('Container of the CallSummaryUpdates diagnostic logs (ACS_LOGS_CONTAINER_CALL_SUMMARY_UPDATES).')
param containerCallSummaryUpdates string

@description('Container of the CallDiagnostics diagnostic logs (ACS_LOGS_CONTAINER_CALL_DIAGNOSTICS).')
param containerCallDiagnostics string

@description('Container of the CallDiagnosticsUpdates diagnostic logs (ACS_LOGS_CONTAINER_CALL_DIAGNOSTICS_UPDATES).')
param containerCallDiagnosticsUpdates string

@description('Prefix of the aggregate table names (ACS_LOGS_TABLE_PREFIX).')
param tablePrefix string

@description('NCRONTAB schedule of the tail-and-sweep timer (ACS_LOGS_TAIL_SCHEDULE).')
param tailSchedule string

@description('Minutes between two sweeps of the log containers (ACS_LOGS_SWEEP_INTERVAL_MINUTES).')
param sweepIntervalMinutes int

@description('Minutes after which a finished, unchanged log file is sealed (ACS_LOGS_SEAL_AFTER_MINUTES).')
param sealAfterMinutes int

@description('Longest log line accepted, in bytes (ACS_LOGS_MAX_LINE_BYTES).')
param maxLineBytes int

@description('Files in flight in the tail and the sweep, written together (ACS_LOGS_FILE_CONCURRENCY).')
param fileConcurrency int

@description('Earliest record time accepted, ISO-8601 (ACS_LOGS_EARLIEST_RECORD_TIME).')
param earliestRecordTime string

@description('Hours a record time may be ahead of the processing time (ACS_LOGS_MAX_FUTURE_HOURS).')
param maxFutureHours int

var storageSuffix = environment().suffixes.storage
var appBlobServiceUri = 'https://${appStorageAccountName}.blob.${storageSuffix}/'
var appQueueServiceUri = 'https://${appStorageAccountName}.queue.${storageSuffix}/'
var appTableServiceUri = 'https://${appStorageAccountName}.table.${storageSuffix}/'
var logsBlobServiceUri = 'https://${logsStorageAccountName}.blob.${storageSuffix}/'
var aggregatesTableServiceUri = 'https://${aggregatesStorageAccountName}.table.${storageSuffix}/'

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// Every setting the code reads (src/lib/config/appSettings.ts, src/lib/storage/connections.ts) and
// the runtime's own, nothing else. FUNCTIONS_EXTENSION_VERSION, FUNCTIONS_WORKER_RUNTIME and
// WEBSITE_* deployment settings are not used on Flex Consumption: functionAppConfig carries them.
var appSettings = {
  // Host storage: identity-based, one URI per service the runtime uses (blob: leases, keys, timers;
  // queue: the Event Grid blob trigger's internal queue; table: the host's diagnostic events).
  AzureWebJobsStorage__blobServiceUri: appBlobServiceUri
  AzureWebJobsStorage__queueServiceUri: appQueueServiceUri
  AzureWebJobsStorage__tableServiceUri: appTableServiceUri
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId

  // Telemetry with Microsoft Entra ID (the component has local auth disabled).
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'

  // LogsStorage: read the diagnostic logs. queueServiceUri is read by the Functions host only: a
  // blob trigger with blobServiceUri must name a queue service for its poison messages; it points
  // at the app's own account so the logs account stays read only.
  LogsStorage__blobServiceUri: logsBlobServiceUri
  LogsStorage__queueServiceUri: appQueueServiceUri
  LogsStorage__credential: 'managedidentity'
  LogsStorage__clientId: identityClientId

  // AggregatesStorage: the aggregate tables.
  AggregatesStorage__tableServiceUri: aggregatesTableServiceUri
  AggregatesStorage__credential: 'managedidentity'
  AggregatesStorage__clientId: identityClientId

  // Product settings. Flex Consumption supports only the Event Grid source for blob triggers.
  ACS_LOGS_TRIGGER_SOURCE: 'EventGrid'
  ACS_LOGS_CONTAINER_ROOMS: containerRoomsOperational
  ACS_LOGS_CONTAINER_RECORDING_SUMMARY: containerCallRecordingSummary
  ACS_LOGS_CONTAINER_RECORDING_OPERATIONS: containerCallRecordingOperational
  ACS_LOGS_CONTAINER_USAGE: containerUsage
  ACS_LOGS_CONTAINER_CALL_SUMMARY: containerCallSummary
  ACS_LOGS_CONTAINER_CALL_SUMMARY_UPDATES: containerCallSummaryUpdates
  ACS_LOGS_CONTAINER_CALL_DIAGNOSTICS: containerCallDiagnostics
  ACS_LOGS_CONTAINER_CALL_DIAGNOSTICS_UPDATES: containerCallDiagnosticsUpdates
  ACS_LOGS_TABLE_PREFIX: tablePrefix
  ACS_LOGS_TAIL_SCHEDULE: tailSchedule
  ACS_LOGS_SWEEP_INTERVAL_MINUTES: string(sweepIntervalMinutes)
  ACS_LOGS_SEAL_AFTER_MINUTES: string(sealAfterMinutes)
  ACS_LOGS_MAX_LINE_BYTES: string(maxLineBytes)
  ACS_LOGS_FILE_CONCURRENCY: string(fileConcurrency)
  ACS_LOGS_EARLIEST_RECORD_TIME: earliestRecordTime
  ACS_LOGS_MAX_FUTURE_HOURS: string(maxFutureHours)
  // A backlog run of the default profile peaks at about 650 MiB: past what a 512 MB instance has.
  ACS_LOGS_MEMORY: instanceMemoryMB == 512 ? 'low' : 'default'
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${appBlobServiceUri}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: nodeVersion
      }
    }
  }
}

// Merged with the settings the app has, not replacing them (as Azure Verified Modules do).
module siteAppSettings 'app-settings.bicep' = {
  name: 'app-settings-${uniqueString(resourceGroup().id, name)}'
  params: {
    siteName: site.name
    currentAppSettings: list('${site.id}/config/appsettings', '2024-04-01').properties
    appSettings: appSettings
  }
}

// No publishing with user name and password (FTP or SCM/Kudu basic auth): deployments authenticate
// with Microsoft Entra ID.
resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

@description('Name of the function app.')
output name string = site.name

@description('Resource id of the function app.')
output id string = site.id

@description('Default host name of the function app.')
output defaultHostName string = site.properties.defaultHostName
