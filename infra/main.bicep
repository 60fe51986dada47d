// acs-logs: a Flex Consumption function app that reads the Azure Communication Services diagnostic
// logs archived to a storage account and keeps aggregates in Azure Table Storage.
//
// Step 1: az deployment group create -g <rg> -f infra/main.bicep -p @infra/main.parameters.json
// Step 2: publish the code (func azure functionapp publish <app>).
// Step 3: the Event Grid subscriptions, in a deployment of their own: scripts/post-deploy.sh, or
//         infra/subscriptions.bicep. Never in this deployment, which restarts the app.
// See docs/DEPLOY.md.

targetScope = 'resourceGroup'

metadata description = 'ACS diagnostic logs to exactly-once aggregates: Flex Consumption function app, identity-based storage, Event Grid blob triggers.'

// ---------------------------------------------------------------------------------------------
// Naming and placement
// ---------------------------------------------------------------------------------------------

@description('Short base name the resource names are derived from: lower-case letters and digits (hyphens are dropped from storage account names).')
@minLength(2)
@maxLength(12)
param baseName string = 'acslogs'

@description('Azure region of the new resources. Empty: the resource group\'s region. The region must offer the Flex Consumption plan.')
param location string = ''

@description('Tags applied to every resource this template creates.')
param tags object = {}

@description('Name of the function app (globally unique). Empty: func-<baseName>-<unique suffix>.')
param functionAppName string = ''

@description('Name of the function app\'s own storage account (host storage, deployment package and, by default, the aggregates): 3-24 lower-case letters and digits, globally unique. Empty: st<baseName><unique suffix>.')
param appStorageAccountName string = ''

// ---------------------------------------------------------------------------------------------
// Logs storage account (where the ACS diagnostic setting archives the logs)
// ---------------------------------------------------------------------------------------------

@description('Name of the existing storage account the ACS diagnostic setting archives to (the usual case). Empty: a new logs storage account is created in this resource group.')
param existingLogsStorageAccountName string = ''

@description('Resource group of the existing logs storage account. Empty: this resource group.')
param existingLogsStorageResourceGroupName string = ''

@description('Subscription id of the existing logs storage account. Empty: this subscription.')
param existingLogsStorageSubscriptionId string = ''

@description('Name of the Event Grid system topic that already exists on the logs storage account, in the account\'s resource group (Azure allows one system topic per account). Empty: the template creates one.')
param existingLogsSystemTopicName string = ''

@description('Only for a new logs storage account: allow Shared Key (account key) authorization. Keep false unless a writer you rely on cannot use Microsoft Entra ID.')
param newLogsStorageAllowSharedKeyAccess bool = false

// ---------------------------------------------------------------------------------------------
// Aggregates
// ---------------------------------------------------------------------------------------------

@description('Where the aggregate tables live: app = the function app\'s own storage account (default), logs = the logs storage account.')
@allowed([
  'app'
  'logs'
])
param aggregatesStorage string = 'app'

// ---------------------------------------------------------------------------------------------
// Product settings (app settings read by src/lib/config/appSettings.ts; defaults are the code's)
// ---------------------------------------------------------------------------------------------

@description('Blob container of the RoomsOperational logs (ACS_LOGS_CONTAINER_ROOMS).')
@minLength(3)
@maxLength(63)
param logsContainerRoomsOperational string = 'insights-logs-roomsoperational'

@description('Blob container of the CallRecordingSummary logs (ACS_LOGS_CONTAINER_RECORDING_SUMMARY).')
@minLength(3)
@maxLength(63)
param logsContainerCallRecordingSummary string = 'insights-logs-callrecordingsummary'

@description('Blob container of the CallRecordingOperational logs (ACS_LOGS_CONTAINER_RECORDING_OPERATIONS).')
@minLength(3)
@maxLength(63)
param logsContainerCallRecordingOperational string = 'insights-logs-callrecordingoperational'

@description('Blob container of the Usage logs (ACS_LOGS_CONTAINER_USAGE).')
@minLength(3)
@maxLength(63)
param logsContainerUsage string = 'insights-logs-usage'

