// Optional: the diagnostic setting of an existing Azure Communication Services resource that archives
// the log categories this app reads to the logs storage account. Deploy into the ACS resource's
// resource group. ACS is a global resource, so the storage account may be in any region.

@description('Name of the existing Communication Services resource (in this module\'s resource group).')
param communicationServiceName string

@description('Name of the diagnostic setting.')
param diagnosticSettingName string

@description('Resource id of the storage account the logs are archived to.')
param storageAccountId string

@description('Diagnostic log categories to archive.')
param categories array

resource communicationService 'Microsoft.Communication/communicationServices@2023-04-01' existing = {
  name: communicationServiceName
}

resource diagnosticSetting 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: diagnosticSettingName
  scope: communicationService
  properties: {
    storageAccountId: storageAccountId
    logs: [
      for category in categories: {
        category: category
        enabled: true
      }
    ]
  }
}

@description('Resource id of the diagnostic setting.')
output id string = diagnosticSetting.id
