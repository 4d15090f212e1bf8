import { parentPort } from 'node:worker_threads';
import { isMutantName } from './mutant-catalogue.ts';
import { runMutantSeed, type SeedOutcome } from './mutant-run.ts';
import type { WorkerAnswer, WorkerJob } from '../run/worker-pool.ts';

// A worker of `npm run mutants`: runs the seeds it is sent, one at a time, and posts each outcome.
// Each run is deterministic on its own, so which worker runs a seed changes nothing in its result.
const port = parentPort;
if (port === null) throw new Error('mutant-worker.ts runs as a worker thread of sim/mutants/main.ts');
port.on('message', (message: WorkerJob<{ readonly mutant: string | null; readonly seed: number; readonly groups: boolean }>) => {
  const mutant = message.job.mutant === null ? undefined : message.job.mutant;
  if (mutant !== undefined && !isMutantName(mutant)) throw new Error(`unknown mutant ${mutant}`);
  const answer: WorkerAnswer<SeedOutcome> = { index: message.index, result: runMutantSeed(mutant, message.job.seed, message.job.groups) };
  port.postMessage(answer);
});
