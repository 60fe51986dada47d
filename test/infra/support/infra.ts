/**
 * Loads the templates in infra/ and simulates a deployment of infra/main.bicep: which modules deploy,
 * into which resource group, with which parameters; the app settings the function app gets; the
 * role assignments made. Everything comes from the template text, nothing is hard-coded here except
 * where to start (infra/main.bicep) and what the tests look for.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bodyCondition, bodyObject, entryAt, parseBicep, type BicepFile, type ResourceDecl } from './bicepParse.js';
import { DEFAULT_CONTEXT, EvaluationError, FileEvaluator, Ref, asText, isObject, type DeploymentContext, type ScopeValue, type Value } from './bicepEval.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const INFRA_DIR = join(REPO_ROOT, 'infra');
export const MAIN = 'infra/main.bicep';
export const PARAMETERS_FILE = 'infra/main.parameters.json';

export function readRepoFile(path: string): string {
  return readFileSync(join(REPO_ROOT, path), 'utf8');
}

/** Every .bicep file under infra/, as repository-relative paths with forward slashes. */
export function bicepFiles(dir: string = INFRA_DIR): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) found.push(...bicepFiles(full));
    else if (name.endsWith('.bicep')) found.push(relative(REPO_ROOT, full).split('\\').join('/'));
  }
  return found.sort();
}

const cache = new Map<string, BicepFile>();

export function loadBicep(path: string): BicepFile {
  let file = cache.get(path);
  if (!file) {
    file = parseBicep(readRepoFile(path));
    cache.set(path, file);
  }
  return file;
}

/** Repository-relative path of a module referenced from `fromPath`. */
export function modulePath(fromPath: string, reference: string): string {
  return join(dirname(fromPath), reference).split('\\').join('/');
}

export function readParametersFile(): Record<string, Value> {
  const json = JSON.parse(readRepoFile(PARAMETERS_FILE)) as { parameters: Record<string, { value: Value }> };
  const values: Record<string, Value> = {};
  for (const [name, entry] of Object.entries(json.parameters)) values[name] = entry.value;
  return values;
}

export interface Deployment {
  /** Symbol of the module in main.bicep; 'main' for main.bicep itself. */
  symbol: string;
  path: string;
  deployed: boolean;
  scope: ScopeValue;
  evaluator: FileEvaluator;
}

export interface RoleGrant {
  /** Template that declares the role assignment. */
  path: string;
  targetType: string;
  targetName: string;
  subscriptionId: string;
  resourceGroup: string;
  roleDefinitionId: string;
  principalId: string;
}

export interface Simulation {
  main: FileEvaluator;
  deployments: Deployment[];
  /** The one deployed module with this path (throws when none or several). */
  module(path: string): Deployment;
  appSettings(): Record<string, string>;
  outputs(): Record<string, Value>;
  roleGrants(): RoleGrant[];
}

