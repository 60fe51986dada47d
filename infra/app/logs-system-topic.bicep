// The Event Grid system topic of the logs storage account. Deploy into the logs account's resource
// group. Azure allows one system topic per source: when the account already has one, pass its name
// and createSystemTopic = false, and this module creates nothing.

@description('Name of the logs storage account (in this module\'s resource group).')
param storageAccountName string

@description('Name of the system topic to create, or of the existing one.')
param systemTopicName string

@description('Create the system topic (false: it already exists).')
param createSystemTopic bool = true

@description('Region of the logs storage account: a system topic lives in the region of its source.')
param location string

@description('Tags applied to the system topic.')
param tags object = {}

resource logsAccount 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource systemTopic 'Microsoft.EventGrid/systemTopics@2022-06-15' = if (createSystemTopic) {
  name: systemTopicName
  location: location
  tags: tags
  properties: {
    source: logsAccount.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

@description('Name of the system topic.')
output systemTopicName string = systemTopicName
