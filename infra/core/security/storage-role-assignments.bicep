// Grants built-in data roles on one storage account to one principal. Deploy this module into the
// storage account's resource group (module scope). The role definition ids come from the caller,
// where each one is named in a comment.

@description('Name of an existing storage account in this module\'s resource group.')
param storageAccountName string

@description('Object (principal) id of the managed identity that receives the roles.')
param principalId string

@description('Built-in role definition ids (GUIDs) to assign at the storage account scope.')
param roleDefinitionIds array

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource assignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleDefinitionId in roleDefinitionIds: {
    name: guid(account.id, principalId, roleDefinitionId)
    scope: account
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionId)
      principalId: principalId
      principalType: 'ServicePrincipal'
    }
  }
]