@description('Blob container of the CallSummary logs (ACS_LOGS_CONTAINER_CALL_SUMMARY).')
@minLength(3)
@maxLength(63)
param logsContainerCallSummary string = 'insights-logs-callsummary'

@description('Blob container of the CallSummaryUpdates logs (ACS_LOGS_CONTAINER_CALL_SUMMARY_UPDATES).')
@minLength(3)
@maxLength(63)
param logsContainerCallSummaryUpdates string = 'insights-logs-callsummaryupdates'

@description('Blob container of the CallDiagnostics logs (ACS_LOGS_CONTAINER_CALL_DIAGNOSTICS).')
@minLength(3)
@maxLength(63)
param logsContainerCallDiagnostics string = 'insights-logs-calldiagnostics'

@description('Blob container of the CallDiagnosticsUpdates logs (ACS_LOGS_CONTAINER_CALL_DIAGNOSTICS_UPDATES).')
@minLength(3)
@maxLength(63)
param logsContainerCallDiagnosticsUpdates string = 'insights-logs-calldiagnosticsupdates'

@description('Whether the ACS diagnostic setting also sends the call logs (CallSummary, CallDiagnostics and their Updates categories) to the logs account.')
param acsDiagnosticCallLogs bool = true

@description('Prefix of the aggregate table names: a letter, then letters and digits, at most 30 characters (ACS_LOGS_TABLE_PREFIX).')
@minLength(1)
@maxLength(30)
param tablePrefix string = 'Acs'

@description('Schedule of the tail-and-sweep timer (ACS_LOGS_TAIL_SCHEDULE): NCRONTAB, six fields with seconds or five without. A time span such as 00:05:00 runs only on an App Service plan, not on this Flex Consumption app.')
param tailSchedule string = '0 */1 * * * *'

@description('Minutes between two sweeps of the log containers for files no event announced (ACS_LOGS_SWEEP_INTERVAL_MINUTES).')
@minValue(1)
@maxValue(10080)
param sweepIntervalMinutes int = 15

@description('Minutes after the end of its hour after which an unchanged log file is sealed (ACS_LOGS_SEAL_AFTER_MINUTES).')
@minValue(1)
@maxValue(10080)
param sealAfterMinutes int = 120

@description('Longest log line accepted, in bytes; longer lines are quarantined (ACS_LOGS_MAX_LINE_BYTES).')
@minValue(256)
@maxValue(268435456)
param maxLineBytes int = 1048576

@description('Log files in flight in the tail and the sweep, written together (ACS_LOGS_FILE_CONCURRENCY).')
@minValue(1)
@maxValue(4096)
param fileConcurrency int = 256

@description('Records older than this ISO-8601 time are quarantined as time_out_of_range (ACS_LOGS_EARLIEST_RECORD_TIME).')
param earliestRecordTime string = '2015-01-01T00:00:00Z'

@description('Records more than this many hours ahead of the processing time are quarantined as time_out_of_range (ACS_LOGS_MAX_FUTURE_HOURS).')
@minValue(1)
param maxFutureHours int = 24

// ---------------------------------------------------------------------------------------------
// Hosting
// ---------------------------------------------------------------------------------------------

@description('Node.js version of the Flex Consumption runtime.')
@allowed([
  '20'
  '22'
])
param nodeVersion string = '22'

@description('Memory of each Flex Consumption instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Maximum number of instances the function app scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Days the Log Analytics workspace behind Application Insights keeps data.')
@minValue(30)
@maxValue(730)
param logAnalyticsRetentionInDays int = 30

// ---------------------------------------------------------------------------------------------
// Optional parts
// ---------------------------------------------------------------------------------------------

@description('Name of an existing Azure Communication Services resource whose diagnostic setting should archive its log categories (Rooms, Call Recording, Usage and, unless acsDiagnosticCallLogs is false, the call logs) to the logs storage account. Empty: no diagnostic setting is deployed.')
param acsResourceName string = ''

