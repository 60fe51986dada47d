/**
 * Evaluates Bicep expressions of the templates in infra/ the way ARM would at deployment, for the
 * functions the templates use. Deployment-time context (subscription, resource group, unique
 * strings) is faked deterministically; values only known after a resource exists (resource ids,
 * properties, module outputs, listKeys results) are symbolic `Ref`s that print as `<ref:path>`.
 * A function or symbol it does not know is an error, so a template change the tests cannot follow
 * fails loudly instead of passing silently.
 */
import { createHash } from 'node:crypto';
import type { BicepFile, Expr } from './bicepParse.js';

export class Ref {
  constructor(readonly path: string) {}
  toString(): string {
    return `<ref:${this.path}>`;
  }
}

export interface ScopeValue {
  scopeKind: 'resourceGroup';
  subscriptionId: string;
  resourceGroup: string;
}

export type Value = string | number | boolean | null | Value[] | { [key: string]: Value } | Ref | ScopeValue;

export interface DeploymentContext {
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  tenantId: string;
}

export const DEFAULT_CONTEXT: DeploymentContext = {
  subscriptionId: '00000000-0000-0000-0000-0000000000aa',
  resourceGroup: 'rg-acs-logs',
  location: 'westeurope',
  tenantId: '00000000-0000-0000-0000-0000000000tt',
};

export class EvaluationError extends Error {}

/** Evaluates the declarations of one Bicep file with given parameter values. */
export class FileEvaluator {
  private readonly varCache = new Map<string, Value>();
  private readonly evaluating = new Set<string>();

  constructor(
    readonly file: BicepFile,
    private readonly paramValues: Record<string, Value>,
    readonly context: DeploymentContext = DEFAULT_CONTEXT,
  ) {
    for (const name of Object.keys(paramValues)) {
      if (!file.params.some((p) => p.name === name)) throw new EvaluationError(`no parameter '${name}' to receive a value`);
    }
  }

  param(name: string): Value {
    const decl = this.file.params.find((p) => p.name === name);
    if (!decl) throw new EvaluationError(`no parameter '${name}'`);
    if (Object.prototype.hasOwnProperty.call(this.paramValues, name)) return this.paramValues[name]!;
    if (!decl.defaultValue) throw new EvaluationError(`parameter '${name}' has no value and no default`);
    return this.evaluate(decl.defaultValue);
  }

  variable(name: string): Value {
    if (this.varCache.has(name)) return this.varCache.get(name)!;
    const decl = this.file.vars.find((v) => v.name === name);
    if (!decl) throw new EvaluationError(`no variable '${name}'`);
    if (this.evaluating.has(name)) throw new EvaluationError(`variable '${name}' refers to itself`);
    this.evaluating.add(name);
    const value = this.evaluate(decl.value);
    this.evaluating.delete(name);
    this.varCache.set(name, value);
    return value;
  }

  evaluate(expr: Expr, locals: Map<string, Value> = new Map()): Value {
    switch (expr.k) {
      case 'literal':
        return expr.value;
      case 'string':
        return expr.parts.map((part) => (typeof part === 'string' ? part : asText(this.evaluate(part, locals)))).join('');
      case 'id':
        return this.lookup(expr.name, locals, expr.line);
      case 'member': {
        const object = this.evaluate(expr.object, locals);
        if (object instanceof Ref) return new Ref(`${object.path}.${expr.name}`);
        if (isObject(object) && Object.prototype.hasOwnProperty.call(object, expr.name)) return (object as Record<string, Value>)[expr.name]!;
        throw new EvaluationError(`line ${expr.line}: no property '${expr.name}' in ${JSON.stringify(object)}`);
      }
      case 'index': {
        const object = this.evaluate(expr.object, locals);
        const index = this.evaluate(expr.index, locals);
        if (object instanceof Ref) return new Ref(`${object.path}[${asText(index)}]`);
        if (Array.isArray(object) && typeof index === 'number') return object[index]!;
        if (isObject(object) && typeof index === 'string') return (object as Record<string, Value>)[index]!;
        throw new EvaluationError(`line ${expr.line}: cannot index ${JSON.stringify(object)} with ${JSON.stringify(index)}`);
      }
      case 'call':
        return this.call(expr.name, expr.args.map((arg) => this.evaluate(arg, locals)), expr.line);
      case 'method': {
        const object = this.evaluate(expr.object, locals);
        if (object instanceof Ref) return new Ref(`${object.path}.${expr.name}()`);
        throw new EvaluationError(`line ${expr.line}: method ${expr.name}() on a value`);
      }
      case 'unary': {
        const arg = this.evaluate(expr.arg, locals);
        if (expr.op === '!') return !truthy(arg, expr.line);
        if (typeof arg !== 'number') throw new EvaluationError(`line ${expr.line}: '-' of a non-number`);
        return -arg;
      }
      case 'binary':
        return this.binary(expr.op, expr.left, expr.right, locals, expr.line);
      case 'ternary':
        return truthy(this.evaluate(expr.condition, locals), expr.line) ? this.evaluate(expr.then, locals) : this.evaluate(expr.else, locals);
      case 'object': {
        const result: Record<string, Value> = {};
        for (const entry of expr.entries) {
          const key = entry.keyExpr ? asText(this.evaluate(entry.keyExpr, locals)) : entry.key;
          result[key] = this.evaluate(entry.value, locals);
        }
        return result;
      }
      case 'array':
        return expr.items.map((item) => this.evaluate(item, locals));
      case 'for': {
        const collection = this.evaluate(expr.collection, locals);
        if (!Array.isArray(collection)) throw new EvaluationError(`line ${expr.line}: for over a non-array`);
        return collection.flatMap((item, index) => {
          const inner = new Map(locals);
          inner.set(expr.variables[0]!, item);
          if (expr.variables[1]) inner.set(expr.variables[1], index);
          if (expr.body.k === 'if' && !truthy(this.evaluate(expr.body.condition, inner), expr.line)) return [];
          return [this.evaluate(expr.body.k === 'if' ? expr.body.body : expr.body, inner)];
        });
      }
      case 'if':
        throw new EvaluationError(`line ${expr.line}: 'if' is a declaration body, not a value`);
    }
  }

