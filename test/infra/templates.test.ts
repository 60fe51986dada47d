import { describe, expect, it } from 'vitest';
import { armTemplate, entryTemplateNames, readRepoFile } from './support/arm.js';

describe('entry templates (compiled by the Bicep CLI with warnings as errors)', () => {
  it('are main.bicep and subscriptions.bicep, both resource-group deployments', () => {
    expect(entryTemplateNames()).toEqual(['main', 'subscriptions']);
    for (const name of entryTemplateNames()) {
      expect(armTemplate(name as 'main' | 'subscriptions').$schema, name).toBe(
        'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
      );
    }
  });
});

describe('infra/main.parameters.json', () => {
  const main = armTemplate('main');
  const file = JSON.parse(readRepoFile('infra/main.parameters.json')) as {
    $schema: string;
    contentVersion: string;
    parameters: Record<string, { value: unknown }>;
  };

  it('is a deployment parameters file that sets every parameter of main.bicep, and only those', () => {
    expect(file.$schema).toMatch(/deploymentParameters\.json#$/);
    expect(file.contentVersion).toBe('1.0.0.0');
    expect(Object.keys(file.parameters).sort()).toEqual(Object.keys(main.parameters).sort());
  });

  it('gives each parameter a value of its declared type, within its allowed values and bounds, equal to its default', () => {
    const jsonType: Record<string, string> = { string: 'string', int: 'number', bool: 'boolean', object: 'object', array: 'array' };
    for (const [name, declared] of Object.entries(main.parameters)) {
      const value = file.parameters[name]!.value;
      expect(Array.isArray(value) ? 'array' : typeof value, name).toBe(jsonType[declared.type]);
      if (declared.allowedValues) expect(declared.allowedValues, name).toContainEqual(value);
      if (declared.minValue !== undefined) expect(value as number, name).toBeGreaterThanOrEqual(declared.minValue);
      if (declared.maxValue !== undefined) expect(value as number, name).toBeLessThanOrEqual(declared.maxValue);
      if (declared.minLength !== undefined) expect((value as string).length, name).toBeGreaterThanOrEqual(declared.minLength);
      if (declared.maxLength !== undefined) expect((value as string).length, name).toBeLessThanOrEqual(declared.maxLength);
      // The file shows every knob with its default; deploying with it changes nothing.
      expect(value, name).toEqual(declared.defaultValue);
    }
  });
});
