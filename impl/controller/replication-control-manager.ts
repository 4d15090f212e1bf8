import { assert } from '../common/assert.ts';
import type { KafkaError } from '../protocol/errors.ts';
import type { AlterPartitionRequest, CreateTopicsRequest, KafkaResponse } from '../protocol/messages.ts';
import { NO_LEADER, type MetadataRecord } from '../metadata/metadata-records.ts';
import { MetadataState, type PartitionRegistration } from './controller-state.ts';
import { effectiveMinIsr, elrEnabled } from './eligible-leader-replicas.ts';
import { buildPartitionChange, type ElrSettingsFor } from './partition-change.ts';
import type { ControlContext, ControllerResult } from './controller-result.ts';

/**
 * Preferred-leader elections in one pass of the balancer: a bound on the batch, as Kafka's
 * `maxElectionsPerImbalance`; a pass that hits it runs again at once.
 */
const MAX_ELECTIONS_PER_IMBALANCE = 1_000;

/** Kafka's legal topic names (`Topic.validate`). */
const LEGAL_TOPIC_NAME = /^[a-zA-Z0-9._-]+$/;

/**
 * The active controller's decisions about topics and partitions (Kafka's
 * `ReplicationControlManager`): topic creation and placement, AlterPartition (KIP-497, KIP-903),
 * leader elections (clean, unclean, ELR of KIP-966, preferred), each as records over the active
 * state, never changing it itself.
 */
export class ReplicationControlManager {
  constructor(private readonly context: ControlContext) {}

  private get state(): MetadataState {
    return this.context.state();
  }

  private get options(): ControlContext['options'] {
    return this.context.options;
  }

  /**
   * Kafka's `ReplicationControlManager.maybeBalancePartitionLeaders`: every partition whose leader
   * is not its preferred replica (the first in its replica list) gets a preferred election, which
   * moves leadership back once that replica is in the ISR and unfenced. After a failover this
   * returns leadership to the broker that lost it, so a partition's leadership often goes A, B,
   * then A again: the sequence in which a follower that missed the middle epoch (KIP-320) would
   * otherwise keep fetching from A as if nothing had happened.
   */
  maybeBalancePartitionLeaders(): { records: MetadataRecord[]; rescheduleImmediately: boolean } {
    const records: MetadataRecord[] = [];
    for (const partition of this.state.allPartitions()) {
      if (partition.leader === partition.replicas[0]) continue;
      if (records.length >= MAX_ELECTIONS_PER_IMBALANCE) return { records, rescheduleImmediately: true };
      const record = buildPartitionChange(this.state, partition, { preferred: true, uncleanLeaderElection: false, elr: this.elrFor(this.state)(partition) });
      if (record === undefined) continue;
      assert(record.leader === partition.replicas[0] && record.leaderEpoch === partition.leaderEpoch + 1, 'a preferred election elects the preferred replica in a new epoch');
      records.push(record);
    }
    return { records, rescheduleImmediately: false };
  }

  /** Elections for leaderless partitions (those that `brokerId` could lead, when given). */
  electLeadersFor(state: MetadataState, brokerId: number | undefined): MetadataRecord[] {
    const records: MetadataRecord[] = [];
    for (const partition of state.allPartitions()) {
      if (partition.leader !== NO_LEADER) continue;
      if (brokerId !== undefined && !partition.replicas.includes(brokerId)) continue;
      const record = buildPartitionChange(state, partition, { uncleanLeaderElection: this.unclean(partition.topicName), elr: this.elrFor(state)(partition) });
      if (record !== undefined) records.push(record);
    }
    return records;
  }