@description('Resource group of the Communication Services resource (this subscription). Empty: this resource group.')
param acsResourceGroupName string = ''

@description('Name of the diagnostic setting created on the Communication Services resource.')
param acsDiagnosticSettingName string = 'acs-logs-to-storage'

// ---------------------------------------------------------------------------------------------
// Names and derived values
// ---------------------------------------------------------------------------------------------

var effectiveLocation = empty(location) ? resourceGroup().location : location
var resourceToken = toLower(uniqueString(subscription().id, resourceGroup().id, baseName))
var cleanBaseName = toLower(replace(baseName, '-', ''))
var storageSuffix = environment().suffixes.storage

var effectiveFunctionAppName = empty(functionAppName) ? 'func-${cleanBaseName}-${resourceToken}' : functionAppName
var effectiveAppStorageAccountName = empty(appStorageAccountName) ? take('st${cleanBaseName}${resourceToken}', 24) : appStorageAccountName
var deploymentContainerName = 'app-package-${resourceToken}'

var createLogsStorage = empty(existingLogsStorageAccountName)
var logsStorageAccountName = createLogsStorage ? take('stlogs${resourceToken}', 24) : existingLogsStorageAccountName
var logsStorageSubscriptionId = (createLogsStorage || empty(existingLogsStorageSubscriptionId)) ? subscription().subscriptionId : existingLogsStorageSubscriptionId
var logsStorageResourceGroupName = (createLogsStorage || empty(existingLogsStorageResourceGroupName)) ? resourceGroup().name : existingLogsStorageResourceGroupName
var logsStorageAccountId = resourceId(logsStorageSubscriptionId, logsStorageResourceGroupName, 'Microsoft.Storage/storageAccounts', logsStorageAccountName)
var logsSystemTopicName = empty(existingLogsSystemTopicName) ? 'evgt-${logsStorageAccountName}' : existingLogsSystemTopicName

var aggregatesOnLogs = aggregatesStorage == 'logs'
var aggregatesStorageAccountName = aggregatesOnLogs ? logsStorageAccountName : effectiveAppStorageAccountName

// Diagnostic-setting categories of Microsoft.Communication/communicationServices this app reads.
var acsBaseLogCategories = [
  'RoomsOperational'
  'CallRecordingSummary'
  'CallRecordingOperational'
  'Usage'
]
var acsCallLogCategories = [
  'CallSummary'
  'CallSummaryUpdates'
  'CallDiagnostics'
  'CallDiagnosticsUpdates'
]
var acsLogCategories = concat(acsBaseLogCategories, acsDiagnosticCallLogs ? acsCallLogCategories : [])

// Built-in role definition ids. Least privilege per scope:
// - logs account: read blobs only (the app gets properties, downloads ranges, lists containers).
// - app account: what the Functions runtime needs with identity-based AzureWebJobsStorage (blob:
//   deployment package, keys, leases; queue: the Event Grid blob trigger's queue and poison queue;
//   table: the host's diagnostic events), plus the aggregates when they live there.
// - aggregates account: create tables, read and write entities, batch transactions.
// - Application Insights: publish telemetry with Microsoft Entra ID.
// Storage Account Contributor (17d1049b-9a84-46fb-8f53-869881c3d3ab) is not assigned. Microsoft's
// docs list it, with Blob Data Owner and Queue Data Contributor, for a blob trigger on an
// identity-based AzureWebJobsStorage; only the polling blob trigger source needs it, and this
// deployment uses the Event Grid source (ACS_LOGS_TRIGGER_SOURCE=EventGrid) only. A Premium plan
// with the polling source (LogsAndContainerScan) must add it. Not yet verified in a subscription.
var roles = {
  storageBlobDataReader: '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1' // Storage Blob Data Reader
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // Storage Blob Data Owner
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88' // Storage Queue Data Contributor
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // Storage Table Data Contributor
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb' // Monitoring Metrics Publisher
}

