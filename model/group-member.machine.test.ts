import { getShortestPaths } from '@xstate/graph';
import { initialTransition } from 'xstate';
import { describe, expect, it } from 'vitest';
import { ConformanceMonitor } from '../sim/conformance/conformance-monitor.ts';
import { groupMemberMachine, type GroupMemberEvent, type MemberState } from './group-member.machine.ts';
import { MODEL_MACHINES } from './index.ts';
import { descriptions, eventTypes, leafName, leafStates, transitionTable } from './machine-table.ts';

/**
 * Goal: the member machine's top level moves exactly as Kafka's AbstractCoordinator.MemberState
 * does, and its callback phases keep the orderings ConsumerCoordinator enforces. Method: Kafka's
 * MemberState assignments are transcribed by hand from
 * clients/src/main/java/org/apache/kafka/clients/consumer/internals/AbstractCoordinator.java
 * (apache/kafka 1eb7644): `initiateJoinGroup` sets PREPARING_REBALANCE unconditionally, the
 * JoinGroup handler sets COMPLETING_REBALANCE only from PREPARING_REBALANCE, the SyncGroup
 * handler sets STABLE only from COMPLETING_REBALANCE, and `resetStateAndGeneration` sets UNJOINED
 * unconditionally. The full (state, event) table is then compared with a hand-written one.
 */

const MEMBER_STATES: readonly MemberState[] = ['COMPLETING_REBALANCE', 'PREPARING_REBALANCE', 'STABLE', 'UNJOINED'];

/** Kafka's MemberState moves as `from->to`. */
const KAFKA_MEMBER_STATE_MOVES = new Set([
  ...MEMBER_STATES.map((from) => `${from}->PREPARING_REBALANCE`),
  'PREPARING_REBALANCE->COMPLETING_REBALANCE',
  'COMPLETING_REBALANCE->STABLE',
  ...MEMBER_STATES.map((from) => `${from}->UNJOINED`),
]);

/** Events that change MemberState in Kafka; the others are callbacks, run within one MemberState. */
const MEMBER_STATE_EVENTS = new Set(['JOIN_GROUP_SENT', 'JOIN_GROUP_COMPLETED', 'SYNC_GROUP_COMPLETED', 'RESET_GENERATION']);

const EXPECTED_TABLE = [
  'COMPLETING_REBALANCE --JOIN_GROUP_SENT--> PREPARING_REBALANCE',
  'COMPLETING_REBALANCE --PARTITIONS_LOST--> COMPLETING_REBALANCE',
  'COMPLETING_REBALANCE --RESET_GENERATION--> UNJOINED.losing',
  'COMPLETING_REBALANCE --SYNC_GROUP_COMPLETED--> STABLE.assigned',
  'PREPARING_REBALANCE --JOIN_GROUP_COMPLETED--> COMPLETING_REBALANCE',
  'PREPARING_REBALANCE --JOIN_GROUP_SENT--> PREPARING_REBALANCE',
  'PREPARING_REBALANCE --PARTITIONS_LOST--> PREPARING_REBALANCE',
  'PREPARING_REBALANCE --RESET_GENERATION--> UNJOINED.losing',
  'STABLE.assigned --JOIN_GROUP_SENT--> PREPARING_REBALANCE',
  'STABLE.assigned --RESET_GENERATION--> UNJOINED.losing',
  'STABLE.assigned --REVOKE_PARTITIONS--> STABLE.revoking',
  'STABLE.revoking --PARTITIONS_REVOKED--> STABLE.assigned',
  'STABLE.revoking --RESET_GENERATION--> UNJOINED.losing',
  'UNJOINED.losing --PARTITIONS_LOST--> UNJOINED.unassigned',
  'UNJOINED.losing --RESET_GENERATION--> UNJOINED.losing',
  'UNJOINED.unassigned --JOIN_GROUP_SENT--> PREPARING_REBALANCE',
  'UNJOINED.unassigned --RESET_GENERATION--> UNJOINED.losing',
];

const table = transitionTable(groupMemberMachine);
const topLevel = (leaf: string): string => leaf.split('.')[0] as string;

function parse(line: string): { from: string; event: string; to: string } {
  const match = /^(\S+) --(\S+)--> (\S+)$/.exec(line);
  if (match === null) throw new Error(`not an edge: ${line}`);
  return { from: match[1] as string, event: match[2] as string, to: match[3] as string };
}

