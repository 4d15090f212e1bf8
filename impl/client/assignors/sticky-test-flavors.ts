import { assert } from '../../common/assert.ts';
import { partitionsTransferringOwnership, stickyAssign, type StickyAssignment } from './abstract-sticky-assignor.ts';
import { partitionCounts, partitionsByMember, validityAndBalanceProblem } from './assignor-test-support.ts';
import {
  DEFAULT_GENERATION,
  partitionKey,
  partitionName,
  subscription,
  type PartitionsPerTopic,
  type Subscription,
  type TopicPartition,
} from './consumer-partition-assignor.ts';
import { cooperativeStickyAssign } from './cooperative-sticky-assignor.ts';
import { stickyMemberData } from './sticky-assignor.ts';

/**
 * The two sticky assignors as AbstractStickyAssignorTest sees them (its subclasses StickyAssignorTest
 * and CooperativeStickyAssignorTest): how each builds a subscription of each consumer protocol
 * version, and what `assignPartitions` leaves in `partitionsTransferringOwnership`.
 */
export interface StickyFlavor {
  readonly name: 'sticky' | 'cooperative-sticky';
  /** `assignPartitions`, with the state Kafka's tests read off the assignor afterwards. */
  assign(counts: PartitionsPerTopic, subscriptions: ReadonlyMap<string, Subscription>): StickyRun;
  /** ConsumerProtocolSubscription v0: owned partitions only in the user data (sticky only). */
  buildSubscriptionV0(topics: string[], owned: TopicPartition[], generation: number): Subscription | undefined;
  /** v1: `ownedPartitions`, no generation field. */
  buildSubscriptionV1(topics: string[], owned: TopicPartition[], generation: number): Subscription;
  /** v2 and above: `ownedPartitions` and `generationId`. */
  buildSubscriptionV2Above(topics: string[], owned: readonly TopicPartition[], generation: number, rackId?: string): Subscription;
  /**
   * `verifyValidityAndBalance`. For the cooperative assignor Kafka's override first runs the
   * follow-up rebalances that revocations trigger (members report the partitions they kept, at
   * generation 1, at most 4 times), replacing `subscriptions` and the assignment, and checks that no
   * rebalance gives a partition that another member gives up. Returns the final assignment.
   */
  verifyValidityAndBalance(
    subscriptions: Map<string, Subscription>,
    assignment: ReadonlyMap<string, readonly TopicPartition[]>,
    counts: PartitionsPerTopic,
  ): ReadonlyMap<string, readonly TopicPartition[]>;
}

export interface StickyRun {
  readonly assignment: ReadonlyMap<string, readonly TopicPartition[]>;
  /** partition name -> the member it is transferred to. */
  readonly partitionsTransferringOwnership: ReadonlyMap<string, string>;
  readonly sticky: StickyAssignment;
}

/** AbstractStickyAssignorTest.generationId. */
export const GENERATION_ID = 1;

export const STICKY: StickyFlavor = {
  name: 'sticky',
  assign(counts, subscriptions) {
    const sticky = stickyAssign(counts, subscriptions, stickyMemberData);
    return { assignment: sticky.assignment, partitionsTransferringOwnership: transfersOf(sticky), sticky };
  },
  buildSubscriptionV0: (topics, owned, generation) =>
    subscription({ topics, userData: { type: 'sticky', previousAssignment: owned, generation } }),
  buildSubscriptionV1: (topics, owned, generation) =>
    subscription({ topics, userData: { type: 'sticky', previousAssignment: owned, generation }, ownedPartitions: owned }),
  buildSubscriptionV2Above: (topics, owned, generation, rackId) =>
    subscription({
      topics,
      userData: { type: 'sticky', previousAssignment: owned, generation },
      ownedPartitions: owned,
      generationId: generation,
      rackId,
    }),
  verifyValidityAndBalance(subscriptions, assignment) {
    const problem = validityAndBalanceProblem(subscriptions, assignment);
    assert(problem === undefined, `invalid or unbalanced: ${problem}`);
    return assignment;
  },
};