export function simulate(overrides: Record<string, Value> = {}, context: DeploymentContext = DEFAULT_CONTEXT): Simulation {
  const mainFile = loadBicep(MAIN);
  const main = new FileEvaluator(mainFile, overrides, context);
  const mainScope: ScopeValue = { scopeKind: 'resourceGroup', subscriptionId: context.subscriptionId, resourceGroup: context.resourceGroup };
  const deployments: Deployment[] = [{ symbol: 'main', path: MAIN, deployed: true, scope: mainScope, evaluator: main }];

  for (const decl of mainFile.modules) {
    const path = modulePath(MAIN, decl.path);
    const condition = bodyCondition(decl.value);
    const deployed = condition ? main.evaluate(condition) === true : true;
    const body = bodyObject(decl.value);
    const scopeExpr = entryAt(body, 'scope');
    const scope = scopeExpr ? (main.evaluate(scopeExpr) as ScopeValue) : mainScope;
    if (!isObject(scope as Value) || scope.scopeKind !== 'resourceGroup') throw new EvaluationError(`module ${decl.name}: scope is not a resource group`);
    const params: Record<string, Value> = {};
    if (deployed) {
      const paramsExpr = entryAt(body, 'params');
      if (paramsExpr?.k === 'object') for (const entry of paramsExpr.entries) params[entry.key] = main.evaluate(entry.value);
    }
    const moduleContext: DeploymentContext = { ...context, subscriptionId: scope.subscriptionId, resourceGroup: scope.resourceGroup };
    deployments.push({ symbol: decl.name, path, deployed, scope, evaluator: new FileEvaluator(loadBicep(path), params, moduleContext) });
  }

  const sim: Simulation = {
    main,
    deployments,
    module(path: string): Deployment {
      const matches = deployments.filter((d) => d.path === path && d.deployed);
      if (matches.length !== 1) throw new Error(`expected one deployed module ${path}, found ${matches.length}`);
      return matches[0]!;
    },
    appSettings(): Record<string, string> {
      const app = sim.module('infra/app/function-app.bicep');
      const config = app.evaluator.file.resources.find(
        (r) => r.type === 'Microsoft.Web/sites/config' && nameOf(app.evaluator, r) === 'appsettings',
      );
      if (!config) throw new Error('function-app.bicep has no Microsoft.Web/sites/config named appsettings');
      const properties = entryAt(bodyObject(config.value), 'properties');
      if (!properties) throw new Error('the appsettings config has no properties');
      const value = app.evaluator.evaluate(properties);
      if (!isObject(value)) throw new Error('app settings are not an object');
      const settings: Record<string, string> = {};
      for (const [key, setting] of Object.entries(value)) {
        if (typeof setting !== 'string' && !(setting instanceof Ref)) {
          throw new Error(`app setting ${key} is not a string (wrap numbers in string())`);
        }
        settings[key] = asText(setting);
      }
      return settings;
    },
    outputs(): Record<string, Value> {
      const outputs: Record<string, Value> = {};
      for (const output of mainFile.outputs) outputs[output.name] = main.evaluate(output.value);
      return outputs;
    },
    roleGrants(): RoleGrant[] {
      const grants: RoleGrant[] = [];
      for (const deployment of deployments) {
        if (!deployment.deployed) continue;
        const evaluator = deployment.evaluator;
        for (const resource of evaluator.file.resources) {
          if (resource.type !== 'Microsoft.Authorization/roleAssignments') continue;
          for (const body of evaluateBodies(evaluator, resource)) {
            const scopeRef = body['scope'];
            if (!(scopeRef instanceof Ref)) throw new Error(`${deployment.path}: role assignment ${resource.name} has no resource scope`);
            const target = evaluator.file.resources.find((r) => r.name === scopeRef.path);
            if (!target) throw new Error(`${deployment.path}: role assignment scope ${scopeRef.path} is not a resource of the file`);
            const properties = body['properties'] as Record<string, Value>;
            const roleDefinitionId = asText(properties['roleDefinitionId']!);
            grants.push({
              path: deployment.path,
              targetType: target.type,
              targetName: nameOf(evaluator, target),
              subscriptionId: deployment.scope.subscriptionId,
              resourceGroup: deployment.scope.resourceGroup,
              roleDefinitionId: roleDefinitionId.slice(roleDefinitionId.lastIndexOf('/') + 1),
              principalId: asText(properties['principalId']!),
            });
          }
        }
      }
      return grants;
    },
  };
  return sim;
}

/** The evaluated name of a resource declared in the evaluator's file. */
export function nameOf(evaluator: FileEvaluator, resource: ResourceDecl): string {
  const name = entryAt(bodyObject(resource.value), 'name');
  if (!name) throw new Error(`resource ${resource.name} has no name`);
  return asText(evaluator.evaluate(name));
}

/** The evaluated bodies of a resource: one, none (condition false) or one per loop item. */
export function evaluateBodies(evaluator: FileEvaluator, resource: ResourceDecl): Record<string, Value>[] {
  const value = resource.value;
  if (value.k === 'if') return evaluator.evaluate(value.condition) === true ? [evaluator.evaluate(value.body) as Record<string, Value>] : [];
  const result = evaluator.evaluate(value);
  return (Array.isArray(result) ? result : [result]) as Record<string, Value>[];
}
