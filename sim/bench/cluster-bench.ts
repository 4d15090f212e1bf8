import { findVariant, PROTOCOL_VARIANTS, type VariantName } from '../../impl/variants/variant-registry.ts';
import { runSeed } from '../run/run-seed.ts';
import type { RunResult } from '../run/run-result.ts';
import type { BenchFigure } from './bench-figure.ts';
import { interleave, median, pairedRatios } from './pairs.ts';
import { wallClockMs } from './wall-clock.ts';

/** Interleaved rounds of seed 42 with and without the consumer groups. */
const GROUP_COST_ROUNDS = 2;

export interface ClusterBenchRun {
  /** Simulated duration of every run; 60 s is the default run's. */
  readonly durationMs: number;
  /** Seeds a variant sweep tries before it gives up (the bar: caught within 100 seeds); 0 skips the sweeps. */
  readonly variantSeeds: number;
}

function run(seed: number, durationMs: number, variants: readonly VariantName[], config: Readonly<Record<string, string>>, groups = true): RunResult {
  return runSeed({ seed, durationMs, brokers: 3, faults: { type: 'swarm' }, config, variants, repro: `bench seed ${seed}`, groups });
}

/**
 * The Kafka cluster's figures: wall time, events per wall second and simulated-to-wall ratio of
 * the default run (`npm run sim -- --seed 42`), and for each historical variant the first seed of
 * a plain sweep that finds its bug, with the wall seconds the sweep took, and whether the fixed
 * protocol passes that seed under the variant's configuration. Nothing here compares two timings,
 * so each figure is a single run.
 */
export function runClusterBench(options: ClusterBenchRun): { figures: BenchFigure[]; details: Record<string, unknown> } {
  const figures: BenchFigure[] = [];
  const start = wallClockMs();
  const seed42 = run(42, options.durationMs, [], {});
  const wallMs = wallClockMs() - start;
  figures.push(
    { name: 'cluster.seed42.wallMs', value: Math.round(wallMs), unit: 'ms', note: `npm run sim -- --seed 42: ${seed42.verdict}, ${seed42.simulatedMs} ms simulated` },
    { name: 'cluster.seed42.eventsPerWallSecond', value: Math.round(seed42.events / (wallMs / 1000)), unit: 'events/s', note: `the default run (${options.durationMs / 1000} s simulated)` },
    { name: 'cluster.seed42.simulatedToWallRatio', value: Math.round((seed42.simulatedMs / wallMs) * 10) / 10, unit: 'x', note: 'simulated milliseconds per wall millisecond' },
  );
  // The default run (consumer groups included) timed side by side with the run without them
  // (`--no-groups`) (interleaved rounds, median of the per-round ratios: `pairs.ts`).
  const timed = (groups: boolean) => (): { result: RunResult; wallMs: number } => {
    const begin = wallClockMs();
    const result = run(42, options.durationMs, [], {}, groups);
    return { result, wallMs: wallClockMs() - begin };
  };
  const rounds = interleave(GROUP_COST_ROUNDS, { plain: timed(false), groups: timed(true) });
  const cost = pairedRatios(rounds.groups.map((round) => round.wallMs), rounds.plain.map((round) => round.wallMs));
  const withGroups = rounds.groups[0]?.result as RunResult;
  const withoutGroups = rounds.plain[0]?.result as RunResult;
  const groupsWallMs = median(rounds.groups.map((round) => round.wallMs));
  figures.push(
    { name: 'cluster.seed42.groups.costRatio', value: Math.round(cost.median * 100) / 100, unit: 'x', note: `wall time of npm run sim -- --seed 42 (with the consumer groups) over the run with --no-groups, median of ${GROUP_COST_ROUNDS} interleaved rounds (${cost.min.toFixed(2)}..${cost.max.toFixed(2)}); ${withGroups.events} events against ${withoutGroups.events} without; ${withGroups.verdict}` },
    { name: 'cluster.seed42.groups.eventsPerWallSecond', value: Math.round(withGroups.events / (groupsWallMs / 1000)), unit: 'events/s', note: 'the default run with its two consumer groups, median wall time of the interleaved rounds' },
    { name: 'cluster.seed42.groups.simulatedToWallRatio', value: Math.round((withGroups.simulatedMs / groupsWallMs) * 10) / 10, unit: 'x', note: 'simulated milliseconds per wall millisecond, with the groups' },
  );
  const variants: Record<string, unknown> = {};
  for (const variant of options.variantSeeds === 0 ? [] : PROTOCOL_VARIANTS) {
    const config = findVariant(variant.name)?.configOverrides ?? {};
    const sweepStart = wallClockMs();
    let found: RunResult | undefined;
    for (let seed = 1; seed <= options.variantSeeds && found === undefined; seed++) {
      // The variant's configuration comes with it, as `--variant` merges it on the command line.
      const result = run(seed, options.durationMs, [variant.name], config);
      if (result.verdict !== 'pass') found = result;
    }
    const seconds = (wallClockMs() - sweepStart) / 1000;
    const fixed = found === undefined ? undefined : run(found.seed, options.durationMs, [], config);
    const invariant = found?.violations.find((violation) => violation.applies)?.invariant ?? (found?.verdict === 'liveness' ? `liveness: ${found.liveness ?? ''}` : found?.verdict);
    variants[variant.name] = { firstSeed: found?.seed ?? null, invariant: invariant ?? null, wallSeconds: Math.round(seconds * 10) / 10, fixedProtocolVerdict: fixed?.verdict ?? null };
    figures.push({
      name: `variant.${variant.name}.firstFailingSeed`,
      value: found?.seed ?? -1,
      unit: 'seed',
      note: found === undefined ? `not found in seeds 1..${options.variantSeeds} (${seconds.toFixed(1)} s)` : `${invariant ?? '?'} after ${seconds.toFixed(1)} s of sweep; fixed protocol on that seed: ${fixed?.verdict ?? '?'}`,
    });
  }
  return { figures, details: { durationMs: options.durationMs, variantSeeds: options.variantSeeds, seed42: { verdict: seed42.verdict, events: seed42.events, simulatedMs: seed42.simulatedMs, wallMs: Math.round(wallMs) }, variants } };
}
