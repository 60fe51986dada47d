import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import type { BlobConnection } from './BlobLogSource.js';
import { ConfigurationError } from './errors.js';
import type { TableConnection } from './TableStore.js';

type Service = 'blob' | 'table';

/**
 * Resolves a connection name the way the Functions host does: `<Name>` holds a connection string,
 * or `<Name>__<service>ServiceUri` / `<Name>__serviceUri` / `<Name>__accountName` name the endpoint
 * and the app's managed identity (`__credential=managedidentity`, `__clientId`) signs in.
 */
export function resolveConnection(name: string, service: 'blob', env?: NodeJS.ProcessEnv): BlobConnection;
export function resolveConnection(name: string, service: 'table', env?: NodeJS.ProcessEnv): TableConnection;
export function resolveConnection(name: string, service: Service, env: NodeJS.ProcessEnv = process.env): BlobConnection | TableConnection {
  const connectionString = env[name];
  if (connectionString) {
    checkConnectionString(name, connectionString);
    return { kind: 'connectionString', connectionString };
  }
  const endpoint =
    env[`${name}__${service}ServiceUri`] ??
    env[`${name}__serviceUri`] ??
    (env[`${name}__accountName`] ? `https://${env[`${name}__accountName`]}.${service}.core.windows.net` : undefined);
  if (!endpoint) {
    throw new Error(`connection "${name}" is not configured: set ${name} or ${name}__${service}ServiceUri`);
  }
  return { kind: 'identity', endpoint, credential: credentialFor(name, env) };
}

function credentialFor(name: string, env: NodeJS.ProcessEnv): TokenCredential {
  const clientId = env[`${name}__clientId`];
  if ((env[`${name}__credential`] ?? '').toLowerCase() === 'managedidentity') {
    return clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential();
  }
  return new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {});
}

/** Keys of which a storage connection string has at least one (the SDKs fail on anything else with "Invalid URL"). */
const CONNECTION_KEYS = /(?:^|;)\s*(?:AccountName|BlobEndpoint|TableEndpoint|UseDevelopmentStorage)\s*=/i;

/** A setting that is not a connection string, named without its value (which may hold a key). */
function checkConnectionString(name: string, value: string): void {
  if (!CONNECTION_KEYS.test(value)) {
    throw new ConfigurationError(
      `setting ${name} is not a storage connection string: expected AccountName=...;AccountKey=... (or BlobEndpoint=/TableEndpoint=, or UseDevelopmentStorage=true); ` +
        `for a managed identity, remove ${name} and set ${name}__serviceUri or ${name}__accountName`,
    );
  }
}
