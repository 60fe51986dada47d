import type { Logger } from '../logging.js';

/** The subset of the Functions InvocationContext used for logging (kept SDK-free for tests). */
export interface LogSink {
  log(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

/** Logs one line per event: a fixed message and a JSON object of fields (queryable in App Insights). */
export function loggerFor(sink: LogSink): Logger {
  return {
    info: (message, fields) => sink.log(message, JSON.stringify(fields ?? {})),
    warn: (message, fields) => sink.warn(message, JSON.stringify(fields ?? {})),
    error: (message, fields) => sink.error(message, JSON.stringify(fields ?? {})),
  };
}
