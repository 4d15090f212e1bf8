import { assert } from '../../common/assert.ts';
import {
  compareStrings,
  DEFAULT_GENERATION,
  partitionKey,
  type GroupSubscription,
  type TopicPartition,
} from './consumer-partition-assignor.ts';
import { PartitionMovements } from './partition-movements.ts';

/** A member's previous ownership as its assignor reads it (`AbstractStickyAssignor.MemberData`). */
export interface MemberData {
  readonly partitions: readonly TopicPartition[];
  readonly generation: number | undefined;
}

export interface GeneralAssignmentInput {
  /** Subscribed topics known to the metadata, in sorted order. */
  readonly partitionsPerTopic: ReadonlyMap<string, number>;
  readonly subscriptions: GroupSubscription;
  /** Sorted member ids. */
  readonly memberIds: readonly string[];
  /** Each member's valid owned partitions (see `previousOwnership` in abstract-sticky-assignor.ts). */
  readonly ownedByMember: ReadonlyMap<string, readonly TopicPartition[]>;
  readonly memberData: ReadonlyMap<string, MemberData>;
  readonly maxGeneration: number;
}

export interface GeneralAssignment {
  readonly assignment: Map<string, TopicPartition[]>;
  readonly partitionMovements: PartitionMovements;
}

/**
 * `AbstractStickyAssignor.GeneralAssignmentBuilder`, the sticky algorithm for members with
 * different subscriptions (KIP-54). It keeps every owned partition the owner is still subscribed
 * to, gives each unassigned partition to the least loaded member that subscribes to its topic, then
 * moves partitions from members with 2+ more than another subscriber of the same topic until no such
 * move is left ("balanced"), undoing the moves if they did not lower the balance score.
 *
 * Where Kafka iterates HashMaps refka uses sorted member ids: the potential consumers of a topic,
 * the ties between previous owners of equal generation, and the members of the least-loaded order
 * (Kafka's TreeSet by assignment size, then member id, which refka keeps).
 *
 * One deviation, to keep the assignment valid: Kafka moves a partition back to its previous owner
 * (a member whose `MemberData` generation is below the highest) without checking that the previous
 * owner still subscribes to the partition's topic or still takes part in balancing, so a member that
 * changed its subscription could be handed a partition of a topic it left (or, if it takes no part,
 * `currentAssignment.get(...)` is null). refka moves a partition back only to a previous owner that
 * is a balancing subscriber of its topic.
 */
export function generalAssign(input: GeneralAssignmentInput): GeneralAssignment {
  const builder = new GeneralAssignmentBuilder(input);
  builder.build();
  return { assignment: builder.result(), partitionMovements: builder.partitionMovements };
}

/** `ConsumerGenerationPair`: a previous owner of a partition and the generation it owned it in. */
interface ConsumerGenerationPair {
  readonly consumer: string;
  readonly generation: number;
}

/** A bound on balancing passes: Kafka has none; each pass moves at least one partition. */
const REASSIGNMENT_PASSES_MAX = 100_000;

class GeneralAssignmentBuilder {
  readonly partitionMovements = new PartitionMovements();
  /** Topic -> the members subscribed to it, sorted. */
  private readonly topic2AllPotentialConsumers = new Map<string, string[]>();
  /** Member -> its subscribed topics that the metadata knows, sorted. */
  private readonly consumer2AllPotentialTopics = new Map<string, string[]>();
  private readonly currentAssignment = new Map<string, TopicPartition[]>();
  private readonly currentPartitionConsumer = new Map<string, string>();
  /** Partitions by topic (fewest potential consumers first, then name), then partition number. */
  private sortedAllPartitions: TopicPartition[] = [];
  private readonly sortedCurrentSubscriptions: SortedConsumers;
  private readonly fixedAssignments = new Map<string, TopicPartition[]>();
  private revocationRequired = false;