// ---------------------------------------------------------------------------------------------
// Identity, storage, monitoring
// ---------------------------------------------------------------------------------------------

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-${cleanBaseName}-${resourceToken}'
  location: effectiveLocation
  tags: tags
}

module appStorage 'core/storage/storage-account.bicep' = {
  name: 'app-storage-${resourceToken}'
  params: {
    name: effectiveAppStorageAccountName
    location: effectiveLocation
    tags: tags
    allowSharedKeyAccess: false
    containerNames: [
      deploymentContainerName
    ]
  }
}

module logsStorage 'core/storage/storage-account.bicep' = if (createLogsStorage) {
  name: 'logs-storage-${resourceToken}'
  params: {
    name: logsStorageAccountName
    location: effectiveLocation
    tags: tags
    allowSharedKeyAccess: newLogsStorageAllowSharedKeyAccess
    containerNames: []
  }
}

module monitoring 'core/monitor/monitoring.bicep' = {
  name: 'monitoring-${resourceToken}'
  params: {
    logAnalyticsName: 'log-${cleanBaseName}-${resourceToken}'
    applicationInsightsName: 'appi-${cleanBaseName}-${resourceToken}'
    location: effectiveLocation
    tags: tags
    retentionInDays: logAnalyticsRetentionInDays
    publisherPrincipalId: identity.properties.principalId
    publisherRoleDefinitionId: roles.monitoringMetricsPublisher
  }
}

// ---------------------------------------------------------------------------------------------
// Role assignments of the app's identity
// ---------------------------------------------------------------------------------------------

module appStorageRoles 'core/security/storage-role-assignments.bicep' = {
  name: 'app-storage-roles-${resourceToken}'
  params: {
    storageAccountName: effectiveAppStorageAccountName
    principalId: identity.properties.principalId
    roleDefinitionIds: [
      roles.storageBlobDataOwner
      roles.storageQueueDataContributor
      roles.storageTableDataContributor
    ]
  }
  dependsOn: [
    appStorage
  ]
}

module logsStorageRoles 'core/security/storage-role-assignments.bicep' = {
  name: 'logs-storage-roles-${resourceToken}'
  scope: resourceGroup(logsStorageSubscriptionId, logsStorageResourceGroupName)
  params: {
    storageAccountName: logsStorageAccountName
    principalId: identity.properties.principalId
    roleDefinitionIds: [
      roles.storageBlobDataReader
    ]
  }
  dependsOn: [
    logsStorage
  ]
}

module logsAggregatesRoles 'core/security/storage-role-assignments.bicep' = if (aggregatesOnLogs) {
  name: 'logs-aggregates-roles-${resourceToken}'
  scope: resourceGroup(logsStorageSubscriptionId, logsStorageResourceGroupName)
  params: {
    storageAccountName: logsStorageAccountName
    principalId: identity.properties.principalId
    roleDefinitionIds: [
      roles.storageTableDataContributor
    ]
  }
  dependsOn: [
    logsStorage
  ]
}

// ---------------------------------------------------------------------------------------------
// Function app
// ---------------------------------------------------------------------------------------------

module functionApp 'app/function-app.bicep' = {
  name: 'function-app-${resourceToken}'
  params: {
    name: effectiveFunctionAppName
    planName: 'plan-${cleanBaseName}-${resourceToken}'
    location: effectiveLocation
    tags: tags
    identityId: identity.id
    identityClientId: identity.properties.clientId
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    appStorageAccountName: effectiveAppStorageAccountName
    deploymentContainerName: deploymentContainerName
    logsStorageAccountName: logsStorageAccountName
    aggregatesStorageAccountName: aggregatesStorageAccountName
    nodeVersion: nodeVersion
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    containerRoomsOperational: logsContainerRoomsOperational
    containerCallRecordingSummary: logsContainerCallRecordingSummary
    containerCallRecordingOperational: logsContainerCallRecordingOperational
    containerUsage: logsContainerUsage
    containerCallSummary: logsContainerCallSummary
    containerCallSummaryUpdates: logsContainerCallSummaryUpdates
    containerCallDiagnostics: logsContainerCallDiagnostics
    containerCallDiagnosticsUpdates: logsContainerCallDiagnosticsUpdates
    tablePrefix: tablePrefix
    tailSchedule: tailSchedule
    sweepIntervalMinutes: sweepIntervalMinutes
    sealAfterMinutes: sealAfterMinutes
    maxLineBytes: maxLineBytes
    fileConcurrency: fileConcurrency
    earliestRecordTime: earliestRecordTime
    maxFutureHours: maxFutureHours
  }
  // The identity can reach every account before the host first starts.
  dependsOn: [
    appStorage
    appStorageRoles
    logsStorageRoles
    logsAggregatesRoles
  ]
}

