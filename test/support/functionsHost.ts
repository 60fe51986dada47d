import Module from 'node:module';

/** A function the app registered with the host: its name and its bindings, as the host would index them. */
export interface RegisteredFunction {
  name: string;
  bindings: Record<string, { type: string; direction: string } & Record<string, unknown>>;
}

/** A log line `@azure/functions` sends to the host (its own system log, not the app's). */
export interface SystemLog {
  level: string;
  category: string;
  message: string;
}

const registered: RegisteredFunction[] = [];
const systemLog: SystemLog[] = [];

/**
 * Stands in for `@azure/functions-core`, the module the Functions host's Node worker provides to
 * `@azure/functions` when it loads the app. Without it the package falls back to test mode and warns
 * on every registration; with it, tests see what the app registers.
 */
const core = {
  setProgrammingModel(): void {},
  registerFunction(metadata: RegisteredFunction): { dispose(): void } {
    registered.push(metadata);
    return { dispose: () => {} };
  },
  registerHook(): { dispose(): void } {
    return { dispose: () => {} };
  },
  // Kept in memory instead of printed (the package logs a JSON line per trigger binding it registers);
  // warnings and errors are still printed, so a real problem is not hidden.
  log(level: string, category: string, message: string): void {
    systemLog.push({ level, category, message });
    if (level === 'warning' || level === 'error' || level === 'critical') console.error(`@azure/functions ${level}: ${message}`);
  },
};

type Require = (this: NodeJS.Module, id: string) => unknown;
const proto = (Module as unknown as { prototype: { require: Require } }).prototype;
const original = proto.require;
// The worker provides the module the same way: by answering `require('@azure/functions-core')` itself.
proto.require = function require(this: NodeJS.Module, id: string): unknown {
  return id === '@azure/functions-core' ? core : original.call(this, id);
};

/** The functions registered so far in this test file's worker. */
export function registeredFunctions(): readonly RegisteredFunction[] {
  return registered;
}

/** What `@azure/functions` logged to the host so far in this test file's worker. */
export function systemLogs(): readonly SystemLog[] {
  return systemLog;
}
