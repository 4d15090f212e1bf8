import { describe, expect, it } from 'vitest';
import { assert } from '../../impl/common/assert.ts';
import type { Message, NodeEffect, NodeInput, SimulatedNode } from '../../impl/env/node-environment.ts';
import type { TraceSink } from '../core/trace.ts';
import { DEFAULT_NETWORK_OPTIONS } from '../network/sim-network.ts';
import { runSeed, type SeedRun } from './run-seed.ts';
import { Simulation } from './simulation.ts';
import { DEFAULT_SIMULATION_OPTIONS } from './simulation-options.ts';
import type { ClusterView, SystemDefinition } from './system.ts';

const base: SeedRun = {
  seed: 1,
  durationMs: 20_000,
  brokers: 3,
  faults: { type: 'swarm' },
  config: {},
  variants: [],
  repro: 'test',
  system: 'ack-log',
};

class LinesSink implements TraceSink {
  readonly lines: string[] = [];
  write(line: string): void {
    this.lines.push(line);
  }
}

describe('Simulation with the ack-log self-test system', () => {
  it('same seed twice in one process: identical digest and trace', () => {
    const first = new LinesSink();
    const second = new LinesSink();
    const a = runSeed({ ...base, seed: 11, traceSink: first });
    const b = runSeed({ ...base, seed: 11, traceSink: second });
    expect(a.digest).toBe(b.digest);
    expect(first.lines).toEqual(second.lines);
    expect(first.lines.length).toBeGreaterThan(1_000);
    expect(a).toEqual(b);
  });

  it('different seeds give different traces', () => {
    const digests = new Set([1, 2, 3, 4, 5].map((seed) => runSeed({ ...base, seed }).digest));
    expect(digests.size).toBe(5);
  });

  it('the digest depends on every trace field: a one-line change moves it', () => {
    // Two runs that differ only in the fault mix must not collide.
    const none = runSeed({ ...base, seed: 3, faults: { type: 'none' } });
    const crash = runSeed({ ...base, seed: 3, faults: { type: 'kinds', kinds: ['crash'] } });
    expect(none.digest).not.toBe(crash.digest);
  });

  it('the workload does not change when faults are added: client choices come from their own streams', () => {
    const sinkA = new LinesSink();
    const sinkB = new LinesSink();
    runSeed({ ...base, seed: 5, faults: { type: 'none' }, traceSink: sinkA });
    runSeed({ ...base, seed: 5, faults: { type: 'kinds', kinds: ['link-lag'] }, traceSink: sinkB });
    const firstInvokes = (lines: string[]) =>
      lines.filter((line) => line.includes('"kind":"history"') && line.includes('invoke')).slice(0, 5)
        .map((line) => (JSON.parse(line) as { detail: string }).detail);
    // The first appends pick the same servers and values whatever the faults do.
    expect(firstInvokes(sinkB.lines)).toEqual(firstInvokes(sinkA.lines));
  });

  it('passes with no faults and with every fault kind', () => {
    expect(runSeed({ ...base, faults: { type: 'none' } }).verdict).toBe('pass');
    const all = runSeed({
      ...base,
      seed: 7,
      faults: { type: 'kinds', kinds: ['crash', 'power-loss', 'cluster-power-loss', 'partition', 'connection-break', 'link-lag', 'bitflip', 'disk-full', 'disk-loss'] },
    });
    expect(all.verdict).toBe('pass');
    expect(Object.values(all.faults).reduce((sum, count) => sum + count, 0)).toBeGreaterThan(5);
  });

  it('catches the planted bug (acknowledge before fsync) under power loss, and the fix passes the same seeds', () => {
    const seeds = [1, 2, 3, 4, 5, 6, 7, 8];
    const buggy = seeds.map((seed) => runSeed({ ...base, seed, faults: { type: 'kinds', kinds: ['power-loss'] }, plantedBug: 'ack-before-fsync' }));
    const caught = buggy.filter((result) => result.verdict === 'safety');
    expect(caught.length).toBeGreaterThan(0);
    expect(caught[0]?.violations[0]?.invariant).toBe('AcknowledgedWritesDurable');
    for (const seed of seeds) {
      expect(runSeed({ ...base, seed, faults: { type: 'kinds', kinds: ['power-loss'] } }).verdict).toBe('pass');
    }
  });

  it('datagram chaos breaks the FIFO assumption and AppendOrder catches it', () => {
    const results = [1, 2, 3, 4, 5, 6].map((seed) => runSeed({ ...base, seed, faults: { type: 'none' }, datagramChaos: true }));
    expect(results.some((result) => result.violations.some((violation) => violation.invariant === 'AppendOrder'))).toBe(true);
  });

  it('the planted bug is reported as not applicable when bit flips could explain the loss', () => {
    const results = [1, 2, 3, 4, 5, 6, 7, 8].map((seed) =>
      runSeed({ ...base, seed, faults: { type: 'kinds', kinds: ['power-loss', 'bitflip'] }, plantedBug: 'ack-before-fsync' }));
    const lossUnderFlips = results.filter((result) => result.faults.bitflip > 0 && result.violations.length > 0);
    expect(lossUnderFlips.length).toBeGreaterThan(0);
    for (const result of lossUnderFlips) {
      expect(result.violations.every((violation) => !violation.applies)).toBe(true);
      expect(result.verdict).not.toBe('safety');
    }
  });
});

