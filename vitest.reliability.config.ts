import { defineConfig } from 'vitest/config';

/** `npm run test:reliability`: the long reliability suite (test/reliability/*.reliability.ts) plus its quick part. */
export default defineConfig({
  test: {
    include: ['test/reliability/**/*.reliability.ts', 'test/reliability/**/*.fast.test.ts'],
    globalSetup: ['test/support/azuriteGlobalSetup.ts'],
    testTimeout: 60 * 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