  /**
   * Decisions that depend on earlier records of the same result see them applied: the state is
   * copied by replaying the log into a scratch state (records are few; the log is small).
   */
  changesAfter(pending: readonly MetadataRecord[], decide: (state: MetadataState) => MetadataRecord[]): MetadataRecord[] {
    if (pending.length === 0) return decide(this.state);
    const scratch = this.context.base();
    for (const entry of this.context.entries()) {
      scratch.skipTo(entry.offset);
      scratch.replay(entry.offset, entry.record);
    }
    scratch.skipTo(this.state.nextOffset);
    for (const [index, record] of pending.entries()) scratch.replay(this.state.nextOffset + index, record);
    return decide(scratch);
  }

  leadershipsAfter(pending: readonly MetadataRecord[], brokerId: number): number {
    let leads = 0;
    const last = new Map<string, number>();
    for (const partition of this.state.allPartitions()) last.set(`${partition.topicId}:${partition.partitionId}`, partition.leader);
    for (const record of pending) if (record.type === 'PartitionChangeRecord') last.set(`${record.topicId}:${record.partitionId}`, record.leader);
    for (const leader of last.values()) if (leader === brokerId) leads++;
    return leads;
  }

  /**
   * The ELR settings of each partition (KIP-966), read from `state` (a scratch state in
   * `changesAfter`): undefined when ELR is disabled, else the topic's effective min ISR.
   */
  elrFor(state: MetadataState): ElrSettingsFor {
    if (!elrEnabled(this.options.config, this.options.rules)) return () => undefined;
    return (partition) => ({ minIsr: effectiveMinIsr(state.topicConfigs(partition.topicName), this.options.config, partition.replicas.length) });
  }

  unclean(topicName: string): boolean {
    const override = this.state.topicConfigs(topicName)['unclean.leader.election.enable'];
    return (override ?? this.options.config.string('unclean.leader.election.enable')) === 'true';
  }


  // ---- AlterPartition (KIP-497, KIP-903) ---------------------------------------------------------------

  alterPartition(request: AlterPartitionRequest): ControllerResult {
    const partition = this.state.partition(request.topicId, request.partitionId);
    const reply = (error: KafkaError, current: PartitionRegistration | undefined): KafkaResponse => ({
      type: 'AlterPartitionResponse',
      correlationId: request.correlationId,
      error,
      topicId: request.topicId,
      partitionId: request.partitionId,
      leaderId: current?.leader ?? NO_LEADER,
      leaderEpoch: current?.leaderEpoch ?? -1,
      isr: current?.isr ?? [],
      partitionEpoch: current?.partitionEpoch ?? -1,
    });
    const broker = this.state.broker(request.brokerId);
    if (broker === undefined || broker.brokerEpoch !== request.brokerEpoch) return { records: [], response: reply('STALE_BROKER_EPOCH', partition) };
    if (partition === undefined) return { records: [], response: reply('UNKNOWN_TOPIC_OR_PARTITION', undefined) };
    if (request.leaderEpoch < partition.leaderEpoch) return { records: [], response: reply('FENCED_LEADER_EPOCH', partition) };
    if (partition.leader !== request.brokerId || request.leaderEpoch > partition.leaderEpoch) return { records: [], response: reply('NOT_LEADER_OR_FOLLOWER', partition) };
    if (request.partitionEpoch !== partition.partitionEpoch) return { records: [], response: reply('INVALID_UPDATE_VERSION', partition) };
    const newIsr = request.newIsrWithEpochs.map((member) => member.brokerId);
    if (!newIsr.includes(partition.leader) || newIsr.some((replica) => !partition.replicas.includes(replica)) || new Set(newIsr).size !== newIsr.length) {
      return { records: [], response: reply('INVALID_REQUEST', partition) };
    }
    for (const member of request.newIsrWithEpochs) {
      if (partition.isr.includes(member.brokerId)) continue;
      // Replicas joining the ISR must be alive and the very incarnation the leader saw catch up:
      // without the broker epoch check (before KIP-903) a replica that restarted with an empty
      // disk could be added on the strength of its previous incarnation's fetches.
      const added = this.state.broker(member.brokerId);
      if (added === undefined || !this.state.isEligible(member.brokerId)) return { records: [], response: reply('INELIGIBLE_REPLICA', partition) };
      if (this.options.rules.checkBrokerEpochOnIsrAdd && member.brokerEpoch !== -1 && added.brokerEpoch !== member.brokerEpoch) {
        return { records: [], response: reply('INELIGIBLE_REPLICA', partition), marks: ['stale-replica-epoch-refused'] };
      }
    }
    const record = buildPartitionChange(this.state, partition, { isr: newIsr, uncleanLeaderElection: false, keepLeader: true, elr: this.elrFor(this.state)(partition) });
    if (record === undefined) return { records: [], response: reply('NONE', partition) };
    assert(record.leader === partition.leader, 'an ISR change requested by the leader keeps that leader');
    const after: PartitionRegistration = { ...partition, isr: record.isr, leader: record.leader, leaderEpoch: record.leaderEpoch, partitionEpoch: record.partitionEpoch, elr: record.elr, lastKnownElr: record.lastKnownElr };
    return { records: [record], response: reply('NONE', after) };
  }


