import { Session } from 'node:inspector';
import { join } from 'node:path';
import { runSeed } from '../run/run-seed.ts';
import { round, type BenchFigure } from './bench-figure.ts';
import { profileShares, type CpuProfile, type ProfileShares, type Share } from './profile-shares.ts';

/**
 * Where a default run's time goes: the seeds run in this process under V8's sampling profiler
 * (`node:inspector`, whose in-process session answers synchronously), and every sample is put in
 * one share by `classifySample`. Profiling slows the run a little and evenly; the shares, not the
 * wall time, are the figure.
 */

const ROOT = join(import.meta.dirname, '..', '..');
/** Sampling interval in microseconds: 4x the density of V8's default (1 ms), 4 samples a millisecond. */
const SAMPLING_INTERVAL_US = 250;

const SHARE_NOTES: Readonly<Record<Share, string>> = {
  checkers: 'state checks, the cluster view built for them, history checks, conformance (properties/, sim/invariants/, sim/conformance/, replica logs, kafka view, history)',
  kafka: 'Kafka logic: brokers, controller, clients, log (impl/)',
  simCore: 'simulator core: queue, network, disk, trace, host loop, nemesis (the rest of sim/)',
  gc: 'V8 garbage collector',
  other: 'the rest: module loading, the bench, (program), (idle)',
};

export interface SharesRun {
  readonly seeds: readonly number[];
  readonly durationMs: number;
}

/** Calls `post` and returns what its callback was given; an in-process session answers at once. */
function postSync(session: Session, method: string, params: Record<string, unknown> | undefined): unknown {
  let answered = false;
  let answer: unknown;
  let failure: Error | null = null;
  session.post(method, params ?? {}, (error: Error | null, result: unknown) => {
    answered = true;
    failure = error;
    answer = result;
  });
  if (!answered) throw new Error(`bench: the inspector did not answer ${method} synchronously`);
  if (failure !== null) throw new Error(`bench: inspector ${method} failed: ${String(failure)}`);
  return answer;
}

function profiled(body: () => void): CpuProfile {
  const session = new Session();
  session.connect();
  try {
    postSync(session, 'Profiler.enable', undefined);
    postSync(session, 'Profiler.setSamplingInterval', { interval: SAMPLING_INTERVAL_US });
    postSync(session, 'Profiler.start', undefined);
    let stopped: { profile: CpuProfile };
    try {
      body();
    } finally {
      stopped = postSync(session, 'Profiler.stop', undefined) as { profile: CpuProfile };
      postSync(session, 'Profiler.disable', undefined);
    }
    return stopped.profile;
  } finally {
    session.disconnect();
  }
}

export function runSharesBench(run: SharesRun): { figures: BenchFigure[]; details: Record<string, unknown> } {
  let events = 0;
  const cpuProfile = profiled(() => {
    for (const seed of run.seeds) {
      const result = runSeed({ seed, durationMs: run.durationMs, brokers: 3, faults: { type: 'swarm' }, config: {}, variants: [], repro: `bench seed ${seed}` });
      if (result.verdict !== 'pass') throw new Error(`bench: seed ${seed} did not pass (${result.verdict}); run it with npm run sim -- --seed ${seed}`);
      events += result.events;
    }
  });
  const shares: ProfileShares = profileShares(cpuProfile, ROOT);
  const label = `seeds ${run.seeds[0]}..${run.seeds.at(-1)}, ${run.durationMs / 1000} s each, swarm faults`;
  const figures: BenchFigure[] = (Object.keys(SHARE_NOTES) as Share[]).map((share) => ({
    name: `share.${share}`,
    value: shares.percent[share],
    unit: '%',
    note: `${SHARE_NOTES[share]}; of ${label}`,
  }));
  const details = {
    seeds: run.seeds,
    durationMs: run.durationMs,
    events,
    samplingIntervalUs: SAMPLING_INTERVAL_US,
    samples: shares.samples,
    profiledMs: round(shares.totalMicros / 1000, 1),
    percent: shares.percent,
    ms: Object.fromEntries(Object.entries(shares.micros).map(([share, micros]) => [share, round(micros / 1000, 1)])),
  };
  return { figures, details };
}