/** A node that can be told to misbehave, to pin the verdicts the simulator gives. */
type Misbehaviour = 'none' | 'assert' | 'never-converge' | 'flood' | 'bad-transition';

class TestNode implements SimulatedNode<Message> {
  constructor(private readonly misbehaviour: Misbehaviour) {}

  handle(input: NodeInput<Message>): readonly NodeEffect<Message>[] {
    if (input.type === 'start') return [{ type: 'set-timer', name: 'tick', delayMs: 1_000 }];
    assert(input.type === 'timer', 'test node only gets timers');
    switch (this.misbehaviour) {
      case 'assert':
        assert(false, 'planted assertion failure');
        return [];
      case 'flood':
        return [{ type: 'set-timer', name: 'tick', delayMs: 0 }];
      case 'bad-transition':
        return [
          { type: 'transition', machine: 'node-process', instance: 'ghost', event: { type: 'crash' }, to: 'crashed' },
          { type: 'set-timer', name: 'tick', delayMs: 1_000 },
        ];
      default:
        return [{ type: 'set-timer', name: 'tick', delayMs: 1_000 }];
    }
  }
}

function testSystem(misbehaviour: Misbehaviour): SystemDefinition<Message, TestNode, ClusterView<TestNode>> {
  return {
    name: `test (${misbehaviour})`,
    servers: ['n0', 'n1'],
    clients: [],
    config: {},
    variants: [],
    invariants: [],
    createNode: () => new TestNode(misbehaviour),
    view: (cluster) => cluster,
    pendingConvergence: (view) => (misbehaviour === 'never-converge' ? `still waiting at ${view.nowMs}` : undefined),
  };
}

function runTest(misbehaviour: Misbehaviour) {
  return new Simulation(
    { ...DEFAULT_SIMULATION_OPTIONS, seed: 1, repro: 'x', durationMs: 5_000, healTimeoutMs: 2_000, eventBudget: 50_000, network: DEFAULT_NETWORK_OPTIONS, faults: { type: 'none' } },
    testSystem(misbehaviour),
  ).run();
}

describe('Simulation verdicts', () => {
  it('pass: a quiet system converges right after the heal', () => {
    const result = runTest('none');
    expect(result.verdict).toBe('pass');
    expect(result.simulatedMs).toBe(5_000);
  });

  it('crash: an assertion in node code stops the run and is reported', () => {
    const result = runTest('assert');
    expect(result.verdict).toBe('crash');
    expect(result.crash?.message).toBe('AssertionError: planted assertion failure');
    expect(result.simulatedMs).toBe(1_000);
  });

  it('liveness: a system that never converges fails at the heal deadline', () => {
    const result = runTest('never-converge');
    expect(result.verdict).toBe('liveness');
    expect(result.liveness).toMatch(/^not converged 2000 ms after heal: still waiting at 7000$/);
  });

  it('liveness: what did not converge is explained, from the subject the system names', () => {
    const system: SystemDefinition<Message, TestNode, ClusterView<TestNode>> = {
      ...testSystem('never-converge'),
      pendingConvergence: (view) => ({ message: `n1 still waiting at ${view.nowMs}`, subject: { nodes: ['n1'] } }),
      explain: (violation) => ({ lines: [`about ${violation.subject?.nodes?.join(',') ?? 'nothing'}: ${violation.invariant} at ${violation.atMs}`] }),
    };
    const result = new Simulation(
      { ...DEFAULT_SIMULATION_OPTIONS, seed: 1, repro: 'x', durationMs: 5_000, healTimeoutMs: 2_000, eventBudget: 50_000, network: DEFAULT_NETWORK_OPTIONS, faults: { type: 'none' } },
      system,
    ).run();
    expect(result.verdict).toBe('liveness');
    expect(result.liveness).toBe('not converged 2000 ms after heal: n1 still waiting at 7000');
    expect(result.livenessExplanation).toEqual(['about n1: convergence at 7000']);
    // A system without an explainer leaves the liveness line alone.
    expect(runTest('never-converge').livenessExplanation).toBeUndefined();
  });

  it('liveness: a runaway node exhausts the event budget instead of hanging', () => {
    const result = runTest('flood');
    expect(result.verdict).toBe('liveness');
    expect(result.liveness).toMatch(/event budget of 50000 exceeded/);
    expect(result.events).toBe(50_000);
  });

  it('safety: a transition the model forbids is a ModelConformance violation', () => {
    const result = runTest('bad-transition');
    expect(result.verdict).toBe('safety');
    expect(result.violations[0]?.invariant).toBe('ModelConformance');
    expect(result.violations[0]?.message).toMatch(/event 'crash' not allowed in state 'stopped'/);
  });
});

