import { STATUS_CODES } from 'node:http';
import { wholePairsPrefix } from './keys.js';

/**
 * What a failure means for a run, decided in one place:
 * - `configuration`: nothing will work until someone changes a setting (credentials refused, unknown
 *   account or host, an invalid table name). The run ends with a readable reason.
 * - `transient`: storage was unreachable or overloaded (refused or reset connections, timeouts, 5xx,
 *   429). Wait and try again.
 * - `failure`: this piece of work failed (a file, a write the service refused): record it, go on
 *   with the others, retry it later.
 */
export type ErrorKind = 'configuration' | 'transient' | 'failure';

export interface ClassifiedError {
  kind: ErrorKind;
  /** Short literal code: the service's error code, the socket error, or the error's name. */
  code: string;
  /** One line, readable without a stack trace. */
  message: string;
}

/** A setting that cannot work, found before any request was sent. */
export class ConfigurationError extends Error {
  override readonly name: string = 'ConfigurationError';
}

const TRANSIENT_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'REQUEST_SEND_ERROR',
  'PARSE_ERROR',
]);
const TRANSIENT_STATUSES = new Set([408, 429, 500, 502, 503, 504]);
/** Service codes of answers that pass with time: Azure answers 409 TableBeingDeleted until a deleted table is gone (Azurite removes it at once). */
const TRANSIENT_SERVICE_CODES = new Set(['TableBeingDeleted']);
/** The names of the identity library's errors: no credential could sign the request in. */
export const CREDENTIAL_ERRORS: ReadonlySet<string> = new Set(['CredentialUnavailableError', 'AuthenticationRequiredError', 'AuthenticationError']);

export function classifyError(error: unknown): ClassifiedError {
  const { name, message, code, statusCode } = describe(error);
  const serviceCode = code ?? codeInBody(message);
  // An answer without a body (a 431 from a gateway, an empty 404) still reads: its HTTP reason phrase.
  const reason = statusCode !== undefined ? STATUS_CODES[statusCode] : undefined;
  const serviceMessage = messageInBody(message) ?? (firstLine(message) || reason || '');
  const place = placeOf(error);
  const at = place ? ` (${place})` : '';
  if (error instanceof ConfigurationError) return { kind: 'configuration', code: 'configuration', message: firstLine(message) };
  if (CREDENTIAL_ERRORS.has(name)) {
    return { kind: 'configuration', code: name, message: `no credential for storage (${name}): ${firstLine(message)}` };
  }
  if (statusCode === 401 || statusCode === 403) {
    const what = serviceCode ?? String(statusCode);
    // Storage says only that it "failed to authenticate the request", which sends the reader to a SAS that is right but old.
    const { start, expiry } = sasPeriod(error);
    const advice =
      expiry !== undefined && expiry <= Date.now()
        ? `the SAS expired at ${new Date(expiry).toISOString()}: make a new one`
        : start !== undefined && start > Date.now()
          ? `the SAS is valid only from ${new Date(start).toISOString()}: wait, or make one that starts earlier`
          : "check the account key, SAS or the identity's roles";
    return {
      kind: 'configuration',
      code: what,
      message: `storage refused the credentials (${statusCode} ${what}: ${serviceMessage})${at}: ${advice}`,
    };
  }
  if (code === 'ENOTFOUND') {
    return {
      kind: 'configuration',
      code,
      message: `storage host not found (${firstLine(message)}): check the account name or endpoint in the connection string`,
    };
  }
  // Neither passes with time: an https endpoint that serves plain http (an emulator), or http to an account that takes https only.
  if (serviceCode === 'EPROTO' || serviceCode === 'AccountRequiresHttps') {
    const status = statusCode !== undefined ? `${statusCode} ` : '';
    return {
      kind: 'configuration',
      code: serviceCode,
      message: `storage refused the protocol (${status}${serviceCode}: ${serviceMessage})${at}: check https or http in the connection string's DefaultEndpointsProtocol and endpoints`,
    };
  }
  if (statusCode === 400 && /resource name|InvalidResourceName|InvalidTableName/i.test(message)) {
    return {
      kind: 'configuration',
      code: serviceCode ?? 'InvalidResourceName',
      message: `storage refused a table or container name (${statusCode} ${serviceCode ?? 'InvalidResourceName'}: ${serviceMessage})${at}: check the table prefix and container names`,
    };
  }
  if (
    (code !== undefined && TRANSIENT_SOCKET_CODES.has(code)) ||
    name === 'AbortError' ||
    name === 'TimeoutError' ||
    (statusCode !== undefined && TRANSIENT_STATUSES.has(statusCode)) ||
    (serviceCode !== undefined && TRANSIENT_SERVICE_CODES.has(serviceCode))
  ) {
    const what =
      code ?? (serviceCode !== undefined && TRANSIENT_SERVICE_CODES.has(serviceCode) ? serviceCode : statusCode !== undefined ? String(statusCode) : name);
    const status = statusCode !== undefined && what !== String(statusCode) ? `${statusCode} ` : '';
    return { kind: 'transient', code: what, message: `storage unavailable (${status}${what}: ${serviceMessage})${at}` };
  }
  const what = serviceCode ?? (statusCode !== undefined ? String(statusCode) : name || 'Error');
  if (statusCode === undefined) return { kind: 'failure', code: what, message: serviceMessage + at };
  const said = serviceCode === undefined ? serviceMessage : `${serviceCode}: ${serviceMessage}`;
  return { kind: 'failure', code: what, message: `${statusCode} ${said}${at}` };
}

