import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', '.caravan/**', 'contracts/out/**', 'contracts/cache/**'],
    globalSetup: ['test/helpers/globalSetup.ts'],
    testTimeout: 90_000,
    hookTimeout: 120_000,
    // Two cores: files run two at a time; each gets its own database, queue prefix and operator key.
    maxWorkers: 2,
    pool: 'forks',
  },
});
