import { parentPort } from 'node:worker_threads';
import { runSeed, type SeedRun } from './run-seed.ts';
import type { WorkerAnswer, WorkerJob } from './worker-pool.ts';
import type { RunResult } from './run-result.ts';

// A worker of a sweep (`npm run sim -- --seeds A..B --jobs N`): runs the seeds it is sent, one at a
// time, and posts each result. A run is a function of its seed and options alone, so which worker
// runs a seed changes nothing in its result or digest.
const port = parentPort;
if (port === null) throw new Error('sweep-worker.ts runs as a worker thread of sim/cli/main.ts');
port.on('message', (message: WorkerJob<SeedRun>) => {
  const answer: WorkerAnswer<RunResult> = { index: message.index, result: runSeed(message.job) };
  port.postMessage(answer);
});