/** Names the table a failed request was for, when its URL does not (creating a table posts to `/Tables`). */
export function withTable<T>(error: T, table: string): T {
  if (error instanceof Error && !('table' in error)) Object.defineProperty(error, 'table', { value: table, enumerable: false });
  return error;
}

/**
 * The account and the table or container a failed request was for, from its URL (never its query,
 * which may hold a SAS): `account contoso, table AcsRooms`.
 */
function placeOf(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const fields = error as Error & { request?: { url?: unknown; headers?: { get?: (name: string) => string | undefined } }; table?: unknown };
  const table = typeof fields.table === 'string' ? fields.table : undefined;
  let url: URL | undefined;
  try {
    url = typeof fields.request?.url === 'string' ? new URL(fields.request.url) : undefined;
  } catch {
    url = undefined;
  }
  if (!url) return table ? `table ${table}` : undefined;
  const segments = url.pathname
    .split('/')
    .filter((segment) => segment !== '')
    .map(safeDecode);
  // Azure names the account in the host (contoso.table.core.windows.net); Azurite and other emulators in the path.
  const cloud = /^([^.]+)\.(blob|table|dfs|queue)\./i.exec(url.hostname);
  const account = cloud ? cloud[1] : segments.shift();
  const first = segments[0];
  // An emulator's URL names no service: adding an entity posts to the bare table name, told by the Table protocol's header.
  const tableProtocol = typeof fields.request?.headers?.get === 'function' && fields.request.headers.get('DataServiceVersion') !== undefined;
  const isTable = cloud?.[2]?.toLowerCase() === 'table' || tableProtocol || (first !== undefined && /\(|^Tables$|^\$batch/.test(first));
  const parts = account ? [`account ${account}`] : [`host ${url.host}`];
  const named = first?.replace(/\(.*$/, '');
  if (table) parts.push(`table ${table}`);
  else if (named && named !== 'Tables' && named !== '$batch') parts.push(`${isTable ? 'table' : 'container'} ${named}`);
  return parts.join(', ');
}

/** When the SAS a failed request carried starts and expires (its `st` and `se`), in ms; each undefined without a SAS or a readable time. */
function sasPeriod(error: unknown): { start?: number; expiry?: number } {
  const url = (error as { request?: { url?: unknown } } | undefined)?.request?.url;
  if (typeof url !== 'string') return {};
  let query: URLSearchParams;
  try {
    query = new URL(url).searchParams;
  } catch {
    return {};
  }
  if (query.get('sig') === null) return {};
  const time = (name: string): number | undefined => {
    const ms = Date.parse(query.get(name) ?? '');
    return Number.isNaN(ms) ? undefined : ms;
  };
  return { start: time('st'), expiry: time('se') };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

interface Described {
  name: string;
  message: string;
  code?: string;
  statusCode?: number;
}

/** Reads the fields the SDKs' RestError and Node's socket errors carry, without depending on their classes. */
function describe(error: unknown): Described {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const fields = error as Error & {
    code?: unknown;
    statusCode?: unknown;
    cause?: unknown;
    response?: { headers?: { get?: (name: string) => string | undefined } };
  };
  let code = typeof fields.code === 'string' && fields.code !== '' ? fields.code : undefined;
  // An answer to HEAD (a blob's properties) has no body: the service's code is in its x-ms-error-code header only.
  if (code === undefined && typeof fields.response?.headers?.get === 'function') {
    const header = fields.response.headers.get('x-ms-error-code');
    if (header !== undefined && header !== '') code = header;
  }
  // A fetch-style error keeps the socket's code on its cause.
  if (code === undefined && fields.cause instanceof Error && typeof (fields.cause as { code?: unknown }).code === 'string') {
    code = (fields.cause as unknown as { code: string }).code;
  }
  return { name: error.name, message: error.message, code, statusCode: typeof fields.statusCode === 'number' ? fields.statusCode : undefined };
}

/** Table storage puts its error code in the body (XML or JSON) and leaves `code` empty. */
export function codeInBody(message: string): string | undefined {
  const found = /<Code>([^<]+)<\/Code>/.exec(message) ?? /"code"\s*:\s*"([^"]+)"/.exec(message);
  return found?.[1];
}

/** The first line of the message in an error body (XML or JSON). */
export function messageInBody(message: string): string | undefined {
  const found = /<Message>([^<]+)<\/Message>/.exec(message) ?? /"value"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(message);
  if (!found?.[1]) return undefined;
  return firstLine(found[1].replace(/\\n/g, '\n'));
}

/** Longest first line kept whole: two long paths or keys (a file's and a row's) and what went wrong fit. */
const LINE_CHARS = 1000;

/** A longer line keeps its start and its end: a stored row's error names the row first and what is wrong with it last. */
function firstLine(text: string): string {
  const line = (text.split('\n')[0] ?? text).trim();
  if (line.length <= LINE_CHARS) return line;
  const end = line.slice(-600);
  const lowSurrogate = end.charCodeAt(0) >= 0xdc00 && end.charCodeAt(0) <= 0xdfff;
  return wholePairsPrefix(line, LINE_CHARS - 601) + '…' + (lowSurrogate ? end.slice(1) : end);
}

/** Table names are 3-63 letters and digits, starting with a letter; the prefix leaves room for the longest name. */
export const TABLE_PREFIX = /^[A-Za-z][A-Za-z0-9]{0,29}$/;

export function checkTablePrefix(prefix: string): void {
  if (!TABLE_PREFIX.test(prefix)) {
    throw new ConfigurationError(`invalid table prefix "${prefix}": use 1 to 30 letters and digits, starting with a letter`);
  }
}
