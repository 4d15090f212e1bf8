import { defineConfig } from 'vitest/config';

// Tests live next to the code (`*.test.ts`) and under `properties/`. The simulator is
// single-threaded and deterministic, so the only parallelism is across test files.
export default defineConfig({
  test: {
    include: ['impl/**/*.test.ts', 'model/**/*.test.ts', 'sim/**/*.test.ts', 'properties/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    coverage: {
      provider: 'v8',
      include: ['impl/**', 'model/**', 'sim/**', 'properties/**'],
      exclude: ['**/*.test.ts'],
      reportsDirectory: 'reports/coverage',
    },
  },
});
