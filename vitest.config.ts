import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/azuriteGlobalSetup.ts'],
    setupFiles: ['test/support/functionsHost.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Processes, not threads: tests change the working directory and send signals.
    pool: 'forks',
    // Most test time is spent waiting on Azurite, child processes and timers, not on a core: on a
    // 2-core machine vitest's default (cores - 1) runs one file at a time. More than two workers
    // starve the embedded-store and signal tests, which start processes of their own.
    maxWorkers: 2,
  },
});