// ---------------------------------------------------------------------------------------------
// Event Grid: the system topic on the logs account (the subscriptions come in step 3)
// ---------------------------------------------------------------------------------------------

// The logs account's region is known only at deployment time (it may be an existing account): a
// module parameter may take it then, a resource's location may not.
resource logsAccountForRegion 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: logsStorageAccountName
  scope: resourceGroup(logsStorageSubscriptionId, logsStorageResourceGroupName)
}

module logsSystemTopic 'app/logs-system-topic.bicep' = {
  name: 'logs-system-topic-${resourceToken}'
  scope: resourceGroup(logsStorageSubscriptionId, logsStorageResourceGroupName)
  params: {
    storageAccountName: logsStorageAccountName
    systemTopicName: logsSystemTopicName
    location: logsAccountForRegion.location
    createSystemTopic: empty(existingLogsSystemTopicName)
    tags: tags
  }
  dependsOn: [
    logsStorage
  ]
}

// ---------------------------------------------------------------------------------------------
// Optional: the ACS diagnostic setting that archives the logs to the logs account
// ---------------------------------------------------------------------------------------------

module acsDiagnosticSetting 'app/acs-diagnostic-setting.bicep' = if (!empty(acsResourceName)) {
  name: 'acs-diagnostic-setting-${resourceToken}'
  scope: resourceGroup(empty(acsResourceGroupName) ? resourceGroup().name : acsResourceGroupName)
  params: {
    communicationServiceName: acsResourceName
    diagnosticSettingName: acsDiagnosticSettingName
    storageAccountId: logsStorageAccountId
    categories: acsLogCategories
  }
  dependsOn: [
    logsStorage
  ]
}

// ---------------------------------------------------------------------------------------------
// Outputs (upper case, so azd turns them into environment variables for scripts/post-deploy.sh)
// ---------------------------------------------------------------------------------------------

@description('Name of the function app.')
output FUNCTION_APP_NAME string = functionApp.outputs.name

@description('Table Storage endpoint that holds the aggregates.')
output AGGREGATES_TABLE_ENDPOINT string = 'https://${aggregatesStorageAccountName}.table.${storageSuffix}/'

@description('Base URL of the query API (function-level keys: append ?code=<key>).')
output QUERY_API_BASE_URL string = 'https://${functionApp.outputs.defaultHostName}/api'

@description('Resource group of the function app.')
output RESOURCE_GROUP string = resourceGroup().name

@description('Name of the function app\'s own storage account.')
output APP_STORAGE_ACCOUNT_NAME string = effectiveAppStorageAccountName

@description('Name of the storage account that holds the aggregates.')
output AGGREGATES_STORAGE_ACCOUNT_NAME string = aggregatesStorageAccountName

@description('Name of the logs storage account.')
output LOGS_STORAGE_ACCOUNT_NAME string = logsStorageAccountName

@description('Resource group of the logs storage account (and of its Event Grid system topic).')
output LOGS_STORAGE_RESOURCE_GROUP string = logsStorageResourceGroupName

@description('Subscription id of the logs storage account.')
output LOGS_STORAGE_SUBSCRIPTION_ID string = logsStorageSubscriptionId

@description('Name of the Event Grid system topic of the logs storage account.')
output LOGS_SYSTEM_TOPIC_NAME string = logsSystemTopicName

@description('Name of the Application Insights component.')
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