describe('Simulation nodes started on demand (SystemDefinition.startedOnDemand)', () => {
  // A scenario driver's late client: declared up front, not started with the run, started by the
  // driver; the heal starts it only if it ever ran.
  // The nodes ignore the disconnects a crash sends their peers.
  class QuietNode extends TestNode {
    override handle(input: NodeInput<Message>): readonly NodeEffect<Message>[] {
      return input.type === 'start' || input.type === 'timer' ? super.handle(input) : [];
    }
  }
  const system = (): SystemDefinition<Message, TestNode, ClusterView<TestNode>> => ({
    ...testSystem('none'), clients: ['late', 'never'], startedOnDemand: ['late', 'never'], createNode: () => new QuietNode('none'),
  });
  const options = { ...DEFAULT_SIMULATION_OPTIONS, seed: 1, repro: 'x', durationMs: 5_000, healTimeoutMs: 2_000, eventBudget: 50_000, network: DEFAULT_NETWORK_OPTIONS, faults: { type: 'none' as const } };

  it('are not started with the run, start when the driver starts them, and the heal leaves the never-started down', () => {
    const simulation = new Simulation(options, system());
    simulation.beginScenario();
    expect(['n0', 'n1', 'late', 'never'].map((id) => simulation.isRunning(id))).toEqual([true, true, false, false]);
    simulation.advanceTo(1_000);
    simulation.start('late');
    simulation.crash('late');
    expect(simulation.isRunning('late')).toBe(false);
    simulation.advanceTo(5_000);
    expect(['n0', 'n1', 'late', 'never'].map((id) => simulation.isRunning(id))).toEqual([true, true, true, false]);
  });

  it('must be clients of the system', () => {
    expect(() => new Simulation(options, { ...system(), startedOnDemand: ['n0'] })).toThrow(/started on demand is not a client/);
  });
});

describe('Simulation setup phase and process supervisor (Kafka cluster)', () => {
  const kafka: SeedRun = { ...base, system: 'kafka', durationMs: 30_000 };
  const entries = (sink: LinesSink): { atMs: number; kind: string; node: string; name: string; value: number; detail: string }[] =>
    sink.lines.map((line) => JSON.parse(line) as { atMs: number; kind: string; node: string; name: string; value: number; detail: string });

  it('injects no fault before the topic exists and every partition has a leader', () => {
    let faulted = 0;
    for (const seed of [1, 2, 3]) {
      const sink = new LinesSink();
      // The setup takes a few simulated seconds; 12 s runs reach the faults that follow it.
      runSeed({ ...kafka, durationMs: 12_000, seed, traceSink: sink });
      const trace = entries(sink);
      const setupDone = trace.find((entry) => entry.kind === 'phase' && entry.name === 'faults');
      const topicCreated = trace.find((entry) => entry.kind === 'deliver' && entry.node === 'admin' && entry.name === 'CreateTopicsResponse');
      const firstFault = trace.find((entry) => entry.kind === 'fault');
      expect(setupDone?.detail).toBe('setup done');
      expect(topicCreated).toBeDefined();
      expect(setupDone?.atMs).toBeGreaterThanOrEqual(topicCreated?.atMs ?? Infinity);
      expect(firstFault === undefined || firstFault.atMs > (setupDone?.atMs ?? Infinity)).toBe(true);
      if (firstFault !== undefined) faulted += 1;
    }
    // Not vacuous: the runs do draw faults, after the setup.
    expect(faulted).toBeGreaterThan(0);
    // Three traced runs and their heals: longer than the default timeout on a loaded 2-core machine.
  }, 300_000);

  it('restarts a broker that halted on a failed log directory before the heal, not one that shut down as asked', () => {
    const sink = new LinesSink();
    const result = runSeed({ ...kafka, seed: 3, faults: { type: 'kinds', kinds: ['disk-full', 'controlled-shutdown'] }, traceSink: sink });
    const trace = entries(sink);
    const failed = trace.filter((entry) => entry.kind === 'node' && entry.name === 'halt' && entry.detail.startsWith('log directory failed') && entry.atMs < 30_000 - 5_000);
    expect(failed.length).toBeGreaterThan(0);
    for (const halt of failed) {
      // The supervisor starts the same node again 5 s later (or the heal does, if it came first).
      const restart = trace.find((entry) => entry.kind === 'node' && entry.name === 'start' && entry.node === halt.node && entry.atMs > halt.atMs);
      expect(restart?.atMs).toBe(halt.atMs + 5_000);
    }
    const clean = trace.filter((entry) => entry.kind === 'node' && entry.name === 'halt' && entry.detail === 'controlled shutdown complete');
    expect(clean.length).toBeGreaterThan(0);
    expect(result.verdict).toBe('pass');
  });
});
