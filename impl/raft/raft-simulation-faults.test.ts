import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chaos, FAST_TIMEOUTS, RaftCluster, type RaftClusterOptions } from './raft-simulation-test-support.ts';

// The second half of the RaftEventSimulationTest port (see raft-simulation.test.ts): random faults
// instead of scripted scenarios. Goal: every invariant holds after every event of seeded runs with
// crashes, power loss, partitions and heals, at Kafka's timeouts and at timeouts short enough
// that elections overlap; runs are deterministic; and planted bugs are caught. Method: the
// harness's `chaos` schedule, seeds drawn by fast-check (or fixed for the planted bugs).

const CONVERGE_MAX_MS = 30_000;

function cluster(options: RaftClusterOptions): RaftCluster {
  const created = new RaftCluster(options);
  created.start();
  return created;
}

const seeds = fc.integer({ min: 0, max: 1_000_000 });
const voterCounts = fc.constantFrom(3, 5);

describe('safety under random faults', () => {
  it('is deterministic: the same seed gives the same run, event for event', () => {
    const runOnce = (seed: number): string => {
      const run = cluster({ seed, voters: 3, observers: 1 });
      chaos(run, seed, 6_000);
      run.runFor(6_000);
      const final = run.nodes.map((node) => `${node.client?.quorum.state.type} ${node.client?.highWatermark()} ${node.client?.log.endOffset()}`);
      return [run.eventsRun, run.appended, ...run.trace, ...final].join('\n');
    };
    const first = runOnce(7);
    expect(runOnce(7)).toBe(first);
    expect(runOnce(8)).not.toBe(first);
  });

  it('keeps every invariant through crashes, power loss and partitions', () => {
    fc.assert(
      fc.property(seeds, voterCounts, fc.boolean(), fc.boolean(), fc.boolean(), (seed, voters, checkQuorum, preVote, fast) => {
        const timeouts = fast ? { timeouts: FAST_TIMEOUTS, networkDelayMs: [1, 20] as const } : {};
        const run = cluster({ seed, voters, observers: 1, checkQuorum, preVote, ...timeouts });
        const durationMs = fast ? 5_000 : 15_000;
        chaos(run, seed, durationMs);
        expect(run.runFor(durationMs), run.violation?.message).toBe(true);
        expect(run.runUntilTrue(() => run.converged(), CONVERGE_MAX_MS), `not converged: ${run.violation?.message}`).toBe(true);
        expect(run.validateCommittedData()).toBeUndefined();
      }),
      { numRuns: 10 },
    );
  });
});

/** Runs chaos on up to `maxSeeds` seeds and returns the first violation's invariant name. */
function firstViolation(options: Omit<RaftClusterOptions, 'seed'>, maxSeeds: number, durationMs: number): string | undefined {
  for (let seed = 0; seed < maxSeeds; seed++) {
    const run = cluster({ ...options, seed });
    chaos(run, seed, durationMs);
    run.runFor(durationMs + 5_000);
    if (run.violation !== undefined) return run.violation.invariant;
    const final = run.validateCommittedData();
    if (final !== undefined) return final.invariant;
  }
  return undefined;
}

describe('the checkers catch planted bugs (test-only options)', () => {
  it('SingleLeader catches a replica that grants two binding votes in one epoch', () => {
    const fast = { timeouts: FAST_TIMEOUTS, networkDelayMs: [1, 20] as const };
    expect(firstViolation({ voters: 3, preVote: false, ...fast, testOnlyBugs: { grantSecondBindingVote: true } }, 30, 5_000)).toBe('SingleLeader');
  });

  it('MajorityReachedHighWatermark catches a log that is never fsynced (followers lose committed records)', () => {
    expect(firstViolation({ voters: 3, testOnlyBugs: { skipLogFsync: true } }, 10, 15_000)).toBe('MajorityReachedHighWatermark');
  });

  it('MonotonicHighWatermark catches a whole quorum that loses its unsynced log to power loss', () => {
    const run = cluster({ seed: 3, voters: 3, observers: 1, testOnlyBugs: { skipLogFsync: true } });
    expect(run.runUntilTrue(() => run.hasStableLeader(), 20_000)).toBe(true);
    run.workload(20, run.clock.now + 1_000);
    expect(run.runFor(2_000)).toBe(true);
    expect(run.maxHighWatermark()).toBeGreaterThan(10);
    for (const node of run.nodes) run.crash(node.id, true);
    for (const node of run.nodes) run.restart(node.id);
    run.runFor(20_000);
    expect(run.violation?.invariant).toBe('MonotonicHighWatermark');
  });
});