  private lookup(name: string, locals: Map<string, Value>, line: number): Value {
    if (locals.has(name)) return locals.get(name)!;
    if (this.file.params.some((p) => p.name === name)) return this.param(name);
    if (this.file.vars.some((v) => v.name === name)) return this.variable(name);
    if (this.file.resources.some((r) => r.name === name) || this.file.modules.some((m) => m.name === name)) return new Ref(name);
    throw new EvaluationError(`line ${line}: undefined symbol '${name}'`);
  }

  private binary(op: string, leftExpr: Expr, rightExpr: Expr, locals: Map<string, Value>, line: number): Value {
    if (op === '&&') return truthy(this.evaluate(leftExpr, locals), line) && truthy(this.evaluate(rightExpr, locals), line);
    if (op === '||') return truthy(this.evaluate(leftExpr, locals), line) || truthy(this.evaluate(rightExpr, locals), line);
    const left = this.evaluate(leftExpr, locals);
    if (op === '??') return left === null ? this.evaluate(rightExpr, locals) : left;
    const right = this.evaluate(rightExpr, locals);
    if (left instanceof Ref || right instanceof Ref) throw new EvaluationError(`line ${line}: '${op}' on a value known only at deployment`);
    switch (op) {
      case '==':
        return JSON.stringify(left) === JSON.stringify(right);
      case '!=':
        return JSON.stringify(left) !== JSON.stringify(right);
      case '<':
      case '>':
      case '<=':
      case '>=':
      case '+':
      case '-':
      case '*':
      case '/':
      case '%': {
        if (typeof left !== 'number' || typeof right !== 'number') throw new EvaluationError(`line ${line}: '${op}' needs numbers`);
        const results: Record<string, Value> = {
          '<': left < right,
          '>': left > right,
          '<=': left <= right,
          '>=': left >= right,
          '+': left + right,
          '-': left - right,
          '*': left * right,
          '/': Math.trunc(left / right),
          '%': left % right,
        };
        return results[op]!;
      }
      default:
        throw new EvaluationError(`line ${line}: unknown operator '${op}'`);
    }
  }

