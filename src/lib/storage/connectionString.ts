/** What every storage connection string has: key=value pairs naming an account or endpoint. */
const CONNECTION_KEYS = /(^|;)\s*(AccountName|BlobEndpoint|TableEndpoint|UseDevelopmentStorage)\s*=/i;

/** Why a value cannot be a storage connection string at all. */
export const NOT_A_CONNECTION_STRING =
  'expected AccountName=...;AccountKey=... with endpoints, a SAS with BlobEndpoint/TableEndpoint, or UseDevelopmentStorage=true';

/**
 * What is wrong with a storage connection string, in words that never quote it (it may hold a key):
 * `none` when it names no account or endpoint, `unusable` when the SDKs could not use it; undefined when sound.
 */
export function connectionStringProblem(value: string): { code: 'none' | 'unusable'; reason: string } | undefined {
  if (!CONNECTION_KEYS.test(value)) return { code: 'none', reason: NOT_A_CONNECTION_STRING };
  const missing = missingPart(value);
  return missing === undefined ? undefined : { code: 'unusable', reason: missing };
}

/** The value of `key` in a connection string ('' when absent), case aside, as the SDKs read it. */
function field(connectionString: string, key: string): string {
  for (const part of connectionString.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim().toLowerCase() === key.toLowerCase()) return part.slice(at + 1).trim();
  }
  return '';
}

/**
 * What a connection string lacks that every storage SDK needs, in words; undefined when it has it.
 * The SDKs read one with an AccountKey but no DefaultEndpointsProtocol as a SAS string, and said
 * "Invalid BlobEndpoint in the provided SAS Connection String" for a misspelt protocol key.
 */
function missingPart(connectionString: string): string | undefined {
  if (/^\s*UseDevelopmentStorage\s*=\s*true\s*(;|$)/i.test(connectionString)) return undefined;
  const has = (key: string): boolean => field(connectionString, key) !== '';
  const endpoints = has('BlobEndpoint') || has('TableEndpoint');
  const pathed = endpointWithPath(connectionString);
  if (pathed !== undefined) return pathed;
  if (has('AccountKey') && !has('SharedAccessSignature')) {
    if (!has('DefaultEndpointsProtocol')) return "it has an AccountKey but no DefaultEndpointsProtocol=https (copy it whole from the portal's Access keys)";
    if (!has('AccountName')) return 'it has an AccountKey but no AccountName';
    const protocol = field(connectionString, 'DefaultEndpointsProtocol').toLowerCase();
    if (!endpoints && protocol !== 'https' && protocol !== 'http') return `DefaultEndpointsProtocol must be https or http, got "${protocol}"`;
    if (!endpoints && !has('EndpointSuffix')) return 'it names no endpoint: add EndpointSuffix=core.windows.net (or BlobEndpoint= and TableEndpoint=)';
    return undefined;
  }
  if (!has('SharedAccessSignature')) return 'it has neither an AccountKey nor a SharedAccessSignature';
  // The portal shows a SAS token with its "?": the tables SDK then sends "??sv=...", refused (403) as a bad signature.
  if (field(connectionString, 'SharedAccessSignature').startsWith('?')) {
    return 'its SharedAccessSignature starts with "?": write the token without it (SharedAccessSignature=sv=...)';
  }
  if (!endpoints) return 'a SAS connection string needs BlobEndpoint= and TableEndpoint=';
  return undefined;
}

/**
 * An endpoint that names more than its account, in words: a container's SAS URL from the portal
 * (`https://acct.blob.core.windows.net/insights-logs-usage`) made every container of the account a
 * path inside that one, which "did not exist". A cloud endpoint names its account in its host, an
 * emulator's in its path's one segment.
 */
function endpointWithPath(connectionString: string): string | undefined {
  for (const key of ['BlobEndpoint', 'TableEndpoint']) {
    let url: URL;
    try {
      url = new URL(field(connectionString, key));
    } catch {
      continue;
    }
    const segments = url.pathname.split('/').filter((segment) => segment !== '');
    // Also a private endpoint's name (acct.privatelink.blob...) and a DNS zone endpoint's (acct.z12.blob.storage.azure.net).
    const accountInHost = /^[^.]+\.(privatelink\.|z\d+\.)?(blob|table|dfs)\./i.test(url.hostname);
    if (segments.length > (accountInHost ? 0 : 1)) {
      const account = accountInHost ? url.origin : `${url.origin}/${segments[0] ?? ''}`;
      return `its ${key} names a path after the account (${url.pathname}): give the account's endpoint, ${account}, without a container or table`;
    }
  }
  return undefined;
}

/**
 * What a connection string lacks for the services a command uses, in words; undefined when it has
 * each one's endpoint or can make it. A SAS names its endpoints one by one (nothing derives them from
 * an account name), and the SDKs otherwise fail at the first request with "Invalid TableEndpoint in
 * the provided SAS Connection String"; an account key string makes a missing one from its protocol and
 * EndpointSuffix, without which the SDKs said "Invalid EndpointSuffix", naming no endpoint.
 */
export function missingServiceEndpoint(value: string, services: readonly ('blob' | 'table')[]): string | undefined {
  const has = (key: string): boolean => field(value, key) !== '';
  const accountKey = has('AccountKey');
  if (!accountKey && !has('SharedAccessSignature')) return undefined;
  for (const service of services) {
    const key = service === 'blob' ? 'BlobEndpoint' : 'TableEndpoint';
    if (has(key)) continue;
    const what = service === 'blob' ? 'the log blobs' : 'the aggregate tables';
    if (!accountKey) return `a SAS connection string needs ${key}= for ${what}, and this one has none`;
    const protocol = field(value, 'DefaultEndpointsProtocol').toLowerCase();
    if (protocol !== 'https' && protocol !== 'http') {
      return `it has no ${key}= for ${what}, and DefaultEndpointsProtocol "${protocol}" cannot make one: add ${key}= or make the protocol https`;
    }
    if (!has('EndpointSuffix'))
      return `it has no ${key}= for ${what}, nor an EndpointSuffix to make one from: add ${key}= (or EndpointSuffix=core.windows.net)`;
  }
  return undefined;
}
