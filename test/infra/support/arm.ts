/**
 * The templates in infra/ as the Bicep compiler turns them into ARM JSON: compiled once per change
 * of infra/ (by scripts/check-infra.mjs, with the pinned Bicep CLI) into a temporary folder shared
 * by the test files, so the tests assert on what Azure Resource Manager receives.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lastingTempDir } from '../../support/lastingTempDir.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export function readRepoFile(path: string): string {
  return readFileSync(join(REPO_ROOT, path), 'utf8');
}

export interface ArmParameter {
  type: string;
  defaultValue?: unknown;
  allowedValues?: unknown[];
  minValue?: number;
  maxValue?: number;
  minLength?: number;
  maxLength?: number;
}

export interface ArmResource {
  type: string;
  apiVersion: string;
  name: string;
  condition?: string | boolean;
  dependsOn?: string[];
  resourceGroup?: string;
  subscriptionId?: string;
  properties?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface ArmTemplate {
  $schema: string;
  parameters: Record<string, ArmParameter>;
  variables?: Record<string, unknown>;
  resources: ArmResource[];
  outputs?: Record<string, { type: string; value: unknown }>;
}

/** Files whose content decides the compiled templates. */
function compilerInputs(dir = join(REPO_ROOT, 'infra')): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) {
      if (name !== 'obj') found.push(...compilerInputs(full));
    } else if (/\.(bicep|csproj|json)$/.test(name)) found.push(full);
  }
  return found.sort();
}

let compiledDir: string | undefined;