  private call(name: string, args: Value[], line: number): Value {
    const ctx = this.context;
    const str = (i: number): string => {
      const value = args[i];
      if (typeof value !== 'string') throw new EvaluationError(`line ${line}: ${name}() argument ${i + 1} must be a string, got ${JSON.stringify(value)}`);
      return value;
    };
    switch (name) {
      case 'resourceGroup':
        if (args.length === 0) {
          return {
            name: ctx.resourceGroup,
            location: ctx.location,
            id: `/subscriptions/${ctx.subscriptionId}/resourceGroups/${ctx.resourceGroup}`,
          };
        }
        return {
          scopeKind: 'resourceGroup',
          subscriptionId: args.length === 2 ? str(0) : ctx.subscriptionId,
          resourceGroup: args.length === 2 ? str(1) : str(0),
        };
      case 'subscription':
        return { subscriptionId: ctx.subscriptionId, id: `/subscriptions/${ctx.subscriptionId}`, tenantId: ctx.tenantId };
      case 'tenant':
        return { tenantId: ctx.tenantId };
      case 'environment':
        return { name: 'AzureCloud', suffixes: { storage: 'core.windows.net' } };
      case 'uniqueString':
        return fakeHash(args.map(asText).join('|'), 13);
      case 'guid': {
        const hex = createHash('sha256').update(args.map(asText).join('|')).digest('hex');
        return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
      }
      case 'empty': {
        const value = args[0];
        if (value instanceof Ref) return false;
        if (value === null || value === '') return true;
        if (Array.isArray(value)) return value.length === 0;
        if (isObject(value)) return Object.keys(value).length === 0;
        return false;
      }
      case 'toLower':
        return str(0).toLowerCase();
      case 'toUpper':
        return str(0).toUpperCase();
      case 'replace':
        return str(0).split(str(1)).join(str(2));
      case 'take': {
        const count = args[1];
        if (typeof count !== 'number') throw new EvaluationError(`line ${line}: take() count must be a number`);
        const value = args[0];
        if (Array.isArray(value)) return value.slice(0, count);
        return str(0).slice(0, count);
      }
      case 'string': {
        const value = args[0];
        if (typeof value === 'string') return value;
        if (typeof value === 'number' || typeof value === 'boolean') return String(value);
        if (value instanceof Ref) return value.toString();
        return JSON.stringify(value);
      }
      case 'union': {
        if (args.every(isObject)) return Object.assign({}, ...(args as object[])) as Value;
        if (args.every(Array.isArray)) return [...new Set((args as Value[][]).flat())];
        throw new EvaluationError(`line ${line}: union() of mixed values`);
      }
      case 'concat':
        if (args.every(Array.isArray)) return (args as Value[][]).flat();
        return args.map(asText).join('');
      case 'contains': {
        const [container, item] = args;
        if (typeof container === 'string') return container.includes(asText(item ?? ''));
        if (Array.isArray(container)) return container.some((v) => JSON.stringify(v) === JSON.stringify(item));
        if (isObject(container)) return Object.prototype.hasOwnProperty.call(container, asText(item ?? ''));
        throw new EvaluationError(`line ${line}: contains() on ${JSON.stringify(container)}`);
      }
      case 'length': {
        const value = args[0];
        if (typeof value === 'string' || Array.isArray(value)) return value.length;
        if (isObject(value)) return Object.keys(value).length;
        throw new EvaluationError(`line ${line}: length() of ${JSON.stringify(value)}`);
      }
      case 'items': {
        const value = args[0];
        if (!isObject(value)) throw new EvaluationError(`line ${line}: items() of a non-object`);
        return Object.keys(value)
          .sort((a, b) => a.localeCompare(b))
          .map((key) => ({ key, value: (value as Record<string, Value>)[key]! }));
      }
      case 'resourceId': {
        const texts = args.map(asText);
        if (texts.length === 2) return `/subscriptions/${ctx.subscriptionId}/resourceGroups/${ctx.resourceGroup}/providers/${texts[0]}/${texts[1]}`;
        if (texts.length === 4) return `/subscriptions/${texts[0]}/resourceGroups/${texts[1]}/providers/${texts[2]}/${texts[3]}`;
        throw new EvaluationError(`line ${line}: resourceId() with ${texts.length} arguments`);
      }
      case 'subscriptionResourceId':
        return `/subscriptions/${ctx.subscriptionId}/providers/${str(0)}/${str(1)}`;
      case 'listKeys':
        return new Ref(`listKeys(${asText(args[0] ?? '')}, ${asText(args[1] ?? '')})`);
      default:
        throw new EvaluationError(`line ${line}: the test evaluator does not know ${name}(); teach test/infra/support/bicepEval.ts`);
    }
  }
}

export function isObject(value: Value | undefined): value is { [key: string]: Value } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Ref);
}

export function asText(value: Value): string {
  if (typeof value === 'string') return value;
  if (value instanceof Ref) return value.toString();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function truthy(value: Value, line: number): boolean {
  if (typeof value !== 'boolean') throw new EvaluationError(`line ${line}: expected a bool, got ${JSON.stringify(value)}`);
  return value;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** A stand-in for uniqueString(): deterministic, 13 lower-case letters and digits. */
function fakeHash(input: string, length: number): string {
  const bytes = createHash('sha256').update(input).digest();
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[bytes[i]! % ALPHABET.length];
  return out;
}
