import type { SweepPool } from '../sim/cli/main.ts';
import type { RunResult } from '../sim/run/run-result.ts';
import type { SeedRun } from '../sim/run/run-seed.ts';
import { runOnWorkers } from '../sim/run/worker-pool.ts';
import { bundledBuild } from '../sim/run/build-info.ts';

/** The worker module: bundled beside the command line by `bin/build.mjs`, or the source under tsx. */
const SWEEP_WORKER = bundledBuild === undefined ? new URL('../sim/run/sweep-worker.ts', import.meta.url) : new URL('./sweep-worker.mjs', import.meta.url);

/**
 * A sweep on worker threads (`sim/run/sweep-worker.ts`), for `npm run sim -- --jobs N`. It lives
 * outside sim/ because waiting on threads is real asynchrony; each run inside a worker is as
 * deterministic as ever, and the command line puts the results back in seed order.
 */
export const workerSweepPool: SweepPool = (runs, jobs, result) =>
  new Promise((resolve, reject) => {
    runOnWorkers<SeedRun, RunResult>(SWEEP_WORKER, runs, jobs, {
      result,
      done: (error) => (error === undefined ? resolve() : reject(error)),
    });
  });
