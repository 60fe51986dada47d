// The function app's app settings, merged into the ones it already has: a setting added outside this
// template (in the portal, by azd or by the platform) survives a redeployment, and every setting
// this template owns takes the template's value. A separate module, because reading the current
// settings (list) and writing them in one resource would make ARM see a circular dependency.

@description('Name of the existing function app (in this module\'s resource group).')
param siteName string

@description('The app settings the function app has now (list of its config/appsettings). Secure: they may hold secrets added outside this template.')
@secure()
param currentAppSettings object

@description('The app settings this template owns; they win over the current ones.')
param appSettings object

resource site 'Microsoft.Web/sites@2024-04-01' existing = {
  name: siteName
}

resource siteAppSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: union(currentAppSettings, appSettings)
}
