import { describe, expect, it } from 'vitest';
import type { Message, SimulatedNode } from '../../impl/env/node-environment.ts';
import { GROUP_METADATA_TOPIC_NAME } from '../../impl/group/coordinator-partition.ts';
import { Simulation } from '../run/simulation.ts';
import { DEFAULT_SIMULATION_OPTIONS } from '../run/simulation-options.ts';
import type { SystemDefinition } from '../run/system.ts';
import type { KafkaClusterView } from './kafka-view.ts';
import { kafkaSystem } from './kafka-system.ts';

// The group coordinator's writes replicate as a producer's do. Kafka's CoordinatorPartitionWriter
// appends through ReplicaManager.appendRecordsToLeader with the `directActionQueue`, so a
// follower's fetch parked at the leader (DelayedFetch) gets the new batch at once rather than
// when replica.fetch.wait.max.ms (500 ms) runs out. refka's writer appended to the partition
// without completing the purgatory: under auto-commit traffic every `__consumer_offsets` follower
// stayed up to 500 ms behind, and seed 10 with 7 brokers and 48 partitions never saw the high
// watermark of `__consumer_offsets-2` level with its log end in 60 s after the heal.

/**
 * Runs a cluster whose groups auto-commit, reading the leaders of `__consumer_offsets` every
 * `stepMs`: for each log end a leader reached, how long its high watermark took to cover it.
 */
function offsetsCommitDelays(seed: number, untilMs: number, stepMs: number): number[] {
  const system = kafkaSystem({
    brokers: 3,
    partitions: 3,
    replicationFactor: 3,
    // No producer: its appends are completion points of their own, which would wake the parked
    // follower fetches of the same broker (after seed 10's heal the groups wrote alone).
    producers: 0,
    consumers: 0,
    stopAtMs: untilMs,
    config: { 'min.insync.replicas': '2' },
    variants: [],
    // Each member auto-commits every 5 s, to a coordinator with two followers per offsets partition.
    groups: [{ groupId: 'g', members: 3 }, { groupId: 'h', members: 3 }],
  });
  const simulation = new Simulation(
    { ...DEFAULT_SIMULATION_OPTIONS, seed, durationMs: untilMs, faults: { type: 'none' }, repro: 'offsets-replication.test.ts' },
    system as unknown as SystemDefinition<Message, SimulatedNode<Message>, KafkaClusterView>,
  );
  simulation.beginScenario();
  const waiting = new Map<string, { readonly logEnd: number; readonly sinceMs: number }>();
  const delays: number[] = [];
  while (simulation.nowMs() < untilMs) {
    simulation.advanceTo(simulation.nowMs() + stepMs);
    for (const broker of simulation.currentView().brokers) {
      for (const replica of broker.replicas) {
        if (replica.role !== 'leader' || !replica.name.startsWith(`${GROUP_METADATA_TOPIC_NAME}-`)) continue;
        const key = `${broker.brokerId}/${replica.name}`;
        const pending = waiting.get(key);
        if (pending !== undefined && replica.highWatermark >= pending.logEnd) {
          delays.push(simulation.nowMs() - pending.sinceMs);
          waiting.delete(key);
        }
        if (!waiting.has(key) && replica.highWatermark < replica.logEndOffset) waiting.set(key, { logEnd: replica.logEndOffset, sinceMs: simulation.nowMs() });
      }
    }
  }
  return delays;
}

describe('__consumer_offsets replication', () => {
  it("covers the coordinator's appends with the leader's high watermark within a few round trips, not replica.fetch.wait.max.ms", () => {
    const delays = offsetsCommitDelays(3, 30_000, 10);
    // The claim is about the coordinator's writes: some must have been seen waiting.
    expect(delays.length).toBeGreaterThan(5);
    // A fetch to each follower and the next fetch that reports its log end: a few network delays
    // of some milliseconds each. Without the purgatory's completion a parked follower fetch
    // waited out replica.fetch.wait.max.ms (500 ms) first.
    expect(Math.max(...delays)).toBeLessThan(100);
  });
});
