import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compiledModule, resolveAzuriteEntry } from '../../src/lib/storage/azurite.js';

interface Loaded {
  deferred: string[];
  /** Whether any module of these packages was loaded, after each step. */
  atStart: { sequelize: boolean; applicationinsights: boolean };
  afterAzuriteLoads: { sequelize: boolean; applicationinsights: boolean };
  afterUse: { sequelize: boolean; applicationinsights: boolean };
  sqlServerIsClass: boolean;
  sameExportsAfterUse: boolean;
  setupIsFunction: boolean;
}

/** Runs Azurite's start-up imports in a fresh process with the stand-ins installed, then uses the deferred modules. */
function loadInChild(): Loaded {
  const script = `
    import { createRequire } from 'node:module';
    import path from 'node:path';
    const { installLazyModules } = await import(${JSON.stringify(pathToFileURL(compiledModule('azuriteLazyModules.js')).href)});
    const entry = ${JSON.stringify(resolveAzuriteEntry())};
    const require = createRequire(entry);
    // A stand-in sits at its module's path: what counts is whether any real module of the package loaded.
    const standIns = new Map();
    const loaded = () => {
      const paths = Object.keys(require.cache).filter((p) => standIns.get(p) !== require.cache[p]);
      return {
        sequelize: paths.some((p) => p.includes('/node_modules/sequelize/')),
        applicationinsights: paths.some((p) => p.includes('/node_modules/applicationinsights/')),
      };
    };
    const atStart = loaded();
    const deferred = installLazyModules(entry);
    for (const p of deferred) standIns.set(p, require.cache[p]);
    // What Azurite's entry loads as it starts: every service's server and its telemetry.
    require(path.join(path.dirname(entry), 'blob/BlobServerFactory.js'));
    const telemetry = require(path.join(path.dirname(entry), 'common/Telemetry.js'));
    const afterAzuriteLoads = loaded();
    const sqlPath = deferred.find((p) => p.endsWith('SqlBlobServer.js'));
    const standIn = require(sqlPath);
    const sqlServerIsClass = typeof standIn.default === 'function' && /^class /.test(String(standIn.default));
    const sameExportsAfterUse = require(sqlPath).default === standIn.default;
    const setupIsFunction = typeof telemetry.AzuriteTelemetryClient.appInsights.setup === 'function';
    console.log(JSON.stringify({ deferred, atStart, afterAzuriteLoads, afterUse: loaded(), sqlServerIsClass, sameExportsAfterUse, setupIsFunction }));
  `;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as Loaded;
}

describe("Azurite's unused modules, loaded only when used", () => {
  it('keeps Sequelize and Application Insights out of start-up and gives the real modules on first use', () => {
    const out = loadInChild();
    // Both are in place with the Azurite this project pins: an upgrade that moves them is noticed here.
    expect(out.deferred).toHaveLength(2);
    expect(out.atStart).toEqual({ sequelize: false, applicationinsights: false });
    expect(out.afterAzuriteLoads).toEqual({ sequelize: false, applicationinsights: false });
    expect(out.sqlServerIsClass).toBe(true);
    expect(out.sameExportsAfterUse).toBe(true);
    expect(out.setupIsFunction).toBe(true);
    expect(out.afterUse).toEqual({ sequelize: true, applicationinsights: true });
  });
});
