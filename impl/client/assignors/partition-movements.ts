import { assert } from '../../common/assert.ts';
import { partitionKey, type TopicPartition } from './consumer-partition-assignor.ts';

/**
 * `AbstractStickyAssignor.PartitionMovements`: while the general sticky algorithm rebalances, the
 * net move of each partition (from the member that held it when balancing began to the member that
 * holds it now), indexed by topic and by (source, destination) pair. It serves stickiness: when a
 * partition of a topic is about to move from A to B and some partition of that topic already moved
 * from B to A in this rebalance, moving that one back instead leaves both members with partitions
 * they had before (`getTheActualPartitionToBeMoved`).
 *
 * Kafka keeps the partitions of a pair in a `HashSet` and takes `iterator().next()`; refka keeps
 * them in insertion order and takes the first, so the choice is deterministic.
 */
export class PartitionMovements {
  /** partitionKey -> the partition and its net move. */
  private readonly movements = new Map<string, { readonly partition: TopicPartition; readonly pair: ConsumerPair }>();
  /** topic -> pairKey -> the pair and its partitions (partitionKey -> partition), in insertion order. */
  private readonly movementsByTopic = new Map<string, Map<string, PairMovements>>();

  /** Records that `partition` moves from `oldConsumer` to `newConsumer` (`movePartition`). */
  movePartition(partition: TopicPartition, oldConsumer: string, newConsumer: string): void {
    assert(oldConsumer !== newConsumer, `partition ${partitionKey(partition)} moves from ${oldConsumer} to itself`);
    const existing = this.removeMovementRecordOfPartition(partition);
    if (existing === undefined) {
      this.addPartitionMovementRecord(partition, { source: oldConsumer, destination: newConsumer });
      return;
    }
    // The partition moved before: its current holder is the previous destination.
    assert(existing.destination === oldConsumer, `movement of ${partitionKey(partition)} ends at ${existing.destination}, not ${oldConsumer}`);
    // Back to where it started: no net move, no record.
    if (existing.source !== newConsumer) {
      this.addPartitionMovementRecord(partition, { source: existing.source, destination: newConsumer });
    }
  }

  /**
   * The partition to move when `partition` should go from `oldConsumer` to `newConsumer`
   * (`getTheActualPartitionToBeMoved`): a partition of the same topic that moved the opposite way
   * (from `newConsumer` to where `partition` started), if there is one.
   */
  getTheActualPartitionToBeMoved(partition: TopicPartition, oldConsumer: string, newConsumer: string): TopicPartition {
    const forTopic = this.movementsByTopic.get(partition.topic);
    if (forTopic === undefined) return partition;
    let source = oldConsumer;
    const moved = this.movements.get(partitionKey(partition));
    if (moved !== undefined) {
      assert(moved.pair.destination === oldConsumer, `${partitionKey(partition)} is not at ${oldConsumer}`);
      source = moved.pair.source;
    }
    const reverse = forTopic.get(pairKey({ source: newConsumer, destination: source }));
    if (reverse === undefined) return partition;
    const first = reverse.partitions.values().next();
    assert(first.done !== true, 'an empty movement set was kept');
    return first.value;
  }

  /**
   * Kafka's `isSticky()`: no topic has partitions that moved both ways between the same two members
   * (a cycle of length 2 among the pairs: `hasCycles` only fails on those). Tests call it.
   */
  isSticky(): boolean {
    for (const forTopic of this.movementsByTopic.values()) {
      for (const { pair } of forTopic.values()) {
        if (forTopic.has(pairKey({ source: pair.destination, destination: pair.source }))) return false;
      }
    }
    return true;
  }

  private removeMovementRecordOfPartition(partition: TopicPartition): ConsumerPair | undefined {
    const key = partitionKey(partition);
    const moved = this.movements.get(key);
    if (moved === undefined) return undefined;
    this.movements.delete(key);
    const forTopic = this.movementsByTopic.get(partition.topic);
    assert(forTopic !== undefined, `no movements recorded for topic ${partition.topic}`);
    const forPair = forTopic.get(pairKey(moved.pair));
    assert(forPair !== undefined, `movement of ${key} not indexed by its pair`);
    assert(forPair.partitions.delete(key), `movement of ${key} missing from its pair's partitions`);
    if (forPair.partitions.size === 0) forTopic.delete(pairKey(moved.pair));
    if (forTopic.size === 0) this.movementsByTopic.delete(partition.topic);
    return moved.pair;
  }

  private addPartitionMovementRecord(partition: TopicPartition, pair: ConsumerPair): void {
    const key = partitionKey(partition);
    assert(!this.movements.has(key), `${key} already has a movement`);
    this.movements.set(key, { partition, pair });
    let forTopic = this.movementsByTopic.get(partition.topic);
    if (forTopic === undefined) {
      forTopic = new Map();
      this.movementsByTopic.set(partition.topic, forTopic);
    }
    let forPair = forTopic.get(pairKey(pair));
    if (forPair === undefined) {
      forPair = { pair, partitions: new Map() };
      forTopic.set(pairKey(pair), forPair);
    }
    forPair.partitions.set(key, partition);
  }
}

/** `AbstractStickyAssignor.ConsumerPair`: a move from `source` to `destination`. */
interface ConsumerPair {
  readonly source: string;
  readonly destination: string;
}

interface PairMovements {
  readonly pair: ConsumerPair;
  readonly partitions: Map<string, TopicPartition>;
}

/** Member ids are JSON-quoted so that no pair of ids can make the same key. */
function pairKey(pair: ConsumerPair): string {
  return JSON.stringify([pair.source, pair.destination]);
}
