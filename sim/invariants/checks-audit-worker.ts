import { parentPort } from 'node:worker_threads';
import type { SeedRun } from '../run/run-seed.ts';
import type { WorkerAnswer, WorkerJob } from '../run/worker-pool.ts';
import { auditSeed, type AuditOutcome } from './checks-audit-run.ts';

// A worker of `npm run checks-audit`: audits the seeds it is sent, one at a time. Each run is
// deterministic on its own, so which worker audits a seed changes nothing in its outcome.
const port = parentPort;
if (port === null) throw new Error('checks-audit-worker.ts runs as a worker thread of sim/invariants/checks-audit-main.ts');
port.on('message', (message: WorkerJob<SeedRun>) => {
  const answer: WorkerAnswer<AuditOutcome> = { index: message.index, result: auditSeed(message.job) };
  port.postMessage(answer);
});