  constructor(private readonly input: GeneralAssignmentInput) {
    for (const topic of input.partitionsPerTopic.keys()) this.topic2AllPotentialConsumers.set(topic, []);
    for (const memberId of input.memberIds) {
      const memberSubscription = input.subscriptions.get(memberId);
      assert(memberSubscription !== undefined, `no subscription for ${memberId}`);
      const topics = [...new Set(memberSubscription.topics)].filter((topic) => input.partitionsPerTopic.has(topic));
      this.consumer2AllPotentialTopics.set(memberId, topics.sort(compareStrings));
      for (const topic of topics) this.potentialConsumers(topic).push(memberId);
      const owned = input.ownedByMember.get(memberId) ?? [];
      this.currentAssignment.set(memberId, [...owned]);
      for (const tp of owned) {
        assert(!this.currentPartitionConsumer.has(partitionKey(tp)), `${partitionKey(tp)} owned twice`);
        this.currentPartitionConsumer.set(partitionKey(tp), memberId);
      }
    }
    const sortedAllTopics = [...input.partitionsPerTopic.keys()].sort(
      (a, b) => this.potentialConsumers(a).length - this.potentialConsumers(b).length || compareStrings(a, b),
    );
    for (const topic of sortedAllTopics) {
      for (let partition = 0; partition < this.partitionCount(topic); partition++) {
        this.sortedAllPartitions.push({ topic, partition });
      }
    }
    this.sortedCurrentSubscriptions = new SortedConsumers((memberId) => this.assignmentOf(memberId).length);
  }

  build(): void {
    const prevAssignment = this.prepopulateCurrentAssignments();
    const assignedPartitions = this.assignOwnedPartitions();
    const unassignedPartitions = this.sortedAllPartitions.filter((tp) => !assignedPartitions.has(partitionKey(tp)));
    for (const memberId of this.currentAssignment.keys()) this.sortedCurrentSubscriptions.add(memberId);
    this.balance(prevAssignment, unassignedPartitions);
  }

  /** The assignment in sorted member order, with the members that could not move put back. */
  result(): Map<string, TopicPartition[]> {
    const result = new Map<string, TopicPartition[]>();
    for (const memberId of this.input.memberIds) {
      result.set(memberId, this.fixedAssignments.get(memberId) ?? this.assignmentOf(memberId));
    }
    return result;
  }

  /**
   * `prepopulateCurrentAssignments`: the previous owners below the highest generation (a member
   * with no generation counts as DEFAULT_GENERATION once any member has one), keeping per partition
   * the one with the highest generation. These are candidates to move a partition back to.
   */
  private prepopulateCurrentAssignments(): Map<string, ConsumerGenerationPair> {
    const prevAssignment = new Map<string, ConsumerGenerationPair>();
    for (const memberId of this.input.memberIds) {
      const memberData = this.input.memberData.get(memberId);
      assert(memberData !== undefined, `no member data for ${memberId}`);
      let generation: number;
      if (memberData.generation !== undefined && memberData.generation < this.input.maxGeneration) {
        generation = memberData.generation;
      } else if (memberData.generation === undefined && this.input.maxGeneration > DEFAULT_GENERATION) {
        generation = DEFAULT_GENERATION;
      } else {
        continue;
      }
      for (const tp of memberData.partitions) {
        const previous = prevAssignment.get(partitionKey(tp));
        if (previous === undefined || generation > previous.generation) {
          prevAssignment.set(partitionKey(tp), { consumer: memberId, generation });
        }
      }
    }
    return prevAssignment;
  }

  /** Keeps the owned partitions whose topic the owner still subscribes to; returns their keys. */
  private assignOwnedPartitions(): Set<string> {
    const assignedPartitions = new Set<string>();
    for (const [memberId, partitions] of this.currentAssignment) {
      const topics = this.potentialTopics(memberId);
      const kept = partitions.filter((tp) => topics.includes(tp.topic));
      if (kept.length < partitions.length) {
        // The member left a topic: what it owned there must be revoked.
        this.revocationRequired = true;
        for (const tp of partitions) if (!topics.includes(tp.topic)) this.currentPartitionConsumer.delete(partitionKey(tp));
        this.currentAssignment.set(memberId, kept);
      }
      for (const tp of kept) assignedPartitions.add(partitionKey(tp));
    }
    return assignedPartitions;
  }

