import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Tests live next to the code (`*.test.ts`) and under `properties/`. The simulator is
// single-threaded and deterministic, so the only parallelism is across test files: one worker per
// core. Vitest's own default is one fewer than the cores, which on CI's two cores ran every file
// in one worker, one after another (the suite took 12 minutes where it fits in half that).
export default defineConfig({
  test: {
    maxWorkers: Math.max(1, availableParallelism()),
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
