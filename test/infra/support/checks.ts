/**
 * Static checks a Bicep compiler would make and a text parser can: every symbol used is declared,
 * every function called exists, module parameters and outputs match the module file.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { bodyObject, entryAt, walk, type BicepFile, type Expr } from './bicepParse.js';
import { REPO_ROOT, loadBicep, modulePath } from './infra.js';

/** Bicep's built-in functions (the sys and az namespaces). */
export const BICEP_FUNCTIONS = new Set([
  'any', 'array', 'base64', 'base64ToJson', 'base64ToString', 'bool', 'coalesce', 'concat', 'contains', 'dataUri',
  'dataUriToString', 'dateTimeAdd', 'dateTimeFromEpoch', 'dateTimeToEpoch', 'deployer', 'deployment', 'empty', 'endsWith', 'environment',
  'extensionResourceId', 'filter', 'first', 'flatten', 'format', 'guid', 'indexOf', 'int', 'intersection', 'items', 'join', 'json',
  'last', 'lastIndexOf', 'length', 'list', 'listKeys', 'loadFileAsBase64', 'loadJsonContent', 'loadTextContent', 'managementGroup',
  'managementGroupResourceId', 'map', 'max', 'min', 'newGuid', 'objectKeys', 'padLeft', 'pickZones', 'range', 'readEnvironmentVariable',
  'reduce', 'reference', 'replace', 'resourceGroup', 'resourceId', 'shallowMerge', 'skip', 'sort', 'split', 'startsWith', 'string',
  'subscription', 'subscriptionResourceId', 'substring', 'take', 'tenant', 'tenantResourceId', 'toLower', 'toObject', 'toUpper', 'trim',
  'union', 'uniqueString', 'uri', 'uriComponent', 'uriComponentToString', 'utcNow',
]);

const KEYWORDS = new Set(['true', 'false', 'null']);

export interface DeclaredSymbols {
  all: Set<string>;
  modules: Map<string, string>;
  resources: Set<string>;
}

export function declaredSymbols(path: string, file: BicepFile): DeclaredSymbols {
  const all = new Set<string>();
  const modules = new Map<string, string>();
  const resources = new Set<string>();
  const add = (name: string, kind: string): void => {
    if (all.has(name)) throw new Error(`${path}: ${kind} '${name}' is declared twice`);
    all.add(name);
  };
  file.params.forEach((p) => add(p.name, 'param'));
  file.vars.forEach((v) => add(v.name, 'var'));
  file.resources.forEach((r) => {
    add(r.name, 'resource');
    resources.add(r.name);
  });
  file.modules.forEach((m) => {
    add(m.name, 'module');
    modules.set(m.name, modulePath(path, m.path));
  });
  return { all, modules, resources };
}

