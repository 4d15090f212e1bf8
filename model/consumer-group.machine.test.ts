import { getShortestPaths } from '@xstate/graph';
import { initialTransition, transition } from 'xstate';
import { describe, expect, it } from 'vitest';
import { ConformanceMonitor } from '../sim/conformance/conformance-monitor.ts';
import { consumerGroupMachine, type ClassicGroupState, type ConsumerGroupEvent } from './consumer-group.machine.ts';
import { MODEL_MACHINES } from './index.ts';
import { descriptions, eventTypes, leafName, leafStates, snapshotIn, transitionTable } from './machine-table.ts';

/**
 * Goal: the group machine allows exactly the moves Kafka's ClassicGroupState allows. Method: the
 * table below is transcribed by hand from the static block of
 * group-coordinator/src/main/java/org/apache/kafka/coordinator/group/classic/ClassicGroupState.java
 * (apache/kafka 1eb7644), and every (state, event) pair of the machine is asked of XState and
 * compared with it; every one of the 25 (from, to) pairs of Kafka states is checked both ways.
 */

const KAFKA_STATES: readonly ClassicGroupState[] = ['CompletingRebalance', 'Dead', 'Empty', 'PreparingRebalance', 'Stable'];

/** `X.addValidPreviousStates(...)`, one line per target state, as Kafka writes it. */
const VALID_PREVIOUS_STATES: Readonly<Record<ClassicGroupState, readonly ClassicGroupState[]>> = {
  Empty: ['PreparingRebalance'],
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
};

/** The machine's edges, written out by hand: the causes in GroupMetadataManager for each Kafka move. */
const EXPECTED_TABLE = [
  'Absent --CREATED--> Empty',
  'Absent --LOADED_EMPTY--> Empty',
  'Absent --LOADED_STABLE--> Stable',
  'CompletingRebalance --ASSIGNMENT_PERSISTED--> Stable',
  'CompletingRebalance --GROUP_REMOVED--> Dead',
  'CompletingRebalance --PREPARE_REBALANCE--> PreparingRebalance',
  'Dead --GROUP_REMOVED--> Dead',
  'Empty --GROUP_REMOVED--> Dead',
  'Empty --PREPARE_REBALANCE--> PreparingRebalance',
  'PreparingRebalance --GROUP_EMPTIED--> Empty',
  'PreparingRebalance --GROUP_REMOVED--> Dead',
  'PreparingRebalance --JOIN_PHASE_COMPLETED--> CompletingRebalance',
  'Stable --GROUP_REMOVED--> Dead',
  'Stable --PREPARE_REBALANCE--> PreparingRebalance',
];

const table = transitionTable(consumerGroupMachine);

function parse(line: string): { from: string; event: string; to: string } {
  const match = /^(\S+) --(\S+)--> (\S+)$/.exec(line);
  if (match === null) throw new Error(`not an edge: ${line}`);
  return { from: match[1] as string, event: match[2] as string, to: match[3] as string };
}

describe('consumerGroupMachine', () => {
  it('has Kafka\'s five states and refka\'s Absent, starting Absent', () => {
    expect(leafStates(consumerGroupMachine)).toEqual(['Absent', ...KAFKA_STATES]);
    expect(initialTransition(consumerGroupMachine)[0].value).toBe('Absent');
  });

  it('accepts exactly the expected (state, event) pairs and refuses every other', () => {
    expect(table.accepted).toEqual(EXPECTED_TABLE);
    const events = eventTypes(consumerGroupMachine);
    expect(events).toHaveLength(8);
    expect(table.refused).toBe(leafStates(consumerGroupMachine).length * events.length - EXPECTED_TABLE.length);
  });

  it('moves between Kafka states exactly where ClassicGroupState.validPreviousStates allows, for all 25 pairs', () => {
    const moves = new Set(table.accepted.map(parse).map(({ from, to }) => `${from}->${to}`));
    let legal = 0;
    for (const from of KAFKA_STATES) {
      for (const to of KAFKA_STATES) {
        const kafkaAllows = VALID_PREVIOUS_STATES[to].includes(from);
        expect(moves.has(`${from}->${to}`), `${from} -> ${to}`).toBe(kafkaAllows);
        if (kafkaAllows) legal++;
      }
    }
    expect(legal).toBe(11);
  });

  it('enters the Kafka states from Absent only where Kafka constructs a ClassicGroup, and never returns to Absent', () => {
    const fromAbsent = table.accepted.map(parse).filter(({ from }) => from === 'Absent');
    expect(new Set(fromAbsent.map(({ to }) => to))).toEqual(new Set(['Empty', 'Stable']));
    expect(table.accepted.map(parse).filter(({ to }) => to === 'Absent')).toEqual([]);
  });

  it('reaches every state from Absent', () => {
    const events: ConsumerGroupEvent[] = eventTypes(consumerGroupMachine).map((type) => ({ type }) as ConsumerGroupEvent);
    const reached = getShortestPaths(consumerGroupMachine, { events }).map((path) => leafName(path.state.value));
    expect([...new Set(reached)].sort()).toEqual(leafStates(consumerGroupMachine));
  });

  it('describes every state and transition', () => {
    for (const { name, description } of descriptions(consumerGroupMachine)) expect(description, name).toMatch(/\S{3,}/);
  });

  it('is registered with the conformance monitor under its id', () => {
    expect(MODEL_MACHINES['consumer-group']).toBe(consumerGroupMachine);
    expect(consumerGroupMachine.id).toBe('consumer-group');
  });

  it('lets the conformance monitor replay a rebalance and flag a move Kafka forbids', () => {
    const monitor = new ConformanceMonitor({ 'consumer-group': consumerGroupMachine });
    const trace: ReadonlyArray<readonly [string, string]> = [
      ['CREATED', 'Empty'],
      ['PREPARE_REBALANCE', 'PreparingRebalance'],
      ['JOIN_PHASE_COMPLETED', 'CompletingRebalance'],
      ['ASSIGNMENT_PERSISTED', 'Stable'],
      ['PREPARE_REBALANCE', 'PreparingRebalance'],
      ['GROUP_EMPTIED', 'Empty'],
    ];
    trace.forEach(([type, to], index) => {
      expect(monitor.observe(index, { machine: 'consumer-group', instance: 'g1', event: { type }, to })).toBeUndefined();
    });
    // Empty cannot go to CompletingRebalance without a join phase (Kafka: IllegalStateException).
    const violation = monitor.observe(10, { machine: 'consumer-group', instance: 'g1', event: { type: 'JOIN_PHASE_COMPLETED' }, to: 'CompletingRebalance' });
    expect(violation).toMatch(/not allowed in state 'Empty'/);
    // A loaded group starts Stable: a leader rejoin rebalances it.
    const loaded = snapshotIn(consumerGroupMachine, 'Stable');
    expect(transition(consumerGroupMachine, loaded, { type: 'PREPARE_REBALANCE' })[0].value).toBe('PreparingRebalance');
  });
});
