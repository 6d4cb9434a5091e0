import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// `npm run e2e`: browser tests against the real server started as a user would (`node scripts/start.mjs`).
export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['e2e/tests/**/*.e2e.ts'],
    // The first start may build the console (~1 min on a small machine); browser steps are slow too.
    testTimeout: 180_000,
    hookTimeout: 240_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    sequence: { concurrent: false },
  },
});
