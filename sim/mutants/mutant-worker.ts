import { parentPort } from 'node:worker_threads';
import { isMutantName } from './mutant-catalogue.ts';
import { runMutantSeed } from './mutant-run.ts';

// A worker of `npm run mutants`: runs the seeds it is sent, one at a time, and posts each outcome.
// Each run is deterministic on its own, so which worker runs a seed changes nothing in its result.
const port = parentPort;
if (port === null) throw new Error('mutant-worker.ts runs as a worker thread of sim/mutants/main.ts');
port.on('message', (job: { readonly id: number; readonly mutant: string | null; readonly seed: number }) => {
  const mutant = job.mutant === null ? undefined : job.mutant;
  if (mutant !== undefined && !isMutantName(mutant)) throw new Error(`unknown mutant ${mutant}`);
  port.postMessage({ id: job.id, outcome: runMutantSeed(mutant, job.seed) });
});