/** Problems with symbols, functions and module references in one file. */
export function symbolProblems(path: string, file: BicepFile = loadBicep(path)): string[] {
  const symbols = declaredSymbols(path, file);
  const problems: string[] = [];

  const check = (expr: Expr, locals: Set<string>): void => {
    switch (expr.k) {
      case 'id':
        if (!KEYWORDS.has(expr.name) && !locals.has(expr.name) && !symbols.all.has(expr.name)) {
          problems.push(`${path}:${expr.line}: '${expr.name}' is not declared`);
        }
        return;
      case 'call':
        if (!BICEP_FUNCTIONS.has(expr.name)) problems.push(`${path}:${expr.line}: unknown function ${expr.name}()`);
        expr.args.forEach((arg) => check(arg, locals));
        return;
      case 'member': {
        // <module>.outputs.<name> must be an output of the module file
        if (expr.object.k === 'member' && expr.object.name === 'outputs' && expr.object.object.k === 'id') {
          const target = symbols.modules.get(expr.object.object.name);
          if (target && existsSync(join(REPO_ROOT, target)) && !loadBicep(target).outputs.some((o) => o.name === expr.name)) {
            problems.push(`${path}:${expr.line}: module ${expr.object.object.name} (${target}) has no output '${expr.name}'`);
          }
        }
        check(expr.object, locals);
        return;
      }
      case 'for': {
        check(expr.collection, locals);
        const inner = new Set([...locals, ...expr.variables]);
        check(expr.body, inner);
        return;
      }
      case 'string':
        for (const part of expr.parts) if (typeof part !== 'string') check(part, locals);
        return;
      case 'index':
        check(expr.object, locals);
        check(expr.index, locals);
        return;
      case 'method':
        check(expr.object, locals);
        expr.args.forEach((arg) => check(arg, locals));
        return;
      case 'unary':
        check(expr.arg, locals);
        return;
      case 'binary':
        check(expr.left, locals);
        check(expr.right, locals);
        return;
      case 'ternary':
        check(expr.condition, locals);
        check(expr.then, locals);
        check(expr.else, locals);
        return;
      case 'object':
        for (const entry of expr.entries) {
          if (entry.keyExpr) check(entry.keyExpr, locals);
          check(entry.value, locals);
        }
        return;
      case 'array':
        expr.items.forEach((item) => check(item, locals));
        return;
      case 'if':
        check(expr.condition, locals);
        check(expr.body, locals);
        return;
      case 'literal':
        return;
    }
  };

  const none = new Set<string>();
  const decorated = [...file.params, ...file.vars, ...file.resources, ...file.modules, ...file.outputs];
  for (const decl of decorated) for (const d of decl.decorators) d.args.forEach((arg) => check(arg, none));
  for (const p of file.params) if (p.defaultValue) check(p.defaultValue, none);
  for (const v of file.vars) check(v.value, none);
  for (const r of file.resources) {
    check(r.value, none);
    const parent = entryAt(bodyObject(r.value), 'parent');
    if (parent && !(parent.k === 'id' && symbols.resources.has(parent.name))) {
      problems.push(`${path}:${r.line}: parent of ${r.name} must be a resource symbol`);
    }
  }
  for (const m of file.modules) check(m.value, none);
  for (const o of file.outputs) check(o.value, none);
  return problems;
}

/** Problems with the parameters passed to each module of a file. */
export function moduleParameterProblems(path: string): string[] {
  const file = loadBicep(path);
  const problems: string[] = [];
  for (const decl of file.modules) {
    const target = modulePath(path, decl.path);
    if (!existsSync(join(REPO_ROOT, target))) {
      problems.push(`${path}:${decl.line}: module ${decl.name} refers to ${decl.path}, which does not exist`);
      continue;
    }
    const moduleFile = loadBicep(target);
    const body = bodyObject(decl.value);
    if (!entryAt(body, 'name')) problems.push(`${path}:${decl.line}: module ${decl.name} has no deployment name`);
    const params = entryAt(body, 'params');
    const given = params?.k === 'object' ? params.entries.map((e) => e.key) : [];
    for (const name of given) {
      if (!moduleFile.params.some((p) => p.name === name)) problems.push(`${path}:${decl.line}: module ${decl.name} passes '${name}', which ${target} does not declare`);
    }
    for (const p of moduleFile.params) {
      if (!p.defaultValue && !given.includes(p.name)) problems.push(`${path}:${decl.line}: module ${decl.name} does not pass required '${p.name}' of ${target}`);
    }
  }
  return problems;
}

/** Every function call in a file, for tests that look for a particular one. */
export function calls(file: BicepFile): Extract<Expr, { k: 'call' }>[] {
  const found: Extract<Expr, { k: 'call' }>[] = [];
  const visit = (expr: Expr): void => {
    if (expr.k === 'call') found.push(expr);
  };
  for (const p of file.params) if (p.defaultValue) walk(p.defaultValue, visit);
  for (const v of file.vars) walk(v.value, visit);
  for (const r of file.resources) walk(r.value, visit);
  for (const m of file.modules) walk(m.value, visit);
  for (const o of file.outputs) walk(o.value, visit);
  return found;
}
