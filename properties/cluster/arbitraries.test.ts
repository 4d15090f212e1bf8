import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FAULT_KINDS } from '../../sim/nemesis/fault-kind.ts';
import { hasRepairEvent, type FaultEntry } from '../../sim/nemesis/fault-schedule.ts';
import { checkScheduleTargets, parseScheduleFile } from '../../sim/nemesis/schedule-file.ts';
import { CONFIG_BOUNDS, FIRST_FAULT_MS, MAX_FAULTS, clusterCaseArbitrary, clusterTargets, partitionLinks, scheduleArbitrary, type ClusterCase } from './arbitraries.ts';
import { caseCommand, scheduleFileOf } from './cluster-run.ts';

// The arbitraries draw nothing but cases a real run accepts; these tests run no simulation.
const SAMPLE: readonly ClusterCase[] = fc.sample(clusterCaseArbitrary(), { seed: 14, numRuns: 300 });

describe('cluster arbitraries', () => {
  it('draw configurations within the bounds and within what the claims promise', () => {
    for (const { config } of SAMPLE) {
      expect(config.brokers).toBeGreaterThanOrEqual(CONFIG_BOUNDS.brokers[0]);
      expect(config.brokers).toBeLessThanOrEqual(CONFIG_BOUNDS.brokers[1]);
      expect(config.partitions).toBeGreaterThanOrEqual(CONFIG_BOUNDS.partitions[0]);
      expect(config.partitions).toBeLessThanOrEqual(CONFIG_BOUNDS.partitions[1]);
      expect(config.replicationFactor).toBeLessThanOrEqual(config.brokers);
      expect(config.minInsyncReplicas).toBeGreaterThanOrEqual(2);
      expect(config.minInsyncReplicas).toBeLessThanOrEqual(config.replicationFactor);
      expect(config.durationMs).toBeGreaterThanOrEqual(CONFIG_BOUNDS.durationMs[0]);
      expect(config.durationMs).toBeLessThanOrEqual(CONFIG_BOUNDS.durationMs[1]);
      // The command line takes the case's options as they are, acks at its default, all.
      const command = caseCommand({ config, workload: { seed: 1 }, schedule: [] });
      expect(command.runConfig).toEqual({ 'min.insync.replicas': String(config.minInsyncReplicas) });
      expect(command.groups).toBe(config.groups);
    }
    expect(new Set(SAMPLE.map(({ config }) => `${config.brokers}/${config.groups}`)).size).toBe(4);
  });

  it('draw schedules that fit their run: checkScheduleTargets accepts every one', () => {
    for (const testCase of SAMPLE) {
      expect(checkScheduleTargets(testCase.schedule, clusterTargets(testCase.config))).toBeUndefined();
    }
  });

  it('draw faults in time order, within the safety phase, each repaired after it strikes', () => {
    for (const { config, schedule } of SAMPLE) {
      expect(schedule.length).toBeLessThanOrEqual(MAX_FAULTS);
      for (const [index, entry] of schedule.entries()) {
        expect(entry.at).toBeGreaterThanOrEqual(FIRST_FAULT_MS);
        expect(entry.at).toBeLessThan(config.durationMs);
        if (index > 0) expect(entry.at).toBeGreaterThanOrEqual((schedule[index - 1] as FaultEntry).at);
        if (hasRepairEvent(entry) || entry.kind === 'client-stall') expect('end' in entry && entry.end > entry.at).toBe(true);
        if (entry.kind.startsWith('client-')) expect(config.groups).toBe(true);
      }
    }
  });

  it('draw every fault kind of the default swarm', () => {
    const drawn = new Set(SAMPLE.flatMap(({ schedule }) => schedule.map((entry) => entry.kind)));
    expect([...drawn].sort()).toEqual([...FAULT_KINDS].sort());
  });

  it('write each case as a schedule file that reads back to the same entries', () => {
    for (const testCase of SAMPLE.slice(0, 50)) {
      const file = parseScheduleFile(scheduleFileOf(testCase));
      if (typeof file === 'string') throw new Error(file);
      expect(file.entries).toEqual(testCase.schedule);
      expect(file.args.slice(0, 2)).toEqual(['--seed', String(testCase.workload.seed)]);
    }
  });

  it('shrink a schedule by removing faults, down to the one that matters', () => {
    // A stand-in for a run: the "bug" needs a crash of broker-1. The shrunk schedule is that crash alone.
    const targets = clusterTargets({ brokers: 3, partitions: 1, replicationFactor: 3, minInsyncReplicas: 2, groups: false, durationMs: 10_000 });
    const details = fc.check(
      fc.property(scheduleArbitrary(targets), (schedule) => !schedule.some((entry) => entry.kind === 'crash' && entry.node === 'broker-1')),
      { seed: 3, numRuns: 500 },
    );
    expect(details.failed).toBe(true);
    const shrunk = details.counterexample?.[0] ?? [];
    expect(shrunk).toHaveLength(1);
    expect(shrunk[0]).toMatchObject({ kind: 'crash', node: 'broker-1' });
  });

  it('shrink a case\'s schedule first, then its configuration with the schedule kept where it fits', () => {
    // A stand-in for a run: the "bug" needs a crash of broker-1 and at least two partitions.
    const failing = (testCase: ClusterCase): boolean =>
      testCase.config.partitions >= 2 && testCase.schedule.some((entry) => entry.kind === 'crash' && entry.node === 'broker-1');
    const details = fc.check(fc.property(clusterCaseArbitrary(), (testCase) => !failing(testCase)), { seed: 5, numRuns: 1_000 });
    expect(details.failed).toBe(true);
    const shrunk = details.counterexample?.[0];
    if (shrunk === undefined) throw new Error('no counterexample');
    expect(shrunk.schedule).toHaveLength(1);
    const crash = shrunk.schedule[0] as FaultEntry;
    expect(crash).toMatchObject({ kind: 'crash', node: 'broker-1' });
    // Everything else at its minimum, but the run still long enough for the crash to strike.
    expect(shrunk.config).toMatchObject({ brokers: 3, partitions: 2, replicationFactor: 3, minInsyncReplicas: 2, groups: false });
    expect(shrunk.config.durationMs).toBe(Math.max(CONFIG_BOUNDS.durationMs[0], (Math.floor(crash.at / 1000) + 1) * 1000));
  });

  it('cut the links of each partition shape as the nemesis does', () => {
    const servers = ['broker-0', 'broker-1', 'broker-2'];
    const clients = ['admin', 'producer-0'];
    // isolate broker-1; admin on its side, producer-0 on the other.
    expect(partitionLinks('isolate', ['broker-1', 'broker-0', 'broker-2'], clients, [true, false], ['admin', 'broker-0'])).toEqual([
      ['broker-1', 'broker-0'], ['broker-0', 'broker-1'],
      ['broker-1', 'broker-2'], ['broker-2', 'broker-1'],
      ['broker-1', 'producer-0'], ['producer-0', 'broker-1'],
      ['admin', 'broker-0'], ['broker-0', 'admin'],
      ['admin', 'broker-2'], ['broker-2', 'admin'],
      ['admin', 'producer-0'], ['producer-0', 'admin'],
    ]);
    // A bridge (broker-0) reaches both sides, which cannot reach each other.
    const bridge = partitionLinks('bridge', servers, [], [], ['admin', 'broker-0']);
    expect(bridge).toEqual([['broker-1', 'broker-2'], ['broker-2', 'broker-1']]);
    expect(partitionLinks('one-way', servers, clients, [true, true], ['admin', 'broker-0'])).toEqual([['admin', 'broker-0']]);
  });
});