  private balance(prevAssignment: ReadonlyMap<string, ConsumerGenerationPair>, unassigned: TopicPartition[]): void {
    const initializing = this.assignmentOf(this.sortedCurrentSubscriptions.last()).length === 0;
    for (const tp of unassigned) this.maybeAssignPartition(tp);

    // Only topics with two or more potential consumers, and members that could gain or lose a
    // partition, take part in balancing.
    const fixedTopics = new Set([...this.topic2AllPotentialConsumers].filter(([, c]) => c.length < 2).map(([t]) => t));
    this.sortedAllPartitions = this.sortedAllPartitions.filter((tp) => !fixedTopics.has(tp.topic));
    const reassignableUnassigned = unassigned.filter((tp) => !fixedTopics.has(tp.topic));
    for (const memberId of this.input.memberIds) {
      if (this.canConsumerParticipateInReassignment(memberId)) continue;
      this.sortedCurrentSubscriptions.remove(memberId);
      this.fixedAssignments.set(memberId, this.assignmentOf(memberId));
      this.currentAssignment.delete(memberId);
    }

    const preBalanceAssignment = deepCopy(this.currentAssignment);
    const preBalancePartitionConsumers = new Map(this.currentPartitionConsumer);
    // Without revocations forced by subscription changes, first try moving only the new partitions.
    if (!this.revocationRequired) this.performReassignments(reassignableUnassigned, prevAssignment);
    const reassignmentPerformed = this.performReassignments(this.sortedAllPartitions, prevAssignment);
    if (
      !initializing &&
      reassignmentPerformed &&
      getBalanceScore(this.currentAssignment) >= getBalanceScore(preBalanceAssignment)
    ) {
      // The moves did not help: keep what the members had.
      this.currentAssignment.clear();
      for (const [memberId, partitions] of preBalanceAssignment) this.currentAssignment.set(memberId, partitions);
      this.currentPartitionConsumer.clear();
      for (const [key, memberId] of preBalancePartitionConsumers) this.currentPartitionConsumer.set(key, memberId);
    }
  }

  /** `maybeAssignPartition`: to the least loaded member subscribed to the topic. */
  private maybeAssignPartition(tp: TopicPartition): void {
    const memberId = this.sortedCurrentSubscriptions.find((candidate) => this.potentialTopics(candidate).includes(tp.topic));
    assert(memberId !== undefined, `no subscriber for ${partitionKey(tp)}`);
    this.sortedCurrentSubscriptions.remove(memberId);
    this.assignmentOf(memberId).push(tp);
    this.currentPartitionConsumer.set(partitionKey(tp), memberId);
    this.sortedCurrentSubscriptions.add(memberId);
  }

  private canConsumerParticipateInReassignment(memberId: string): boolean {
    const size = this.assignmentOf(memberId).length;
    const maxAssignmentSize = this.getMaxAssignmentSize(memberId);
    assert(size <= maxAssignmentSize, `${memberId} has ${size} partitions, more than the ${maxAssignmentSize} possible`);
    if (size < maxAssignmentSize) return true;
    return this.assignmentOf(memberId).some((tp) => this.potentialConsumers(tp.topic).length >= 2);
  }