  // ---- Topics --------------------------------------------------------------------------------------------

  createTopics(request: CreateTopicsRequest): ControllerResult {
    const records: MetadataRecord[] = [];
    const results: { name: string; error: KafkaError; message: string }[] = [];
    const created = new Set<string>();
    for (const topic of request.topics) {
      const problem = this.validateTopic(topic.name, topic.numPartitions, topic.replicationFactor, created);
      if (problem !== undefined) {
        results.push({ name: topic.name, error: problem.error, message: problem.message });
        continue;
      }
      created.add(topic.name);
      const topicId = `${topic.name}#${this.state.nextOffset + records.length}`;
      records.push({ type: 'TopicRecord', name: topic.name, topicId });
      for (const name of Object.keys(topic.configs).sort()) {
        records.push({ type: 'ConfigRecord', topicName: topic.name, name, value: topic.configs[name] as string });
      }
      const brokers = this.state.brokers().filter((broker) => !broker.fenced).map((broker) => broker.brokerId);
      for (let partitionId = 0; partitionId < topic.numPartitions; partitionId++) {
        // Round-robin placement (Kafka's rack-unaware assignment): partition p starts at broker p.
        const replicas = Array.from({ length: topic.replicationFactor }, (_, index) => brokers[(partitionId + index) % brokers.length] as number);
        const isr = replicas.filter((replica) => this.state.isEligible(replica));
        records.push({ type: 'PartitionRecord', topicId, partitionId, replicas, isr, leader: isr[0] ?? NO_LEADER, leaderEpoch: 0, partitionEpoch: 0 });
      }
      results.push({ name: topic.name, error: 'NONE', message: '' });
    }
    return { records, response: { type: 'CreateTopicsResponse', correlationId: request.correlationId, topics: results } };
  }

  private validateTopic(name: string, partitions: number, replicationFactor: number, creating: ReadonlySet<string>): { error: KafkaError; message: string } | undefined {
    if (name.length === 0 || name === '.' || name === '..' || name.length > 249 || !LEGAL_TOPIC_NAME.test(name)) {
      return { error: 'INVALID_TOPIC_EXCEPTION', message: `topic name '${name}' is illegal: 1 to 249 of [a-zA-Z0-9._-], not '.' or '..'` };
    }
    if (this.state.topicId(name) !== undefined || creating.has(name)) return { error: 'TOPIC_ALREADY_EXISTS', message: `topic '${name}' already exists` };
    if (!Number.isInteger(partitions) || partitions < 1) return { error: 'INVALID_PARTITIONS', message: `number of partitions must be at least 1, got ${partitions}` };
    const live = this.state.brokers().filter((broker) => !broker.fenced).length;
    if (!Number.isInteger(replicationFactor) || replicationFactor < 1 || replicationFactor > live) {
      return { error: 'INVALID_REPLICATION_FACTOR', message: `replication factor ${replicationFactor} with ${live} unfenced brokers` };
    }
    return undefined;
  }

}
