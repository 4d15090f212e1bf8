import { setup } from 'xstate';
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../impl/common/assert.ts';
import { MODEL_MACHINES, PROCESS_SCOPED_MACHINES } from '../../model/index.ts';
import type { MachineCoverage } from '../run/run-result.ts';
import { ConformanceMonitor, enumerateMachine, stateValueName } from './conformance-monitor.ts';

/** A small nested machine, so the monitor is shown to handle compound states and parent edges. */
const electionMachine = setup({
  types: { events: {} as { type: 'elect' } | { type: 'lose' } | { type: 'fence' } | { type: 'rejoin' } },
}).createMachine({
  id: 'election',
  initial: 'member',
  states: {
    member: {
      initial: 'follower',
      on: { fence: { target: 'fenced' } },
      states: {
        follower: { on: { elect: { target: 'leader' } } },
        leader: { on: { lose: { target: 'follower' } } },
      },
    },
    fenced: { on: { rejoin: { target: 'member' } } },
  },
});

const NODE = 'node-process';

function observeAll(
  monitor: ConformanceMonitor,
  steps: ReadonlyArray<readonly [instance: string, event: string, to: string]>,
  machine = NODE,
  startMs = 0,
): Array<string | undefined> {
  return steps.map(([instance, event, to], index) =>
    monitor.observe(startMs + index * 10, { machine, instance, event: { type: event }, to }),
  );
}

function coverageOf(monitor: ConformanceMonitor, machine: string): MachineCoverage {
  const found = monitor.coverage().find((coverage) => coverage.machine === machine);
  expect(found, machine).toBeDefined();
  return found!;
}

