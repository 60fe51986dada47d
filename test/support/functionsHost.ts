import Module from 'node:module';

/** A function the app registered with the host: its name and its bindings, as the host would index them. */
export interface RegisteredFunction {
  name: string;
  bindings: Record<string, { type: string; direction: string } & Record<string, unknown>>;
}

const registered: RegisteredFunction[] = [];

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
  log(): void {},
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