export const COOPERATIVE_STICKY: StickyFlavor = {
  name: 'cooperative-sticky',
  assign(counts, subscriptions) {
    const result = cooperativeStickyAssign(counts, subscriptions);
    return {
      assignment: partitionsByMember(result.groupAssignment),
      partitionsTransferringOwnership: transfersOf(result.sticky),
      sticky: result.sticky,
    };
  },
  buildSubscriptionV0: () => undefined,
  buildSubscriptionV1: (topics, owned, generation) =>
    subscription({ topics, userData: { type: 'cooperative-sticky', generation }, ownedPartitions: owned }),
  buildSubscriptionV2Above: (topics, owned, generation, rackId) =>
    subscription({
      topics,
      userData: { type: 'cooperative-sticky', generation: DEFAULT_GENERATION },
      ownedPartitions: owned,
      generationId: generation,
      rackId,
    }),
  verifyValidityAndBalance(subscriptions, initial, counts) {
    let assignment = initial;
    for (let rebalances = 0; revokesAny(subscriptions, assignment); rebalances++) {
      assert(rebalances < 4, 'more than 4 follow-up rebalances');
      for (const [memberId, partitions] of assignment) {
        const old = subscriptions.get(memberId);
        assert(old !== undefined, `no subscription for ${memberId}`);
        subscriptions.set(memberId, this.buildSubscriptionV2Above([...old.topics], partitions, GENERATION_ID, old.rackId));
      }
      assignment = this.assign(counts, subscriptions).assignment;
    }
    const problem = validityAndBalanceProblem(subscriptions, assignment);
    assert(problem === undefined, `invalid or unbalanced: ${problem}`);
    return assignment;
  },
};

export const STICKY_FLAVORS: readonly StickyFlavor[] = [STICKY, COOPERATIVE_STICKY];

function transfersOf(sticky: StickyAssignment): Map<string, string> {
  return new Map(partitionsTransferringOwnership(sticky).map(({ partition, memberId }) => [partitionName(partition), memberId]));
}

/**
 * CooperativeStickyAssignorTest.verifyCooperativeValidity: no partition is added to one member
 * while revoked from another (by the members' reported `ownedPartitions`); returns whether any
 * member must revoke something, which triggers a follow-up rebalance.
 */
function revokesAny(
  subscriptions: ReadonlyMap<string, Subscription>,
  assignment: ReadonlyMap<string, readonly TopicPartition[]>,
): boolean {
  const added = new Set<string>();
  const revoked = new Set<string>();
  for (const [memberId, partitions] of assignment) {
    const owned = new Set((subscriptions.get(memberId)?.ownedPartitions ?? []).map(partitionKey));
    const assigned = new Set(partitions.map(partitionKey));
    for (const key of assigned) if (!owned.has(key)) added.add(key);
    for (const key of owned) if (!assigned.has(key)) revoked.add(key);
  }
  const both = [...added].filter((key) => revoked.has(key));
  assert(both.length === 0, `assigned to a new member in the rebalance that revokes them: ${both.join(', ')}`);
  return revoked.size > 0;
}

/** Kafka runs the sticky cases once per RackConfig; refka per assignor, with and without consumer racks. */
export const STICKY_CASES = STICKY_FLAVORS.flatMap((flavor) => [false, true].map((withRack) => [flavor.name, flavor, withRack] as const));

const RACKS = ['rack-a', 'rack-b', 'rack-c'];

/** AbstractStickyAssignorTest's helpers for one assignor, consumer racks on or off. */
export function stickyHarness(flavor: StickyFlavor, withRack: boolean) {
  const rack = (index: number): string | undefined => (withRack ? RACKS[index % RACKS.length] : undefined);
  return {
    rack,
    /** AbstractStickyAssignorTest.subscription(topics, consumerIndex): nothing owned, no generation. */
    fresh: (topics: string[], index: number): Subscription => subscription({ topics, rackId: rack(index) }),
    v2: (topics: string[], owned: readonly TopicPartition[], generation: number, index: number): Subscription =>
      flavor.buildSubscriptionV2Above(topics, owned, generation, rack(index)),
    assign: (counts: Record<string, number>, subscriptions: Map<string, Subscription>): StickyRun =>
      flavor.assign(partitionCounts(counts), subscriptions),
    verify: (
      subscriptions: Map<string, Subscription>,
      assignment: ReadonlyMap<string, readonly TopicPartition[]>,
      counts: Record<string, number>,
    ): ReadonlyMap<string, readonly TopicPartition[]> => flavor.verifyValidityAndBalance(subscriptions, assignment, partitionCounts(counts)),
    of: (assignment: ReadonlyMap<string, readonly TopicPartition[]>, member: string): readonly TopicPartition[] =>
      assignment.get(member) ?? [],
    noTransfers: new Map<string, string>(),
  };
}

/** AbstractStickyAssignorTest.getTopicName / getConsumerName: "t07", "c12". */
export function canonicalName(prefix: string, i: number, maxNum: number): string {
  return prefix + String(i).padStart(String(maxNum).length, '0');
}

/** A seeded PRNG (mulberry32) where Kafka's randomized cases call `new Random()`. */
export function seededRandom(seed: number): (bound: number) => number {
  let state = seed >>> 0;
  return (bound) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * bound);
  };
}
