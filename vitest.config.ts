import { defineConfig } from 'vitest/config';

// `npm test`: every unit and integration test of the workspaces (browser tests run via `npm run e2e`).
export default defineConfig({
  test: {
    include: ['{server,simulators,packages,web,bench}/**/*.test.ts'],
    globalSetup: ['server/test/global-setup.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
