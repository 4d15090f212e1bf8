import { findVariant, PROTOCOL_VARIANTS, type VariantName } from '../../impl/variants/variant-registry.ts';
import { runSeed } from '../run/run-seed.ts';
import type { RunResult } from '../run/run-result.ts';
import type { BenchFigure } from './bench-figure.ts';
import { wallClockMs } from './wall-clock.ts';

export interface ClusterBenchRun {
  /** Simulated duration of every run; 60 s is the default run's. */
  readonly durationMs: number;
  /** Seeds a variant sweep tries before it gives up (the bar: caught within 100 seeds); 0 skips the sweeps. */
  readonly variantSeeds: number;
}

function run(seed: number, durationMs: number, variants: readonly VariantName[], config: Readonly<Record<string, string>>): RunResult {
  return runSeed({ seed, durationMs, brokers: 3, faults: { type: 'swarm' }, config, variants, repro: `bench seed ${seed}` });
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
