import type { TestProject } from 'vitest/node';
import { startAzurite, type AzuriteInstance } from '../../src/lib/storage/azurite.js';

let azurite: Promise<AzuriteInstance> | undefined;

/** One in-memory Azurite for the whole run (each test project asks for it); tests isolate themselves by table prefix and container names. */
export async function setup(project: TestProject): Promise<void> {
  azurite ??= startAzurite();
  project.provide('azuriteConnectionString', (await azurite).connectionString);
}

export async function teardown(): Promise<void> {
  await (await azurite)?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    azuriteConnectionString: string;
  }
}
