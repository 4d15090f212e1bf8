import { getShortestPaths } from '@xstate/graph';
import { initialTransition } from 'xstate';
import { describe, expect, it } from 'vitest';
import { ConformanceMonitor } from '../sim/conformance/conformance-monitor.ts';
import { controllerQuorumMachine, type ControllerQuorumEvent } from './controller-quorum.machine.ts';
import { descriptions, eventTypes, leafName, leafStates, transitionTable } from './machine-table.ts';

/**
 * Goal: the quorum machine allows exactly the moves of Kafka's `QuorumState` after KIP-996 and
 * KAFKA-17067. Method: the table below is written by hand from the transition table in
 * `../shared/research/kafka-groups-kraft-wire.md` section 4.1 (QuorumState's class comment, with
 * Prospective, and Voted folded into Unattached), plus `transitionToFollower`'s rule that any state
 * but Follower and Leader may follow a leader of its own epoch; every (state, event) pair of the
 * machine is asked of XState and compared with it.
 */
const EXPECTED_TABLE = [
  'Starting --LOADED_CANDIDATE--> voter.Candidate',
  'Starting --LOADED_FOLLOWER--> voter.Follower',
  'Starting --LOADED_RESIGNED--> voter.Resigned',
  'Starting --LOADED_UNATTACHED--> voter.Unattached',
  'Starting --OBSERVER_LOADED_FOLLOWER--> observer.Follower',
  'Starting --OBSERVER_LOADED_UNATTACHED--> observer.Unattached',
  'observer.Follower --FETCH_TIMEOUT--> observer.Unattached',
  'observer.Follower --HIGHER_EPOCH--> observer.Unattached',
  'observer.Follower --LEADER_DISCOVERED--> observer.Follower',
  'observer.Follower --VOTER_ADDED--> voter.Follower',
  'observer.Unattached --HIGHER_EPOCH--> observer.Unattached',
  'observer.Unattached --LEADER_DISCOVERED--> observer.Follower',
  'observer.Unattached --VOTE_GRANTED--> observer.Unattached',
  'voter.Candidate --CAMPAIGNED--> voter.Candidate',
  'voter.Candidate --ELECTION_FAILED--> voter.Prospective',
  'voter.Candidate --HIGHER_EPOCH--> voter.Unattached',
  'voter.Candidate --LEADER_DISCOVERED--> voter.Follower',
  'voter.Candidate --VOTE_WON--> voter.Leader',
  'voter.Follower --CAMPAIGNED--> voter.Candidate',
  'voter.Follower --FETCH_TIMEOUT--> voter.Prospective',
  'voter.Follower --HIGHER_EPOCH--> voter.Unattached',
  'voter.Follower --LEADER_DISCOVERED--> voter.Follower',
  'voter.Follower --VOTER_REMOVED--> observer.Follower',
  'voter.Leader --HIGHER_EPOCH--> voter.Unattached',
  'voter.Leader --LEADER_DISCOVERED--> voter.Follower',
  'voter.Leader --RESIGNED--> voter.Resigned',
  'voter.Prospective --HIGHER_EPOCH--> voter.Unattached',
  'voter.Prospective --LEADER_DISCOVERED--> voter.Follower',
  'voter.Prospective --PREVOTE_FAILED--> voter.Unattached',
  'voter.Prospective --PREVOTE_FAILED_LEADER_KNOWN--> voter.Follower',
  'voter.Prospective --PREVOTE_WON--> voter.Candidate',
  'voter.Prospective --VOTE_GRANTED--> voter.Unattached',
  'voter.Resigned --ELECTION_TIMEOUT--> voter.Unattached',
  'voter.Resigned --HIGHER_EPOCH--> voter.Unattached',
  'voter.Resigned --LEADER_DISCOVERED--> voter.Follower',
  'voter.Unattached --CAMPAIGNED--> voter.Candidate',
  'voter.Unattached --ELECTION_TIMEOUT--> voter.Prospective',
  'voter.Unattached --HIGHER_EPOCH--> voter.Unattached',
  'voter.Unattached --LEADER_DISCOVERED--> voter.Follower',
  'voter.Unattached --VOTE_GRANTED--> voter.Unattached',
];

const table = transitionTable(controllerQuorumMachine);
const edges = table.accepted.map((line) => {
  const match = /^(\S+) --(\S+)--> (\S+)$/.exec(line);
  if (match === null) throw new Error(`not an edge: ${line}`);
  return { from: match[1] as string, event: match[2] as string, to: match[3] as string };
});