describe('ConformanceMonitor', () => {
  it('accepts an allowed sequence and counts coverage exactly', () => {
    const monitor = new ConformanceMonitor(MODEL_MACHINES);
    const results = observeAll(monitor, [
      ['broker-1', 'start', 'running'],
      ['broker-1', 'crash', 'crashed'],
      ['broker-1', 'start', 'running'],
      ['broker-1', 'crash', 'crashed'],
    ]);
    expect(results).toEqual([undefined, undefined, undefined, undefined]);

    const coverage = coverageOf(monitor, NODE);
    expect(coverage.states).toEqual(['crashed', 'powered-off', 'running', 'stopped']);
    expect(coverage.transitions).toHaveLength(10);
    // `stopped` counts because the instance was created in it.
    expect(coverage.statesReached).toEqual(['crashed', 'running', 'stopped']);
    // Four observations, three distinct edges: the second crash repeats the first.
    expect(coverage.transitionsTaken).toEqual([
      'crashed --start--> running',
      'running --crash--> crashed',
      'stopped --start--> running',
    ]);
    expect(coverage.rejected).toBe(0);
    expect(monitor.stateOf(NODE, 'broker-1')).toBe('crashed');
  });

  it('tracks instances independently', () => {
    const monitor = new ConformanceMonitor(MODEL_MACHINES);
    const results = observeAll(monitor, [
      ['broker-1', 'start', 'running'],
      ['broker-2', 'start', 'running'],
      ['broker-1', 'power-loss', 'powered-off'],
      // broker-2 is still running, so its shutdown is allowed although broker-1 is down.
      ['broker-2', 'shutdown', 'stopped'],
      ['broker-2', 'replace-disk', 'stopped'],
    ]);
    expect(results).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(monitor.stateOf(NODE, 'broker-1')).toBe('powered-off');
    expect(monitor.stateOf(NODE, 'broker-2')).toBe('stopped');
    expect(monitor.stateOf(NODE, 'broker-3')).toBeUndefined();
    expect(coverageOf(monitor, NODE).transitionsTaken).toEqual([
      'running --power-loss--> powered-off',
      'running --shutdown--> stopped',
      'stopped --replace-disk--> stopped',
      'stopped --start--> running',
    ]);
  });

  it('reports a transition the model forbids and leaves the instance where it was', () => {
    const monitor = new ConformanceMonitor(MODEL_MACHINES);
    const message = monitor.observe(5, { machine: NODE, instance: 'broker-1', event: { type: 'crash' }, to: 'crashed' });
    expect(message).toBe("node-process broker-1: event 'crash' not allowed in state 'stopped'");
    expect(monitor.stateOf(NODE, 'broker-1')).toBe('stopped');

    const coverage = coverageOf(monitor, NODE);
    expect(coverage.rejected).toBe(1);
    expect(coverage.statesReached).toEqual(['stopped']);
    expect(coverage.transitionsTaken).toEqual([]);

    // An event name the machine has never heard of is rejected the same way.
    expect(monitor.observe(6, { machine: NODE, instance: 'broker-1', event: { type: 'reboot' }, to: 'running' })).toBe(
      "node-process broker-1: event 'reboot' not allowed in state 'stopped'",
    );
    expect(coverageOf(monitor, NODE).rejected).toBe(2);
  });

  it('reports an implementation that disagrees with the model about the target state', () => {
    const monitor = new ConformanceMonitor(MODEL_MACHINES);
    const message = monitor.observe(0, { machine: NODE, instance: 'broker-1', event: { type: 'start' }, to: 'crashed' });
    expect(message).toBe("node-process broker-1: event 'start' from 'stopped': implementation says 'crashed', model says 'running'");
    expect(coverageOf(monitor, NODE).rejected).toBe(1);
    // The model is the spec: the instance is now where the model put it.
    expect(monitor.stateOf(NODE, 'broker-1')).toBe('running');
    expect(monitor.observe(1, { machine: NODE, instance: 'broker-1', event: { type: 'crash' }, to: 'crashed' })).toBeUndefined();
  });

  it('judges a process-scoped instance reported by a new process from the initial state', () => {
    // Seed 42 with --duration 600s: the old g2-b process, fenced by its replacement, closed in
    // UNJOINED.losing; a client-crash killed it and its new process (a new KafkaConsumer) sent
    // JoinGroup, which the monitor judged from the dead process's UNJOINED.losing.
    const member = 'group-member';
    const observe = (atMs: number, process: string | undefined, event: string, to: string) =>
      monitor.observe(atMs, { machine: member, instance: 'g2/group-g2-1', event: { type: event }, to, ...(process === undefined ? {} : { process }) });
    const monitor = new ConformanceMonitor(MODEL_MACHINES, PROCESS_SCOPED_MACHINES);
    expect(observe(0, 'group-g2-1#1', 'JOIN_GROUP_SENT', 'PREPARING_REBALANCE')).toBeUndefined();
    expect(observe(1, 'group-g2-1#1', 'JOIN_GROUP_COMPLETED', 'COMPLETING_REBALANCE')).toBeUndefined();
    expect(observe(2, 'group-g2-1#1', 'SYNC_GROUP_COMPLETED', 'STABLE.assigned')).toBeUndefined();
    expect(observe(3, 'group-g2-1#1', 'RESET_GENERATION', 'UNJOINED.losing')).toBeUndefined();
    expect(observe(4, 'group-g2-1#1', 'PARTITIONS_LOST', 'UNJOINED.unassigned')).toBeUndefined();
    expect(observe(5, 'group-g2-1#1', 'RESET_GENERATION', 'UNJOINED.losing')).toBeUndefined();
    // The same process may not rejoin from there: that is the ordering the model enforces.
    expect(observe(6, 'group-g2-1#1', 'JOIN_GROUP_SENT', 'PREPARING_REBALANCE')).toBe(
      "group-member g2/group-g2-1: event 'JOIN_GROUP_SENT' not allowed in state 'UNJOINED.losing'",
    );
    // A new incarnation is a new coordinator object, in the initial state.
    expect(observe(7, 'group-g2-1#2', 'JOIN_GROUP_SENT', 'PREPARING_REBALANCE')).toBeUndefined();
    expect(monitor.stateOf(member, 'g2/group-g2-1')).toBe('PREPARING_REBALANCE');
    expect(coverageOf(monitor, member).rejected).toBe(1);
    // A process-scoped machine's report must say which process made it.
    expect(() => observe(8, undefined, 'JOIN_GROUP_COMPLETED', 'COMPLETING_REBALANCE')).toThrow(AssertionError);

    // Machines that outlive a process ignore it: a broker's restart is an edge of its own machine.
    expect(monitor.observe(9, { machine: NODE, instance: 'broker-1', event: { type: 'start' }, to: 'running', process: 'broker-1#1' })).toBeUndefined();
    expect(monitor.observe(10, { machine: NODE, instance: 'broker-1', event: { type: 'crash' }, to: 'crashed', process: 'broker-1#1' })).toBeUndefined();
    expect(monitor.observe(11, { machine: NODE, instance: 'broker-1', event: { type: 'start' }, to: 'running', process: 'broker-1#2' })).toBeUndefined();
    expect(coverageOf(monitor, NODE).transitionsTaken).toContain('crashed --start--> running');

    // Without the list (the unit tests' monitors), an instance is one object for the whole run.
    const plain = new ConformanceMonitor({ [member]: MODEL_MACHINES[member] });
    plain.observe(0, { machine: member, instance: 'g/c', event: { type: 'RESET_GENERATION' }, to: 'UNJOINED.losing', process: 'c#1' });
    expect(plain.observe(1, { machine: member, instance: 'g/c', event: { type: 'JOIN_GROUP_SENT' }, to: 'PREPARING_REBALANCE', process: 'c#2' })).toBe(
      "group-member g/c: event 'JOIN_GROUP_SENT' not allowed in state 'UNJOINED.losing'",
    );
    expect(() => new ConformanceMonitor({ [NODE]: MODEL_MACHINES[NODE] }, [member])).toThrow(AssertionError);
  });

  it('reports an unknown machine without touching any coverage', () => {
    const monitor = new ConformanceMonitor(MODEL_MACHINES);
    const before = monitor.coverage();
    const message = monitor.observe(0, { machine: 'raft-voter', instance: 'voter-1', event: { type: 'start' }, to: 'running' });
    expect(message).toBe("unknown model machine 'raft-voter' (instance voter-1, event 'start')");
    expect(monitor.coverage()).toEqual(before);
  });

  it('lists untouched machines with nothing reached, sorted by name', () => {
    const monitor = new ConformanceMonitor({ [NODE]: MODEL_MACHINES[NODE], election: electionMachine });
    observeAll(monitor, [['broker-1', 'start', 'running']]);
    const coverage = monitor.coverage();
    expect(coverage.map((entry) => entry.machine)).toEqual(['election', NODE]);
    const election = coverage[0]!;
    expect(election.states).toEqual(['fenced', 'member', 'member.follower', 'member.leader']);
    expect(election.statesReached).toEqual([]);
    expect(election.transitionsTaken).toEqual([]);
    expect(election.rejected).toBe(0);
    expect(coverage[1]!.statesReached).toEqual(['running', 'stopped']);
  });

  it('follows nested machines, naming states by path and edges by the node that defines them', () => {
    const monitor = new ConformanceMonitor({ election: electionMachine });
    expect(coverageOf(monitor, 'election').transitions).toEqual([
      'fenced --rejoin--> member',
      'member --fence--> fenced',
      'member.follower --elect--> member.leader',
      'member.leader --lose--> member.follower',
    ]);
    const results = observeAll(
      monitor,
      [
        ['replica-0', 'elect', 'member.leader'],
        ['replica-0', 'fence', 'fenced'],
        ['replica-0', 'rejoin', 'member.follower'],
        ['replica-0', 'lose', 'member.follower'],
      ],
      'election',
    );
    expect(results.slice(0, 3)).toEqual([undefined, undefined, undefined]);
    expect(results[3]).toBe("election replica-0: event 'lose' not allowed in state 'member.follower'");
    const coverage = coverageOf(monitor, 'election');
    expect(coverage.statesReached).toEqual(['fenced', 'member', 'member.follower', 'member.leader']);
    expect(coverage.transitionsTaken).toEqual([
      'fenced --rejoin--> member',
      'member --fence--> fenced',
      'member.follower --elect--> member.leader',
    ]);
    expect(coverage.rejected).toBe(1);
  });

  it('enumerates the same states and transitions as the machine graph, for every registered machine', () => {
    const monitor = new ConformanceMonitor(MODEL_MACHINES);
    for (const coverage of monitor.coverage()) {
      const machine = MODEL_MACHINES[coverage.machine as keyof typeof MODEL_MACHINES];
      expect(coverage).toMatchObject(enumerateMachine(machine));
      expect(new Set(coverage.transitions).size).toBe(coverage.transitions.length);
    }
  });

  it('names state values the way transition effects write them', () => {
    expect(stateValueName('running')).toBe('running');
    expect(stateValueName({ member: 'leader' })).toBe('member.leader');
    expect(stateValueName({ broker: { log: 'recovering', net: 'fenced' } })).toBe('broker.log.recovering,broker.net.fenced');
  });

  it('refuses observation times that run backwards', () => {
    const monitor = new ConformanceMonitor(MODEL_MACHINES);
    monitor.observe(100, { machine: NODE, instance: 'broker-1', event: { type: 'start' }, to: 'running' });
    expect(() =>
      monitor.observe(99, { machine: NODE, instance: 'broker-1', event: { type: 'crash' }, to: 'crashed' }),
    ).toThrow(AssertionError);
  });
});