  /** Repeats passes over `reassignablePartitions` until one moves nothing or the group is balanced. */
  private performReassignments(
    reassignablePartitions: readonly TopicPartition[],
    prevAssignment: ReadonlyMap<string, ConsumerGenerationPair>,
  ): boolean {
    let reassignmentPerformed = false;
    let modified = true;
    for (let pass = 0; modified; pass++) {
      assert(pass < REASSIGNMENT_PASSES_MAX, 'sticky balancing did not converge');
      modified = false;
      for (const tp of reassignablePartitions) {
        if (this.isBalanced()) break;
        assert(this.potentialConsumers(tp.topic).length > 1, `${partitionKey(tp)} has one potential consumer`);
        const memberId = this.currentPartitionConsumer.get(partitionKey(tp));
        assert(memberId !== undefined, `${partitionKey(tp)} is not assigned`);
        const size = this.assignmentOf(memberId).length;
        const previous = prevAssignment.get(partitionKey(tp));
        if (
          previous !== undefined &&
          this.isBalancingSubscriber(previous.consumer, tp.topic) &&
          size > this.assignmentOf(previous.consumer).length + 1
        ) {
          this.reassignPartition(tp, previous.consumer);
          reassignmentPerformed = modified = true;
          continue;
        }
        if (this.potentialConsumers(tp.topic).some((other) => size > this.assignmentOf(other).length + 1)) {
          const newConsumer = this.sortedCurrentSubscriptions.find((c) => this.potentialTopics(c).includes(tp.topic));
          assert(newConsumer !== undefined, `no member to take ${partitionKey(tp)}`);
          this.reassignPartition(tp, newConsumer);
          reassignmentPerformed = modified = true;
        }
      }
    }
    return reassignmentPerformed;
  }

  private isBalancingSubscriber(memberId: string, topic: string): boolean {
    return this.currentAssignment.has(memberId) && this.potentialTopics(memberId).includes(topic);
  }

  /**
   * `isBalanced`: sizes differ by at most one, or no member could take a partition it subscribes to
   * from a member holding 2+ more.
   */
  private isBalanced(): boolean {
    if (this.sortedCurrentSubscriptions.size === 0) return true;
    const min = this.assignmentOf(this.sortedCurrentSubscriptions.first()).length;
    const max = this.assignmentOf(this.sortedCurrentSubscriptions.last()).length;
    if (min >= max - 1) return true;
    for (const memberId of this.sortedCurrentSubscriptions.members()) {
      const count = this.assignmentOf(memberId).length;
      if (count === this.getMaxAssignmentSize(memberId)) continue;
      for (const topic of this.potentialTopics(memberId)) {
        for (let partition = 0; partition < this.partitionCount(topic); partition++) {
          const owner = this.currentPartitionConsumer.get(partitionKey({ topic, partition }));
          assert(owner !== undefined, `${topic}-${partition} is not assigned`);
          if (owner !== memberId && count + 1 < this.assignmentOf(owner).length) return false;
        }
      }
    }
    return true;
  }

  private reassignPartition(tp: TopicPartition, newConsumer: string): void {
    const memberId = this.currentPartitionConsumer.get(partitionKey(tp));
    assert(memberId !== undefined, `${partitionKey(tp)} is not assigned`);
    const partitionToBeMoved = this.partitionMovements.getTheActualPartitionToBeMoved(tp, memberId, newConsumer);
    this.processPartitionMovement(partitionToBeMoved, newConsumer);
  }

  private processPartitionMovement(tp: TopicPartition, newConsumer: string): void {
    const oldConsumer = this.currentPartitionConsumer.get(partitionKey(tp));
    assert(oldConsumer !== undefined, `${partitionKey(tp)} is not assigned`);
    assert(this.potentialTopics(newConsumer).includes(tp.topic), `${newConsumer} does not subscribe to ${tp.topic}`);
    this.sortedCurrentSubscriptions.remove(oldConsumer);
    this.sortedCurrentSubscriptions.remove(newConsumer);
    this.partitionMovements.movePartition(tp, oldConsumer, newConsumer);
    const oldAssignment = this.assignmentOf(oldConsumer);
    const index = oldAssignment.findIndex((owned) => owned.topic === tp.topic && owned.partition === tp.partition);
    assert(index >= 0, `${partitionKey(tp)} missing from ${oldConsumer}`);
    oldAssignment.splice(index, 1);
    this.assignmentOf(newConsumer).push(tp);
    this.currentPartitionConsumer.set(partitionKey(tp), newConsumer);
    this.sortedCurrentSubscriptions.add(newConsumer);
    this.sortedCurrentSubscriptions.add(oldConsumer);
  }

