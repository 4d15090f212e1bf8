import { describe, expect, it } from 'vitest';
import { groupMemberMachine } from '../../model/group-member.machine.ts';
import { transitionTable } from '../../model/machine-table.ts';
import { cooperativeViolation, selectRebalanceProtocol } from './consumer-coordinator.ts';
import { GROUP_MEMBER_TRANSITIONS } from './consumer-coordinator-io.ts';
import { subscription } from './assignors/consumer-partition-assignor.ts';

/**
 * Goal: the pieces of the coordinator core that are plain functions or tables agree with Kafka
 * and with the model. Method: the runtime's transition table is compared edge for edge with the
 * XState machine's own table; the protocol choice and the cooperative validation are checked on
 * small cases taken from ConsumerCoordinator's constructor and validateCooperativeAssignment.
 */
describe('consumer coordinator core', () => {
  it('moves exactly as model/group-member.machine.ts allows', () => {
    const runtime = Object.entries(GROUP_MEMBER_TRANSITIONS)
      .flatMap(([from, events]) => Object.entries(events).map(([event, to]) => `${from} --${event}--> ${to}`))
      .sort();
    expect(runtime).toEqual(transitionTable(groupMemberMachine).accepted);
  });

  it('picks the most advanced rebalance protocol every configured assignor supports', () => {
    expect(selectRebalanceProtocol(['range', 'cooperative-sticky'])).toBe('EAGER');
    expect(selectRebalanceProtocol(['cooperative-sticky'])).toBe('COOPERATIVE');
    expect(selectRebalanceProtocol(['sticky', 'roundrobin'])).toBe('EAGER');
  });

  it('refuses a cooperative assignment that hands an owned partition straight to another member', () => {
    const tp = { topic: 't', partition: 0 };
    const subscriptions = new Map([
      ['a', subscription({ topics: ['t'], ownedPartitions: [tp] })],
      ['b', subscription({ topics: ['t'] })],
    ]);
    expect(cooperativeViolation(subscriptions, new Map([['a', { partitions: [] }], ['b', { partitions: [tp] }]]))).toMatch(/violates its requirements/);
    expect(cooperativeViolation(subscriptions, new Map([['a', { partitions: [] }], ['b', { partitions: [] }]]))).toBeUndefined();
    expect(cooperativeViolation(subscriptions, new Map([['a', { partitions: [tp] }], ['b', { partitions: [] }]]))).toBeUndefined();
  });
});
