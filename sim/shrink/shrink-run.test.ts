import { describe, expect, it } from 'vitest';
import { runSeed, type SeedRun } from '../run/run-seed.ts';
import { failureOf, sameFailure, shrinkSeed } from './shrink-run.ts';

// The shrinker on the simulator's self-test system (ack-log), whose planted bug (acknowledge
// before fsync) loses acknowledged writes under power loss: seed 7's run fails with 59 faults.
// The shrunk run must fail the same way, with fewer faults, and be 1-minimal: each fault it kept
// is needed (removing any one of them makes the failure go away), shown by running each removal.

const base: SeedRun = {
  seed: 7,
  durationMs: 30_000,
  brokers: 3,
  faults: { type: 'swarm' },
  config: {},
  variants: [],
  repro: 'shrink test',
  system: 'ack-log',
  plantedBug: 'ack-before-fsync',
};

describe('shrinkSeed', () => {
  it('shrinks a failing run to a 1-minimal set of faults that fails the same way', () => {
    const lines: string[] = [];
    const outcome = shrinkSeed(base, 200, (line) => lines.push(line));
    if (typeof outcome === 'string') throw new Error(outcome);
    expect(outcome.failure).toEqual({ verdict: 'safety', invariant: 'AcknowledgedWritesDurable' });
    expect(outcome.before.faults).toBe(59);
    expect(outcome.after.faults).toBeGreaterThan(0);
    expect(outcome.after.faults).toBeLessThan(outcome.before.faults);
    expect(outcome.exhausted).toBe(false);
    expect(lines[0]).toBe('seed 7 fails AcknowledgedWritesDurable (safety) with 59 faults (66 schedule entries)');
    const shape = outcome.after.shape;
    const replay = (entries: typeof outcome.after.entries) => runSeed({ ...base, durationMs: shape.durationMs, partitions: shape.partitions, groups: shape.groups, schedule: { entries, plan: 'test' } });
    // The kept schedule replays to the failing run the shrink reports.
    const kept = replay(outcome.after.entries);
    expect(kept.digest).toBe(outcome.after.result.digest);
    expect(sameFailure(failureOf(kept), outcome.failure)).toBe(true);
    for (let index = 0; index < outcome.after.entries.length; index++) {
      const without = replay(outcome.after.entries.filter((_, at) => at !== index));
      expect(sameFailure(failureOf(without), outcome.failure)).toBe(false);
    }
  });

  it('says so when the seed passes', () => {
    expect(shrinkSeed({ ...base, plantedBug: undefined, seed: 2 }, 10)).toBe('seed 2 passes: there is no failure to shrink');
  });
});
