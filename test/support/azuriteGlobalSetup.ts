import type { TestProject } from 'vitest/node';
import { startAzurite, type AzuriteInstance } from '../../src/lib/storage/azurite.js';

let azurite: AzuriteInstance | undefined;

/** One in-memory Azurite for the whole run; tests isolate themselves by table prefix and container names. */
export async function setup(project: TestProject): Promise<void> {
  azurite = await startAzurite();
  project.provide('azuriteConnectionString', azurite.connectionString);
}

export async function teardown(): Promise<void> {
  await azurite?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    azuriteConnectionString: string;
  }
}