describe('groupMemberMachine', () => {
  it('has MemberState\'s four states at its top level, starting UNJOINED with nothing assigned', () => {
    expect([...new Set(leafStates(groupMemberMachine).map(topLevel))].sort()).toEqual(MEMBER_STATES);
    expect(leafName(initialTransition(groupMemberMachine)[0].value)).toBe('UNJOINED.unassigned');
  });

  it('accepts exactly the expected (state, event) pairs and refuses every other', () => {
    expect(table.accepted).toEqual(EXPECTED_TABLE);
    const events = eventTypes(groupMemberMachine);
    expect(events).toHaveLength(7);
    expect(table.refused).toBe(leafStates(groupMemberMachine).length * events.length - EXPECTED_TABLE.length);
  });

  it('changes MemberState exactly as AbstractCoordinator does, for all 16 pairs', () => {
    const moves = new Set(
      table.accepted
        .map(parse)
        .filter(({ event }) => MEMBER_STATE_EVENTS.has(event))
        .map(({ from, to }) => `${topLevel(from)}->${topLevel(to)}`),
    );
    for (const from of MEMBER_STATES) {
      for (const to of MEMBER_STATES) {
        expect(moves.has(`${from}->${to}`), `${from} -> ${to}`).toBe(KAFKA_MEMBER_STATE_MOVES.has(`${from}->${to}`));
      }
    }
    expect(KAFKA_MEMBER_STATE_MOVES.size).toBe(10);
  });

  it('runs the rebalance callbacks without changing MemberState, revoking only while STABLE', () => {
    const callbacks = table.accepted.map(parse).filter(({ event }) => !MEMBER_STATE_EVENTS.has(event));
    for (const { from, to } of callbacks) expect(topLevel(to), `${from} -> ${to}`).toBe(topLevel(from));
    const revoking = callbacks.filter(({ event }) => event === 'REVOKE_PARTITIONS' || event === 'PARTITIONS_REVOKED');
    expect(revoking.every(({ from }) => topLevel(from) === 'STABLE')).toBe(true);
  });

  it('makes a member whose generation was reset give up its partitions before it sends JoinGroup', () => {
    const resets = table.accepted.map(parse).filter(({ event }) => event === 'RESET_GENERATION');
    expect(resets.map(({ to }) => to)).toEqual(resets.map(() => 'UNJOINED.losing'));
    const fromLosing = table.accepted.map(parse).filter(({ from }) => from === 'UNJOINED.losing');
    expect(fromLosing.map(({ event }) => event).sort()).toEqual(['PARTITIONS_LOST', 'RESET_GENERATION']);
    // Nor may a member send JoinGroup while its revocation callback is still running.
    expect(table.accepted).not.toContain('STABLE.revoking --JOIN_GROUP_SENT--> PREPARING_REBALANCE');
  });

  it('reaches every state from UNJOINED', () => {
    const events: GroupMemberEvent[] = eventTypes(groupMemberMachine).map((type) => ({ type }) as GroupMemberEvent);
    const reached = getShortestPaths(groupMemberMachine, { events }).map((path) => leafName(path.state.value));
    expect([...new Set(reached)].sort()).toEqual(leafStates(groupMemberMachine));
  });

  it('describes every state and transition', () => {
    for (const { name, description } of descriptions(groupMemberMachine)) expect(description, name).toMatch(/\S{3,}/);
  });

  it('is registered with the conformance monitor under its id, as KafkaConsumer reports its transitions', () => {
    expect(MODEL_MACHINES['group-member']).toBe(groupMemberMachine);
    expect(groupMemberMachine.id).toBe('group-member');
  });

  it('lets the conformance monitor replay an eager rebalance and flag a zombie rejoin', () => {
    const monitor = new ConformanceMonitor({ 'group-member': groupMemberMachine });
    const observe = (at: number, type: string, to: string): string | undefined =>
      monitor.observe(at, { machine: 'group-member', instance: 'consumer-0', event: { type }, to });
    const trace: ReadonlyArray<readonly [string, string]> = [
      ['JOIN_GROUP_SENT', 'PREPARING_REBALANCE'],
      ['JOIN_GROUP_SENT', 'PREPARING_REBALANCE'], // MEMBER_ID_REQUIRED, then again with the id
      ['JOIN_GROUP_COMPLETED', 'COMPLETING_REBALANCE'],
      ['SYNC_GROUP_COMPLETED', 'STABLE.assigned'],
      ['REVOKE_PARTITIONS', 'STABLE.revoking'], // a heartbeat said REBALANCE_IN_PROGRESS
      ['PARTITIONS_REVOKED', 'STABLE.assigned'],
      ['JOIN_GROUP_SENT', 'PREPARING_REBALANCE'],
      ['JOIN_GROUP_COMPLETED', 'COMPLETING_REBALANCE'],
      ['SYNC_GROUP_COMPLETED', 'STABLE.assigned'],
      ['RESET_GENERATION', 'UNJOINED.losing'], // session expired: the heartbeat got UNKNOWN_MEMBER_ID
    ];
    trace.forEach(([type, to], index) => expect(observe(index, type, to), `${index}: ${type}`).toBeUndefined());
    expect(observe(20, 'JOIN_GROUP_SENT', 'PREPARING_REBALANCE')).toMatch(/not allowed in state 'UNJOINED.losing'/);
  });
});
