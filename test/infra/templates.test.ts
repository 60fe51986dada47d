import { describe, expect, it } from 'vitest';
import { tokenize, bracketProblems } from './support/bicepTokens.js';
import { bodyObject, decorator, entryAt } from './support/bicepParse.js';
import { moduleParameterProblems, symbolProblems } from './support/checks.js';
import { MAIN, PARAMETERS_FILE, bicepFiles, loadBicep, readParametersFile, readRepoFile, simulate } from './support/infra.js';
import { FileEvaluator, type Value } from './support/bicepEval.js';

const files = bicepFiles();

/**
 * Resource types and API versions the templates may use, each checked against Microsoft's template
 * reference or Azure-Samples / Azure Verified Modules templates that deploy them. A new type or
 * version must be checked the same way and added here.
 */
const VERIFIED_API_VERSIONS: Record<string, string[]> = {
  'Microsoft.Storage/storageAccounts': ['2023-05-01'],
  'Microsoft.Storage/storageAccounts/blobServices': ['2023-05-01'],
  'Microsoft.Storage/storageAccounts/blobServices/containers': ['2023-05-01'],
  'Microsoft.ManagedIdentity/userAssignedIdentities': ['2023-01-31'],
  'Microsoft.Authorization/roleAssignments': ['2022-04-01'],
  'Microsoft.OperationalInsights/workspaces': ['2023-09-01'],
  'Microsoft.Insights/components': ['2020-02-02'],
  'Microsoft.Insights/diagnosticSettings': ['2021-05-01-preview'],
  'Microsoft.Web/serverfarms': ['2024-04-01'],
  'Microsoft.Web/sites': ['2024-04-01'],
  'Microsoft.Web/sites/config': ['2024-04-01'],
  'Microsoft.Web/sites/basicPublishingCredentialsPolicies': ['2024-04-01'],
  'Microsoft.EventGrid/systemTopics': ['2022-06-15'],
  'Microsoft.EventGrid/systemTopics/eventSubscriptions': ['2022-06-15'],
  'Microsoft.Communication/communicationServices': ['2023-04-01'],
};

describe('every .bicep file under infra/', () => {
  it('exists', () => {
    expect(files).toContain(MAIN);
    expect(files.length).toBeGreaterThan(1);
  });

  it.each(files)('%s has balanced (), [] and {} and closed strings and comments', (path) => {
    const { tokens } = tokenize(readRepoFile(path));
    expect(bracketProblems(tokens)).toEqual([]);
  });

  it.each(files)('%s parses', (path) => {
    expect(() => loadBicep(path)).not.toThrow();
  });

  it.each(files)('%s documents every param with @description', (path) => {
    const file = loadBicep(path);
    const undocumented = file.params.filter((p) => {
      const d = decorator(p, 'description');
      return !d || d.args.length !== 1 || d.args[0]!.k !== 'string' || String(d.args[0]!.parts.join('')).trim().length < 10;
    });
    expect(undocumented.map((p) => p.name)).toEqual([]);
  });

  it.each(files)('%s uses only declared symbols and known functions', (path) => {
    expect(symbolProblems(path)).toEqual([]);
  });

  it.each(files)('%s references modules that exist, with the parameters they declare', (path) => {
    expect(moduleParameterProblems(path)).toEqual([]);
  });

  it.each(files)('%s uses only verified resource types and API versions', (path) => {
    const file = loadBicep(path);
    for (const resource of file.resources) {
      expect(VERIFIED_API_VERSIONS[resource.type], `${path}: ${resource.type} is not a verified type`).toBeDefined();
      expect(VERIFIED_API_VERSIONS[resource.type], `${path}: ${resource.type}@${resource.apiVersion}`).toContain(resource.apiVersion);
    }
  });

  it.each(files)('%s names every module deployment uniquely per resource token', (path) => {
    const file = loadBicep(path);
    const names = file.modules.map((m) => {
      const name = entryAt(bodyObject(m.value), 'name');
      return name?.k === 'string' ? name.parts.filter((p) => typeof p === 'string').join('') : '';
    });
    expect(new Set(names).size).toBe(names.length);
  });

  it('every module file is used by main.bicep', () => {
    const main = loadBicep(MAIN);
    const used = new Set(main.modules.map((m) => `infra/${m.path}`));
    expect(files.filter((f) => f !== MAIN && !used.has(f))).toEqual([]);
  });
});

