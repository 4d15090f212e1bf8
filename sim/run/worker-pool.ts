import { Worker } from 'node:worker_threads';
import { assert } from '../../impl/common/assert.ts';

/** The most worker threads a pool starts: each holds its own copy of the simulator's modules. */
export const MAX_WORKER_THREADS = 64;

/**
 * A worker module run from source is TypeScript too, and a worker thread does not inherit tsx's
 * loader, so a small script registers tsx and then imports the module; a bundled one
 * (`bin/build.mjs`) is JavaScript, imported as it is.
 */
function bootstrap(moduleUrl: URL): string {
  if (!moduleUrl.pathname.endsWith('.ts')) return `import(${JSON.stringify(moduleUrl.href)});`;
  return `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(moduleUrl.href)}); });`;
}

/** What a worker module receives, and what it posts back for each job. */
export interface WorkerJob<J> {
  readonly index: number;
  readonly job: J;
}
export interface WorkerAnswer<R> {
  readonly index: number;
  readonly result: R;
}

export interface PoolCallbacks<R> {
  /** Each result as a worker finishes it, in any order; answer 'stop' to end the pool early. */
  result(index: number, result: R): 'continue' | 'stop';
  /** Called once: after the last result, after a 'stop', or with the first worker error. */
  done(error?: Error): void;
}

/**
 * Runs `jobs` on up to `threads` worker threads started from `moduleUrl` (a module that answers
 * each {@link WorkerJob} with a {@link WorkerAnswer}). Jobs are handed out in order, one at a time
 * per worker, so a slow job never holds back the others. Plain callbacks: each job runs
 * synchronously and deterministically inside its worker, so which worker ran it changes nothing;
 * putting results back in order is the caller's business.
 */
export function runOnWorkers<J, R>(moduleUrl: URL, jobs: readonly J[], threads: number, callbacks: PoolCallbacks<R>): void {
  assert(Number.isInteger(threads) && threads >= 1 && threads <= MAX_WORKER_THREADS, `worker threads ${threads} out of 1..${MAX_WORKER_THREADS}`);
  if (jobs.length === 0) return callbacks.done();
  const workers: Worker[] = [];
  let next = 0;
  let live = 0;
  let ended = false;
  const end = (error?: Error): void => {
    if (ended) return;
    ended = true;
    for (const worker of workers) void worker.terminate();
    callbacks.done(error);
  };
  const feed = (worker: Worker): void => {
    if (ended) return;
    if (next < jobs.length) {
      const message: WorkerJob<J> = { index: next, job: jobs[next] as J };
      next++;
      worker.postMessage(message);
      return;
    }
    live--;
    void worker.terminate();
    if (live === 0) end();
  };
  for (let count = 0; count < Math.min(threads, jobs.length); count++) {
    const worker = new Worker(bootstrap(moduleUrl), { eval: true });
    workers.push(worker);
    live++;
    worker.on('message', (answer: WorkerAnswer<R>) => {
      if (ended) return;
      if (callbacks.result(answer.index, answer.result) === 'stop') return end();
      feed(worker);
    });
    worker.on('error', (error) => end(error));
    feed(worker);
  }
}

/**
 * Puts results that arrive in any order back in index order: `push` hands each result to `emit`
 * as soon as every earlier one has been emitted. `emit` answers 'stop' to end the sequence there.
 */
export class InOrder<R> {
  private readonly waiting = new Map<number, R>();
  private nextIndex = 0;
  private stopped = false;

  constructor(private readonly emit: (index: number, result: R) => 'continue' | 'stop') {}

  push(index: number, result: R): 'continue' | 'stop' {
    assert(!this.waiting.has(index) && index >= this.nextIndex, `result ${index} arrived twice`);
    this.waiting.set(index, result);
    while (!this.stopped && this.waiting.has(this.nextIndex)) {
      const ready = this.waiting.get(this.nextIndex) as R;
      this.waiting.delete(this.nextIndex);
      if (this.emit(this.nextIndex++, ready) === 'stop') this.stopped = true;
    }
    return this.stopped ? 'stop' : 'continue';
  }

  /** How many results have been emitted. */
  get emitted(): number {
    return this.nextIndex;
  }
}
