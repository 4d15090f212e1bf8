import { describe, expect, it } from 'vitest';
import type { TraceSink } from '../core/trace.ts';
import { FAULT_KINDS } from '../nemesis/fault-kind.ts';
import type { ScheduleEntry } from '../nemesis/fault-schedule.ts';
import type { RunResult } from './run-result.ts';
import { runSeed, type SeedRun } from './run-seed.ts';

// A seed's run records its fault schedule; replaying that schedule (`--schedule`) must be the
// same run, and a schedule with entries deleted must still run to the end.

function ackLog(seed: number): SeedRun {
  return { seed, durationMs: 20_000, brokers: 3, faults: { type: 'swarm' }, config: {}, variants: [], repro: '', system: 'ack-log' };
}

function replay(run: SeedRun, entries: readonly ScheduleEntry[], traceSink?: TraceSink): RunResult {
  return runSeed({ ...run, schedule: { entries, plan: 'test' }, ...(traceSink === undefined ? {} : { traceSink }) });
}

/** What must be equal between a run and the replay of its schedule. */
function outcome(result: RunResult): unknown {
  const { digest, verdict, events, traceEntries, simulatedMs, faults, faultsHeldBack, faultsSkipped, schedule, violations, invariants } = result;
  return { digest, verdict, events, traceEntries, simulatedMs, faults, faultsHeldBack, faultsSkipped, schedule, violations, invariants };
}

class Lines implements TraceSink {
  readonly entries: { kind: string; name: string; detail: string }[] = [];
  write(line: string): void {
    this.entries.push(JSON.parse(line) as Lines['entries'][number]);
  }
}

describe('fault schedules on the self-test system', () => {
  it('replays each seed to the same run', () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const run = ackLog(seed);
      const drawn = runSeed(run);
      expect(drawn.schedule.some((entry) => entry.type === 'fault'), `seed ${seed} has faults`).toBe(true);
      expect(outcome(replay(run, drawn.schedule)), `seed ${seed}`).toEqual(outcome(drawn));
    }
  });

  it('runs a schedule with any one fault deleted to the end, without that fault, and that run replays to itself', () => {
    const run = ackLog(1);
    const drawn = runSeed(run);
    const faults = drawn.schedule.filter((entry) => entry.type === 'fault');
    expect(faults.length).toBeGreaterThanOrEqual(10);
    const digests = new Set<string>();
    for (const deleted of faults) {
      const entries = drawn.schedule.filter((entry) => entry !== deleted);
      const shortened = replay(run, entries);
      expect(shortened.crash, `without ${JSON.stringify(deleted)}`).toBeUndefined();
      expect(shortened.verdict).toBe('pass');
      expect(shortened.schedule).not.toContainEqual(deleted);
      expect(shortened.schedule).toHaveLength(entries.length);
      const struck = shortened.schedule.filter((entry) => entry.type === 'fault').length;
      expect(struck).toBeLessThanOrEqual(faults.length - 1);
      expect(FAULT_KINDS.reduce((sum, kind) => sum + shortened.faults[kind], 0)).toBe(struck);
      expect(outcome(replay(run, shortened.schedule))).toEqual(outcome(shortened));
      digests.add(shortened.digest);
    }
    // Each deletion changed the run: no two shortened schedules gave the same trace.
    expect(digests.size).toBe(faults.length);
    expect(digests.has(drawn.digest)).toBe(false);
  });

  it('skips a fault whose target cannot take it, counts and traces it, and replays the skip', () => {
    const run = ackLog(1);
    const drawn = runSeed(run);
    const index = drawn.schedule.findIndex((entry) => entry.type === 'fault' && entry.kind === 'power-loss');
    const powerLoss = drawn.schedule[index] as ScheduleEntry & { type: 'fault'; kind: 'power-loss' };
    // The same power loss again a millisecond later: its node is down by then.
    const again: ScheduleEntry = { ...powerLoss, at: powerLoss.at + 1, end: powerLoss.end + 1 };
    const entries = [...drawn.schedule.slice(0, index + 1), again, ...drawn.schedule.slice(index + 1)];
    const lines = new Lines();
    const result = replay(run, entries, lines);
    expect(result.crash).toBeUndefined();
    expect(result.faultsSkipped['power-loss']).toBe(1);
    expect(result.faults['power-loss']).toBe(drawn.faults['power-loss']);
    const skipped: ScheduleEntry = { at: again.at, type: 'skipped', kind: 'power-loss', reason: `${powerLoss.node} is not running` };
    expect(result.schedule).toContainEqual(skipped);
    expect(lines.entries.filter((line) => line.kind === 'fault' && line.name === 'power-loss-skipped')).toEqual([
      { atMs: again.at, kind: 'fault', node: '', peer: '', name: 'power-loss-skipped', value: 1, detail: skipped.reason },
    ]);
    // The trace file holds the schedule as notes, one per entry, which the digest leaves out.
    expect(lines.entries.filter((line) => line.kind === 'schedule').map((line) => JSON.parse(line.detail) as ScheduleEntry)).toEqual(result.schedule);
    expect(replay(run, result.schedule).digest).toBe(result.digest);
    expect(replay(run, entries).digest).toBe(result.digest);
  });
});

/** Seeds whose schedules at 15 s hold every fault kind, held-back and idle entries between them. */
const KAFKA_SEEDS: readonly { readonly seed: number; readonly groups: boolean; readonly beyond: boolean }[] = [
  { seed: 1, groups: true, beyond: false },
  { seed: 3, groups: true, beyond: false },
  { seed: 6, groups: true, beyond: false },
  { seed: 8, groups: true, beyond: false },
  { seed: 42, groups: true, beyond: false },
  { seed: 7, groups: false, beyond: false },
  { seed: 11, groups: true, beyond: true },
];

describe('fault schedules on the Kafka cluster', () => {
  it('replay each seed to the same run: same digest, verdict, events, checks and schedule', () => {
    const seen = new Set<string>();
    for (const { seed, groups, beyond } of KAFKA_SEEDS) {
      const run: SeedRun = { seed, durationMs: 15_000, brokers: 3, faults: { type: beyond ? 'swarm-beyond' : 'swarm' }, config: {}, variants: [], repro: '', groups };
      const drawn = runSeed(run);
      for (const entry of drawn.schedule) seen.add(entry.type === 'fault' ? entry.kind : entry.type);
      expect(outcome(replay(run, drawn.schedule)), `seed ${seed}`).toEqual(outcome(drawn));
    }
    // The seeds exercise every kind, and the entries that are not faults: if a change to the
    // nemesis moves them, pick seeds that do.
    expect([...seen].sort()).toEqual([...FAULT_KINDS, 'held-back', 'idle'].sort());
    // Fourteen 15 s runs of the Kafka cluster: longer than the default timeout on a loaded 2-core
    // machine (133 s in a CI run that shared it).
  }, 300_000);
});