describe('main.bicep and main.parameters.json', () => {
  const main = loadBicep(MAIN);
  const parameters = readParametersFile();

  it('deploys to a resource group', () => {
    expect(main.targetScope).toBe('resourceGroup');
  });

  it('is a deployment parameters file', () => {
    const json = JSON.parse(readRepoFile(PARAMETERS_FILE)) as Record<string, unknown>;
    expect(json['$schema']).toMatch(/deploymentParameters\.json#$/);
    expect(json['contentVersion']).toBe('1.0.0.0');
  });

  it('sets only parameters main.bicep declares', () => {
    const declared = new Set(main.params.map((p) => p.name));
    expect(Object.keys(parameters).filter((name) => !declared.has(name))).toEqual([]);
  });

  it('sets every parameter of main.bicep (so every one is visible), required ones above all', () => {
    const missing = main.params.filter((p) => !(p.name in parameters));
    expect(missing.filter((p) => !p.defaultValue).map((p) => p.name)).toEqual([]);
    expect(missing.map((p) => p.name)).toEqual([]);
  });

  it('gives each parameter a value of its declared type, within @allowed, @minValue, @maxValue, @minLength, @maxLength', () => {
    const evaluator = new FileEvaluator(main, {});
    for (const p of main.params) {
      const value = parameters[p.name]!;
      const typeOf = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
      const expected: Record<string, string> = { string: 'string', int: 'number', bool: 'boolean', object: 'object', array: 'array' };
      expect(typeOf, p.name).toBe(expected[p.type]);
      const allowed = decorator(p, 'allowed');
      if (allowed) expect(evaluator.evaluate(allowed.args[0]!) as Value[], p.name).toContainEqual(value);
      const number = (name: string): number | undefined => {
        const d = decorator(p, name);
        return d ? (evaluator.evaluate(d.args[0]!) as number) : undefined;
      };
      const minValue = number('minValue');
      const maxValue = number('maxValue');
      if (minValue !== undefined) expect(value as number, p.name).toBeGreaterThanOrEqual(minValue);
      if (maxValue !== undefined) expect(value as number, p.name).toBeLessThanOrEqual(maxValue);
      const minLength = number('minLength');
      const maxLength = number('maxLength');
      if (minLength !== undefined) expect((value as string).length, p.name).toBeGreaterThanOrEqual(minLength);
      if (maxLength !== undefined) expect((value as string).length, p.name).toBeLessThanOrEqual(maxLength);
    }
  });

  it('gives every parameter default the same checks', () => {
    const evaluator = new FileEvaluator(main, {});
    for (const p of main.params) {
      if (!p.defaultValue) continue;
      const value = evaluator.param(p.name);
      const allowed = decorator(p, 'allowed');
      if (allowed) expect(evaluator.evaluate(allowed.args[0]!) as Value[], p.name).toContainEqual(value);
    }
  });

  it('deploys with the parameters file as it deploys with the defaults', () => {
    const fromFile = simulate(parameters);
    const fromDefaults = simulate();
    expect(fromFile.appSettings()).toEqual(fromDefaults.appSettings());
    expect(fromFile.outputs()).toEqual(fromDefaults.outputs());
  });

  it('outputs the function app name, the table endpoint and the query API base URL', () => {
    const outputs = simulate().outputs();
    expect(String(outputs['FUNCTION_APP_NAME'])).toBe('<ref:functionApp.outputs.name>');
    expect(outputs['AGGREGATES_TABLE_ENDPOINT']).toMatch(/^https:\/\/[a-z0-9]{3,24}\.table\.core\.windows\.net\/$/);
    expect(outputs['QUERY_API_BASE_URL']).toBe('https://<ref:functionApp.outputs.defaultHostName>/api');
  });

  it('derives valid resource names', () => {
    const sim = simulate();
    const outputs = sim.outputs();
    for (const key of ['APP_STORAGE_ACCOUNT_NAME', 'LOGS_STORAGE_ACCOUNT_NAME']) expect(outputs[key], key).toMatch(/^[a-z0-9]{3,24}$/);
    const app = sim.module('infra/app/function-app.bicep').evaluator;
    expect(app.param('name')).toMatch(/^[a-z0-9][a-z0-9-]{0,58}[a-z0-9]$/);
    expect(app.param('deploymentContainerName')).toMatch(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/);
    expect(outputs['LOGS_SYSTEM_TOPIC_NAME']).toMatch(/^[A-Za-z0-9-]{3,128}$/);
  });

  it('names every built-in role definition id in a comment on its line', async () => {
    const { BUILT_IN_ROLES } = await import('./support/roles.js');
    const byId = new Map<string, string>(Object.entries(BUILT_IN_ROLES).map(([name, id]) => [id, name]));
    for (const path of files) {
      const { tokens, comments } = tokenize(readRepoFile(path));
      for (const token of tokens) {
        if (token.kind !== 'string') continue;
        const text = (token.parts ?? []).map((p) => (p.kind === 'text' ? p.value : '')).join('');
        if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text)) continue;
        const name = byId.get(text.toLowerCase());
        expect(name, `${path}:${token.line}: ${text} is not a known built-in role`).toBeDefined();
        const comment = comments.find((c) => c.line === token.line);
        expect(comment?.text ?? '', `${path}:${token.line}`).toContain(name);
      }
    }
  });
});

describe('the Bicep test parser itself', () => {
  it('reports unbalanced brackets', () => {
    expect(bracketProblems(tokenize("var a = {\n  b: [1, 2\n}\n").tokens)).not.toEqual([]);
    expect(bracketProblems(tokenize("var a = '${b(c}'\n").tokens)).not.toEqual([]);
    expect(bracketProblems(tokenize("var a = { b: '}' }\n").tokens)).toEqual([]);
  });

  it('rejects an unterminated string', () => {
    expect(() => tokenize("var a = 'abc\n")).toThrow();
  });

  it('finds undeclared symbols, unknown functions and missing module outputs', async () => {
    const { parseBicep } = await import('./support/bicepParse.js');
    const file = parseBicep(
      [
        "param a string = 'x'",
        "var b = '${a}-${c}'",
        'var d = [for (item, i) in [1, 2]: item + i]',
        "var e = toLowr(a)",
        "module m 'app/acs-diagnostic-setting.bicep' = {",
        "  name: 'm'",
        '}',
        'output o string = m.outputs.nothing',
      ].join('\n') + '\n',
    );
    const problems = symbolProblems(MAIN, file);
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(/'c' is not declared/);
    expect(problems.join('\n')).toMatch(/unknown function toLowr\(\)/);
    expect(problems.join('\n')).toMatch(/has no output 'nothing'/);
  });
});
