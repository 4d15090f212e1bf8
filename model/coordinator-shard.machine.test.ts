import { getShortestPaths } from '@xstate/graph';
import { initialTransition } from 'xstate';
import { describe, expect, it } from 'vitest';
import { ConformanceMonitor } from '../sim/conformance/conformance-monitor.ts';
import { coordinatorShardMachine, type CoordinatorShardEvent, type CoordinatorState } from './coordinator-shard.machine.ts';
import { MODEL_MACHINES } from './index.ts';
import { descriptions, eventTypes, leafName, leafStates, transitionTable } from './machine-table.ts';

/**
 * Goal: the shard machine moves only where Kafka's CoordinatorState allows, and everywhere a path
 * of CoordinatorRuntime takes. Method: `canTransitionFrom` of each state is transcribed by hand
 * from coordinator-common/src/main/java/org/apache/kafka/coordinator/common/runtime/
 * CoordinatorRuntime.java (apache/kafka 1eb7644); all 25 (from, to) pairs are compared with the
 * machine, which leaves out exactly the two pairs no code path takes (named below).
 */

const STATES: readonly CoordinatorState[] = ['ACTIVE', 'CLOSED', 'FAILED', 'INITIAL', 'LOADING'];

/** `canTransitionFrom(state)` of each target state, as Kafka writes it. */
const CAN_TRANSITION_FROM: Readonly<Record<CoordinatorState, (state: CoordinatorState) => boolean>> = {
  INITIAL: () => false,
  LOADING: (state) => state === 'INITIAL' || state === 'FAILED',
  ACTIVE: (state) => state === 'ACTIVE' || state === 'LOADING',
  CLOSED: () => true,
  FAILED: (state) => state === 'LOADING' || state === 'ACTIVE',
};

/**
 * Legal in Kafka, taken by no path: a load completion is applied only to a LOADING context and a
 * load scheduled for an ACTIVE one is ignored; an unloaded context is removed from the runtime.
 */
const LEGAL_BUT_UNUSED = new Set(['ACTIVE->ACTIVE', 'CLOSED->CLOSED']);

const EXPECTED_TABLE = [
  'ACTIVE --OUT_OF_SYNC--> FAILED',
  'ACTIVE --UNLOAD--> CLOSED',
  'FAILED --LOAD--> LOADING',
  'FAILED --UNLOAD--> CLOSED',
  'INITIAL --LOAD--> LOADING',
  'INITIAL --UNLOAD--> CLOSED',
  'LOADING --LOAD_COMPLETED--> ACTIVE',
  'LOADING --LOAD_FAILED--> FAILED',
  'LOADING --UNLOAD--> CLOSED',
];

const table = transitionTable(coordinatorShardMachine);

describe('coordinatorShardMachine', () => {
  it('has CoordinatorState\'s five states, starting INITIAL', () => {
    expect(leafStates(coordinatorShardMachine)).toEqual(STATES);
    expect(initialTransition(coordinatorShardMachine)[0].value).toBe('INITIAL');
  });

  it('accepts exactly the expected (state, event) pairs and refuses every other', () => {
    expect(table.accepted).toEqual(EXPECTED_TABLE);
    const events = eventTypes(coordinatorShardMachine);
    expect(events).toHaveLength(5);
    expect(table.refused).toBe(STATES.length * events.length - EXPECTED_TABLE.length);
  });

  it('moves exactly where canTransitionFrom allows, less the two pairs no path takes, for all 25 pairs', () => {
    const moves = new Set(
      table.accepted.map((line) => {
        const [from, , to] = line.split(' ');
        return `${from}->${to}`;
      }),
    );
    let legal = 0;
    for (const from of STATES) {
      for (const to of STATES) {
        const pair = `${from}->${to}`;
        const kafkaAllows = CAN_TRANSITION_FROM[to](from);
        if (kafkaAllows) legal++;
        expect(moves.has(pair), pair).toBe(kafkaAllows && !LEGAL_BUT_UNUSED.has(pair));
      }
    }
    expect(legal).toBe(11);
    for (const pair of LEGAL_BUT_UNUSED) {
      const [from, to] = pair.split('->') as [CoordinatorState, CoordinatorState];
      expect(CAN_TRANSITION_FROM[to](from), pair).toBe(true);
    }
  });

  it('reaches every state from INITIAL, and CLOSED is the end of a context', () => {
    const events: CoordinatorShardEvent[] = eventTypes(coordinatorShardMachine).map((type) => ({ type }) as CoordinatorShardEvent);
    const reached = getShortestPaths(coordinatorShardMachine, { events }).map((path) => leafName(path.state.value));
    expect([...new Set(reached)].sort()).toEqual(STATES);
    expect(table.accepted.filter((line) => line.startsWith('CLOSED '))).toEqual([]);
  });

  it('describes every state and transition', () => {
    for (const { name, description } of descriptions(coordinatorShardMachine)) expect(description, name).toMatch(/\S{3,}/);
  });

  it('is registered with the conformance monitor under its id', () => {
    expect(MODEL_MACHINES['coordinator-shard']).toBe(coordinatorShardMachine);
    expect(coordinatorShardMachine.id).toBe('coordinator-shard');
  });

  it('lets the conformance monitor replay a load, a resync and an unload, and flag a load of an active shard', () => {
    const monitor = new ConformanceMonitor({ 'coordinator-shard': coordinatorShardMachine });
    const observe = (at: number, type: string, to: string): string | undefined =>
      monitor.observe(at, { machine: 'coordinator-shard', instance: 'broker-1/__consumer_offsets-7', event: { type }, to });
    const trace: ReadonlyArray<readonly [string, string]> = [
      ['LOAD', 'LOADING'],
      ['LOAD_COMPLETED', 'ACTIVE'],
      ['OUT_OF_SYNC', 'FAILED'],
      ['LOAD', 'LOADING'],
      ['LOAD_COMPLETED', 'ACTIVE'],
    ];
    trace.forEach(([type, to], index) => expect(observe(index, type, to), `${index}: ${type}`).toBeUndefined());
    expect(observe(10, 'LOAD', 'LOADING')).toMatch(/not allowed in state 'ACTIVE'/);
    expect(observe(11, 'UNLOAD', 'CLOSED')).toBeUndefined();
  });
});
