import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import type { BlobConnection } from './BlobLogSource.js';
import { connectionStringProblem, missingServiceEndpoint } from './connectionString.js';
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
    // A SAS string without this service's endpoint failed every invocation with the SDK's "Invalid URL" or "Invalid TableEndpoint", naming no setting.
    const missing = missingServiceEndpoint(connectionString, [service]);
    if (missing !== undefined) throw new ConfigurationError(`setting ${name} is not a usable storage connection string: ${missing}`);
    return { kind: 'connectionString', connectionString };
  }
  const endpoint = endpointOf(name, service, env);
  if (!endpoint) {
    throw new ConfigurationError(`connection "${name}" is not configured: set ${name} or ${name}__${service}ServiceUri`);
  }
  return { kind: 'identity', endpoint, credential: credentialFor(name, env) };
}

/** The endpoint the settings name, checked: a bad one fails every request with "Invalid URL", naming nothing. */
function endpointOf(name: string, service: Service, env: NodeJS.ProcessEnv): string | undefined {
  for (const setting of [`${name}__${service}ServiceUri`, `${name}__serviceUri`]) {
    const value = env[setting];
    if (value === undefined) continue;
    if (!isServiceUri(value)) {
      // The SDKs refuse to send a token over http, on every request and without naming the setting.
      const why = /^\s*http:/i.test(value) ? ": a managed identity's token is sent over https only" : '';
      throw new ConfigurationError(
        `setting ${setting} must be the ${service} service's URL, such as https://<account>.${service}.core.windows.net, got "${value}"${why}`,
      );
    }
    // Another service's endpoint (a blob URL in AggregatesStorage__serviceUri) failed every request with that service's answer, naming no setting.
    const other = otherServiceOf(value, service);
    if (other !== undefined) {
      throw new ConfigurationError(
        `setting ${setting} must be the ${service} service's URL, such as https://<account>.${service}.core.windows.net, got "${value}": that is the ${other} service's`,
      );
    }
    return value;
  }
  const account = env[`${name}__accountName`];
  if (account === undefined || account === '') return undefined;
  if (!/^[a-z0-9]{3,24}$/.test(account)) {
    throw new ConfigurationError(`setting ${name}__accountName must be a storage account name (3 to 24 lower-case letters and digits), got "${account}"`);
  }
  return `https://${account}.${service}.core.windows.net`;
}

/** The other storage service an account endpoint (`<account>.<service>.<suffix>`) names, if it names one. */
function otherServiceOf(value: string, service: Service): string | undefined {
  const label = new URL(value).hostname.toLowerCase().split('.')[1];
  const others = service === 'blob' ? ['table', 'queue', 'file'] : ['blob', 'queue', 'file', 'dfs'];
  return label !== undefined && others.includes(label) ? label : undefined;
}

function isServiceUri(value: string): boolean {
  if (/\s/.test(value)) return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && url.hostname !== '';
  } catch {
    return false;
  }
}

function credentialFor(name: string, env: NodeJS.ProcessEnv): TokenCredential {
  const clientId = env[`${name}__clientId`];
  const credential = env[`${name}__credential`];
  if (credential !== undefined && credential !== '' && credential.toLowerCase() !== 'managedidentity') {
    // The Functions host knows this one value; anything else would sign in some other way without a word.
    throw new ConfigurationError(`setting ${name}__credential must be managedidentity (or left out), got "${credential}"`);
  }
  if (credential?.toLowerCase() === 'managedidentity') {
    return clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential();
  }
  return new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {});
}

/** A setting that is not a usable connection string, named without its value (which may hold a key). */
function checkConnectionString(name: string, value: string): void {
  const problem = connectionStringProblem(value);
  if (problem?.code === 'none') {
    throw new ConfigurationError(
      `setting ${name} is not a storage connection string: ${problem.reason}; for a managed identity, remove ${name} and set ${name}__serviceUri or ${name}__accountName`,
    );
  }
  if (problem) throw new ConfigurationError(`setting ${name} is not a usable storage connection string: ${problem.reason}`);
}
