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
  override readonly name = 'ConfigurationError';
}

const TRANSIENT_SOCKET_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENETUNREACH',
  'ENETDOWN', 'EHOSTUNREACH', 'EHOSTDOWN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'REQUEST_SEND_ERROR', 'PARSE_ERROR',
]);
const TRANSIENT_STATUSES = new Set([408, 429, 500, 502, 503, 504]);
const CREDENTIAL_ERRORS = new Set(['CredentialUnavailableError', 'AuthenticationRequiredError', 'AuthenticationError']);

export function classifyError(error: unknown): ClassifiedError {
  const { name, message, code, statusCode } = describe(error);
  const serviceCode = code ?? codeInBody(message);
  const serviceMessage = messageInBody(message) ?? firstLine(message);
  if (error instanceof ConfigurationError) return { kind: 'configuration', code: 'configuration', message: firstLine(message) };
  if (CREDENTIAL_ERRORS.has(name)) {
    return { kind: 'configuration', code: name, message: `no credential for storage (${name}): ${firstLine(message)}` };
  }
  if (statusCode === 401 || statusCode === 403) {
    const what = serviceCode ?? String(statusCode);
    return { kind: 'configuration', code: what, message: `storage refused the credentials (${statusCode} ${what}): check the account key, SAS or the identity's roles` };
  }
  if (code === 'ENOTFOUND') {
    return { kind: 'configuration', code, message: `storage host not found (${firstLine(message)}): check the account name or endpoint in the connection string` };
  }
  if (statusCode === 400 && /resource name|InvalidResourceName|InvalidTableName/i.test(message)) {
    return { kind: 'configuration', code: serviceCode ?? 'InvalidResourceName', message: `storage refused a table or container name (${serviceMessage}): check the table prefix and container names` };
  }
  if ((code !== undefined && TRANSIENT_SOCKET_CODES.has(code)) || name === 'AbortError' || name === 'TimeoutError'
    || (statusCode !== undefined && TRANSIENT_STATUSES.has(statusCode))) {
    const what = code ?? (statusCode !== undefined ? String(statusCode) : name);
    return { kind: 'transient', code: what, message: `storage unavailable (${what}: ${serviceMessage})` };
  }
  const what = serviceCode ?? (statusCode !== undefined ? String(statusCode) : name || 'Error');
  return { kind: 'failure', code: what, message: statusCode !== undefined ? `${statusCode} ${what}: ${serviceMessage}` : serviceMessage };
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
  const fields = error as Error & { code?: unknown; statusCode?: unknown; cause?: unknown };
  let code = typeof fields.code === 'string' && fields.code !== '' ? fields.code : undefined;
  // A fetch-style error keeps the socket's code on its cause.
  if (code === undefined && fields.cause instanceof Error && typeof (fields.cause as { code?: unknown }).code === 'string') {
    code = (fields.cause as unknown as { code: string }).code;
  }
  return { name: error.name, message: error.message, code, statusCode: typeof fields.statusCode === 'number' ? fields.statusCode : undefined };
}

/** Table storage puts its error code in the body (XML or JSON) and leaves `code` empty. */
function codeInBody(message: string): string | undefined {
  const found = /<Code>([^<]+)<\/Code>/.exec(message) ?? /"code"\s*:\s*"([^"]+)"/.exec(message);
  return found?.[1];
}

function messageInBody(message: string): string | undefined {
  const found = /<Message>([^<]+)<\/Message>/.exec(message) ?? /"value"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(message);
  if (!found?.[1]) return undefined;
  return firstLine(found[1].replace(/\\n/g, '\n'));
}

function firstLine(text: string): string {
  const line = (text.split('\n')[0] ?? text).trim();
  return line.length > 300 ? line.slice(0, 299) + '…' : line;
}

/** Table names are 3-63 letters and digits, starting with a letter; the prefix leaves room for the longest name. */
export const TABLE_PREFIX = /^[A-Za-z][A-Za-z0-9]{0,29}$/;

export function checkTablePrefix(prefix: string): void {
  if (!TABLE_PREFIX.test(prefix)) {
    throw new ConfigurationError(`invalid table prefix "${prefix}": use 1 to 30 letters and digits, starting with a letter`);
  }
}