  /** Kafka's `getMaxAssignmentSize`: all partitions of the member's topics. */
  private getMaxAssignmentSize(memberId: string): number {
    let size = 0;
    for (const topic of this.potentialTopics(memberId)) size += this.partitionCount(topic);
    return size;
  }

  private assignmentOf(memberId: string): TopicPartition[] {
    const partitions = this.currentAssignment.get(memberId);
    assert(partitions !== undefined, `no current assignment for ${memberId}`);
    return partitions;
  }

  private potentialConsumers(topic: string): string[] {
    const consumers = this.topic2AllPotentialConsumers.get(topic);
    assert(consumers !== undefined, `unknown topic ${topic}`);
    return consumers;
  }

  private potentialTopics(memberId: string): readonly string[] {
    const topics = this.consumer2AllPotentialTopics.get(memberId);
    assert(topics !== undefined, `unknown member ${memberId}`);
    return topics;
  }

  private partitionCount(topic: string): number {
    const count = this.input.partitionsPerTopic.get(topic);
    assert(count !== undefined, `unknown topic ${topic}`);
    return count;
  }
}

/**
 * Kafka's `TreeSet<String>` with `SubscriptionComparator`: members by assignment size, then member
 * id. A member's size must not change while it is in the set; callers remove it first, as Kafka does.
 */
class SortedConsumers {
  private readonly sorted: string[] = [];

  constructor(private readonly sizeOf: (memberId: string) => number) {}

  get size(): number {
    return this.sorted.length;
  }

  add(memberId: string): void {
    assert(!this.sorted.includes(memberId), `${memberId} is already sorted`);
    const compare = (a: string, b: string): number => this.sizeOf(a) - this.sizeOf(b) || compareStrings(a, b);
    let low = 0;
    let high = this.sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const other = this.sorted[middle];
      assert(other !== undefined, 'binary search out of range');
      if (compare(other, memberId) < 0) low = middle + 1;
      else high = middle;
    }
    this.sorted.splice(low, 0, memberId);
  }

  remove(memberId: string): void {
    const index = this.sorted.indexOf(memberId);
    assert(index >= 0, `${memberId} is not sorted`);
    this.sorted.splice(index, 1);
  }

  first(): string {
    const memberId = this.sorted[0];
    assert(memberId !== undefined, 'no members to balance');
    return memberId;
  }

  last(): string {
    const memberId = this.sorted[this.sorted.length - 1];
    assert(memberId !== undefined, 'no members to balance');
    return memberId;
  }

  find(predicate: (memberId: string) => boolean): string | undefined {
    return this.sorted.find(predicate);
  }

  members(): readonly string[] {
    return this.sorted;
  }
}

function deepCopy(assignment: ReadonlyMap<string, readonly TopicPartition[]>): Map<string, TopicPartition[]> {
  return new Map([...assignment].map(([memberId, partitions]) => [memberId, [...partitions]]));
}

/** `getBalanceScore`: the sum over all pairs of members of their size difference (0 is perfect). */
function getBalanceScore(assignment: ReadonlyMap<string, readonly TopicPartition[]>): number {
  const sizes = [...assignment.values()].map((partitions) => partitions.length).sort((a, b) => a - b);
  let score = 0;
  // Sorted ascending, the i-th size is larger than the i before it: sum of (s_i - s_j) for j < i.
  let prefix = 0;
  for (const [index, size] of sizes.entries()) {
    score += size * index - prefix;
    prefix += size;
  }
  return score;
}
