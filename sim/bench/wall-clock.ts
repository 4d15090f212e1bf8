import { performance } from 'node:perf_hooks';

/**
 * The benchmark's stopwatch, and the only reader of real time under `sim/`. It measures the
 * simulator from outside and never feeds anything back into a run, so results stay deterministic;
 * the forbidden-globals test exempts this one file by name.
 */
export function wallClockMs(): number {
  return performance.now();
}
