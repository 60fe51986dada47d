/**
 * Loaded with `node --import` into the embedded Azurite process (see azuritePreload.ts). Azurite
 * loads, as it starts, two module trees this product never uses: the SQL blob server (Sequelize:
 * used only when `AZURITE_DB` names a database) and Application Insights (its telemetry, which the
 * product turns off; loading it also hooks every later `require`). Together they are about 0.6 s
 * of Azurite's 1.3 s start-up, paid by every command that starts the embedded store. Each now loads
 * the first time Azurite touches it: an Azurite that does use them gets the real modules. An Azurite
 * whose modules are laid out otherwise is left as it is.
 */
import { createRequire } from 'node:module';
import path from 'node:path';

/** Modules Azurite requires as it starts and touches only when configured to use them. */
const DEFERRED: readonly { from: string; module: string; esModule: boolean }[] = [
  { from: 'blob/BlobServerFactory.js', module: './SqlBlobServer', esModule: true },
  { from: 'common/Telemetry.js', module: 'applicationinsights', esModule: false },
];

/** Puts each deferred module in Node's module cache as a stand-in that loads the real one on first use; returns their paths. */
export function installLazyModules(azuriteEntry: string): string[] {
  const deferred: string[] = [];
  const root = path.dirname(azuriteEntry);
  for (const { from, module, esModule } of DEFERRED) {
    const require = createRequire(path.join(root, from));
    let resolved: string;
    try {
      resolved = require.resolve(module);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') continue;
      throw error;
    }
    if (require.cache[resolved] !== undefined) continue;
    require.cache[resolved] = standIn(require, resolved, esModule);
    deferred.push(resolved);
  }
  return deferred;
}

/** A cached module whose exports load the real module (replacing the stand-in in the cache) on first use. */
function standIn(require: NodeJS.Require, resolved: string, esModule: boolean): NodeJS.Module {
  let real: object | undefined;
  const load = (): object => {
    if (real === undefined) {
      delete require.cache[resolved];
      real = require(resolved) as object;
    }
    return real;
  };
  const exports = new Proxy(
    {},
    {
      // TypeScript's interop asks whether a module is an ES module before it uses it: answered without loading.
      get: (_target, key): unknown => (key === '__esModule' && real === undefined && esModule ? true : (Reflect.get(load(), key) as unknown)),
      has: (_target, key) => Reflect.has(load(), key),
      ownKeys: () => Reflect.ownKeys(load()),
      getOwnPropertyDescriptor: (_target, key) => {
        const descriptor = Reflect.getOwnPropertyDescriptor(load(), key);
        // A proxy may not report a property as non-configurable that its empty target lacks.
        return descriptor === undefined ? undefined : { ...descriptor, configurable: true };
      },
    },
  );
  return { id: resolved, filename: resolved, loaded: true, exports, children: [], paths: [], path: path.dirname(resolved) } as unknown as NodeJS.Module;
}