describe('controllerQuorumMachine', () => {
  it('has Kafka\'s six voter states, the observer\'s two, and refka\'s Starting', () => {
    expect(leafStates(controllerQuorumMachine)).toEqual([
      'Starting', 'observer.Follower', 'observer.Unattached',
      'voter.Candidate', 'voter.Follower', 'voter.Leader', 'voter.Prospective', 'voter.Resigned', 'voter.Unattached',
    ]);
    expect(initialTransition(controllerQuorumMachine)[0].value).toBe('Starting');
  });

  it('accepts exactly the expected (state, event) pairs and refuses every other', () => {
    expect(table.accepted).toEqual(EXPECTED_TABLE);
    const events = eventTypes(controllerQuorumMachine);
    expect(events).toHaveLength(20);
    expect(table.refused).toBe(leafStates(controllerQuorumMachine).length * events.length - EXPECTED_TABLE.length);
  });

  it('enters Candidate only from Prospective or by a campaign without pre-vote, and Leader only from Candidate (KAFKA-17067, KIP-996)', () => {
    const intoCandidate = edges.filter(({ to, from }) => to === 'voter.Candidate' && from !== 'Starting');
    expect(intoCandidate.filter(({ event }) => event !== 'CAMPAIGNED').map(({ from }) => from)).toEqual(['voter.Prospective']);
    expect(edges.filter(({ to }) => to === 'voter.Leader').map(({ from }) => from)).toEqual(['voter.Candidate']);
  });

  it('keeps observers and voters apart but for KIP-853\'s voter changes, between Followers, and observers never campaign', () => {
    const crossings = edges.filter(({ from, to }) => from !== 'Starting' && from.split('.')[0] !== to.split('.')[0]);
    // A replica becomes a voter or an observer only by appending or truncating a VotersRecord, which only a follower does.
    expect(crossings.map(({ from, event, to }) => `${from} --${event}--> ${to}`)).toEqual(['observer.Follower --VOTER_ADDED--> voter.Follower', 'voter.Follower --VOTER_REMOVED--> observer.Follower']);
    const observerEvents = new Set(edges.filter(({ from }) => from.startsWith('observer.')).map(({ event }) => event));
    // An observer may vote (a candidate's newer voter set may name it, KIP-853), never campaign.
    expect([...observerEvents].sort()).toEqual(['FETCH_TIMEOUT', 'HIGHER_EPOCH', 'LEADER_DISCOVERED', 'VOTER_ADDED', 'VOTE_GRANTED']);
  });

  it('restarts a leader Resigned, never Leader (QuorumState.initialize)', () => {
    const loaded = edges.filter(({ from }) => from === 'Starting').map(({ to }) => to);
    expect(loaded).not.toContain('voter.Leader');
    expect(loaded).not.toContain('voter.Prospective');
    expect(loaded).toContain('voter.Resigned');
  });

  it('reaches every state from Starting', () => {
    const events = eventTypes(controllerQuorumMachine).map((type) => ({ type }) as ControllerQuorumEvent);
    const reached = getShortestPaths(controllerQuorumMachine, { events }).map((path) => leafName(path.state.value));
    expect([...new Set(reached)].sort()).toEqual(leafStates(controllerQuorumMachine));
  });

  it('describes every state and transition', () => {
    for (const { name, description } of descriptions(controllerQuorumMachine)) expect(description, name).toMatch(/\S{3,}/);
  });

  it('lets the conformance monitor replay an election and a failover and flag a move Kafka forbids', () => {
    const monitor = new ConformanceMonitor({ 'controller-quorum': controllerQuorumMachine });
    const trace: ReadonlyArray<readonly [string, string]> = [
      ['LOADED_UNATTACHED', 'voter.Unattached'],
      ['ELECTION_TIMEOUT', 'voter.Prospective'],
      ['PREVOTE_WON', 'voter.Candidate'],
      ['VOTE_WON', 'voter.Leader'],
      ['RESIGNED', 'voter.Resigned'],
      ['LEADER_DISCOVERED', 'voter.Follower'],
      ['FETCH_TIMEOUT', 'voter.Prospective'],
    ];
    trace.forEach(([type, to], index) => {
      expect(monitor.observe(index, { machine: 'controller-quorum', instance: 'controller-0', event: { type }, to })).toBeUndefined();
    });
    // A voter cannot skip the pre-vote: Prospective is the only way into Candidate.
    const monitor2 = new ConformanceMonitor({ 'controller-quorum': controllerQuorumMachine });
    monitor2.observe(0, { machine: 'controller-quorum', instance: 'controller-1', event: { type: 'LOADED_FOLLOWER' }, to: 'voter.Follower' });
    const violation = monitor2.observe(1, { machine: 'controller-quorum', instance: 'controller-1', event: { type: 'PREVOTE_WON' }, to: 'voter.Candidate' });
    expect(violation).toMatch(/not allowed in state 'voter.Follower'/);
  });
});