/** Folder holding <template>.json for every entry template, compiling when infra/ changed. */
function compiled(): string {
  if (compiledDir) return compiledDir;
  const hash = createHash('sha256');
  for (const file of [...compilerInputs(), join(REPO_ROOT, 'scripts/check-infra.mjs')]) {
    hash.update(relative(REPO_ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  // Kept from run to run: compiling takes the Bicep CLI seconds, and the hash says when it is stale.
  const dir = join(lastingTempDir(), `acs-logs-arm-${hash.digest('hex').slice(0, 16)}`);
  if (!existsSync(join(dir, 'main.json'))) withLock(`${dir}.lock`, () => existsSync(join(dir, 'main.json')) || compileInto(dir));
  compiledDir = dir;
  return dir;
}

/** Runs the compiler once for all test workers: the first takes the lock, the others wait for its result. */
function withLock(lock: string, work: () => unknown): void {
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A lock older than the deadline was left by a killed run.
      const held = statSync(lock, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > 300_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`, { cause: error });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
    }
  }
  try {
    work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function compileInto(dir: string): void {
  const own = `${dir}.${randomUUID()}`;
  try {
    execFileSync(process.execPath, [join(REPO_ROOT, 'scripts/check-infra.mjs'), '--out', own], { cwd: REPO_ROOT, encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    rmSync(own, { recursive: true, force: true });
    throw new Error(`npm run check:infra failed:\n${failed.stdout ?? ''}${failed.stderr ?? failed.message}`, { cause: error });
  }
  renameSync(own, dir);
}

/** The compiled ARM template of infra/<name>.bicep. */
export function armTemplate(name: 'main' | 'subscriptions'): ArmTemplate {
  return JSON.parse(readFileSync(join(compiled(), `${name}.json`), 'utf8')) as ArmTemplate;
}

/** Entry templates: the .bicep files directly in infra/ (what check:infra compiles). */
export function entryTemplateNames(): string[] {
  return readdirSync(join(REPO_ROOT, 'infra'))
    .filter((name) => name.endsWith('.bicep'))
    .map((name) => name.slice(0, -'.bicep'.length))
    .sort();
}

/** The module deployment named `<prefix>{0}` ('function-app-' for format('function-app-{0}', ...)). */
export function moduleDeployment(template: ArmTemplate, prefix: string): ArmResource {
  const found = template.resources.filter((r) => r.type === 'Microsoft.Resources/deployments' && r.name.startsWith(`[format('${prefix}{0}'`));
  if (found.length !== 1) throw new Error(`expected one module deployment named ${prefix}..., found ${found.length}`);
  return found[0]!;
}

export function moduleDeployments(template: ArmTemplate): ArmResource[] {
  return template.resources.filter((r) => r.type === 'Microsoft.Resources/deployments');
}

export function nestedTemplate(deployment: ArmResource): ArmTemplate {
  const template = deployment.properties?.['template'] as ArmTemplate | undefined;
  if (!template) throw new Error(`${deployment.name} has no inline template`);
  return template;
}

/** The value a module deployment passes for one of the module's parameters. */
export function moduleParam(deployment: ArmResource, name: string): unknown {
  const parameters = deployment.properties?.['parameters'] as Record<string, { value: unknown }> | undefined;
  const entry = parameters?.[name];
  if (!entry) throw new Error(`${deployment.name} passes no parameter ${name}`);
  return entry.value;
}

/** Every resource of a template and of the templates nested in it. */
export function allResources(template: ArmTemplate): ArmResource[] {
  return template.resources.flatMap((r) => (r.type === 'Microsoft.Resources/deployments' ? [r, ...allResources(nestedTemplate(r))] : [r]));
}

/** Every string in a JSON value (template expressions included). */
export function allStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(allStrings);
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([key, inner]) => [key, ...allStrings(inner)]);
  return [];
}

/** `name` of an expression that is exactly [parameters('name')] or [string(parameters('name'))], else undefined. */
export function parameterOf(expression: unknown): string | undefined {
  if (typeof expression !== 'string') return undefined;
  return /^\[(?:string\()?parameters\('(\w+)'\)\)?\]$/.exec(expression)?.[1];
}

/** `name` of an expression that is exactly [variables('name')], else undefined. */
export function variableOf(expression: unknown): string | undefined {
  if (typeof expression !== 'string') return undefined;
  return /^\[variables\('(\w+)'\)\]$/.exec(expression)?.[1];
}

/** The parts of an expression that is exactly [if(equals(parameters('name'), <number>), '<then>', '<else>')], else undefined. */
export function parameterConditionOf(expression: unknown): { parameter: string; equals: number; then: string; otherwise: string } | undefined {
  if (typeof expression !== 'string') return undefined;
  const match = /^\[if\(equals\(parameters\('(\w+)'\), (\d+)\), '([^']*)', '([^']*)'\)\]$/.exec(expression);
  if (!match) return undefined;
  return { parameter: match[1]!, equals: Number(match[2]), then: match[3]!, otherwise: match[4]! };
}

/**
 * A value with which main.bicep's defaults reach a module parameter: literal, a main parameter passed
 * straight through, or a choice on one of those (parameterConditionOf).
 */
export function defaultThrough(main: ArmTemplate, deployment: ArmResource, moduleExpression: unknown): unknown {
  const condition = parameterConditionOf(moduleExpression);
  if (condition) {
    const value = defaultThrough(main, deployment, `[parameters('${condition.parameter}')]`);
    return value === condition.equals ? condition.then : condition.otherwise;
  }
  const moduleParameter = parameterOf(moduleExpression);
  if (moduleParameter === undefined) return moduleExpression;
  const passed = moduleParam(deployment, moduleParameter);
  const mainParameter = parameterOf(passed);
  if (mainParameter === undefined) return passed;
  const declared = main.parameters[mainParameter];
  if (!declared || !('defaultValue' in declared)) throw new Error(`main parameter ${mainParameter} has no default`);
  return declared.defaultValue;
}

/** The function app module of main.bicep, its template, and the app settings it writes. */
export function functionApp(main: ArmTemplate): {
  deployment: ArmResource;
  template: ArmTemplate;
  settings: Record<string, unknown>;
  settingsDeployment: ArmResource;
} {
  const deployment = moduleDeployment(main, 'function-app-');
  const template = nestedTemplate(deployment);
  const settingsDeployment = moduleDeployment(template, 'app-settings-');
  const settings = moduleParam(settingsDeployment, 'appSettings') as Record<string, unknown>;
  return { deployment, template, settings, settingsDeployment };
}