describe('ConformanceMonitor.mergeCoverage', () => {
  it('unions reached sets, sums rejections and keeps machines seen on either side', () => {
    const first = new ConformanceMonitor({ [NODE]: MODEL_MACHINES[NODE] });
    observeAll(first, [
      ['broker-1', 'start', 'running'],
      ['broker-1', 'crash', 'crashed'],
      ['broker-1', 'crash', 'crashed'], // rejected: already crashed
    ]);
    const second = new ConformanceMonitor({ [NODE]: MODEL_MACHINES[NODE], election: electionMachine });
    observeAll(second, [
      ['broker-1', 'start', 'running'],
      ['broker-1', 'power-loss', 'powered-off'],
    ]);
    observeAll(second, [['replica-0', 'fence', 'fenced']], 'election', 1_000);

    const merged = ConformanceMonitor.mergeCoverage(first.coverage(), second.coverage());
    expect(merged.map((entry) => entry.machine)).toEqual(['election', NODE]);
    const node = merged[1]!;
    expect(node.statesReached).toEqual(['crashed', 'powered-off', 'running', 'stopped']);
    expect(node.transitionsTaken).toEqual([
      'running --crash--> crashed',
      'running --power-loss--> powered-off',
      'stopped --start--> running',
    ]);
    expect(node.rejected).toBe(1);
    expect(node.transitions).toEqual(first.coverage()[0]!.transitions);
    expect(merged[0]).toEqual(second.coverage()[0]);

    // Merging is symmetric and merging with nothing changes nothing.
    expect(ConformanceMonitor.mergeCoverage(second.coverage(), first.coverage())).toEqual(merged);
    expect(ConformanceMonitor.mergeCoverage(merged, [])).toEqual(merged);
  });

  it('refuses to merge coverage computed from two different models of one machine', () => {
    const real = new ConformanceMonitor({ [NODE]: MODEL_MACHINES[NODE] }).coverage();
    const impostor = new ConformanceMonitor({ [NODE]: electionMachine }).coverage();
    expect(() => ConformanceMonitor.mergeCoverage(real, impostor)).toThrow(AssertionError);
  });

  it('remembers what an event does per state of a guard-free machine, and judges a guarded one event by event', () => {
    // Each (state, event type) of the models is worked out by XState once (issue 12); a machine
    // whose guard reads the event must not be answered from what an earlier event of that type did.
    const gated = setup({ types: { events: {} as { type: 'open'; key: string } } }).createMachine({
      id: 'gate',
      initial: 'shut',
      states: { shut: { on: { open: { target: 'open', guard: ({ event }) => event.key === 'right' } } }, open: {} },
    });
    const monitor = new ConformanceMonitor({ election: electionMachine, gate: gated });
    const open = (instance: string, key: string): string | undefined => monitor.observe(0, { machine: 'gate', instance, event: { type: 'open', key } as { type: string }, to: 'open' });
    expect(open('a', 'right')).toBeUndefined();
    expect(open('b', 'wrong')).toBe("gate b: event 'open' not allowed in state 'shut'");
    expect(open('c', 'right')).toBeUndefined();
    // The guard-free machine gives the same answers the second time round, from what it remembered.
    for (const [round, instance] of ['x', 'y'].entries()) {
      expect(observeAll(monitor, [[instance, 'elect', 'member.leader'], [instance, 'fence', 'fenced'], [instance, 'elect', 'fenced']], 'election', 100 * (round + 1))).toEqual([
        undefined,
        undefined,
        `election ${instance}: event 'elect' not allowed in state 'fenced'`,
      ]);
    }
    expect(coverageOf(monitor, 'election').transitionsTaken).toEqual(['member --fence--> fenced', 'member.follower --elect--> member.leader']);
  });
});
