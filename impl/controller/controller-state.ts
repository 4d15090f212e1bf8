import { assert, assertNever } from '../common/assert.ts';
import { NO_LEADER, type MetadataRecord } from '../metadata/metadata-records.ts';

/**
 * The cluster metadata as the controller's records build it: broker registrations, topics and
 * partition registrations. The controller replays every record it commits into this state, and a
 * broker replays the same records into the same state (its `MetadataImage`), so both sides agree
 * by construction on everything up to the offset they have applied.
 */

export interface BrokerRegistration {
  readonly brokerId: number;
  readonly brokerEpoch: number;
  readonly incarnationId: string;
  readonly fenced: boolean;
  readonly inControlledShutdown: boolean;
}

/**
 * Kafka's `PartitionRegistration`: a `PartitionRecord` with later changes applied, plus its topic's
 * name. The KIP-966 lists are always present here (empty when the record left them out).
 */
export type PartitionRegistration = Omit<Extract<MetadataRecord, { type: 'PartitionRecord' }>, 'type' | 'elr' | 'lastKnownElr'> & {
  readonly topicName: string;
  readonly elr: readonly number[];
  readonly lastKnownElr: readonly number[];
};

/**
 * What must hold of every registration (checked at replay, and by the controller before it writes
 * a change): the leader is in the ISR; ISR and ELR are disjoint sets of replicas (KIP-966);
 * LastKnownElr names at most one replica (the last leader), and only while the partition has no
 * ISR and no leader; without ELR an ISR is never empty and there is no ELR.
 */
export function registrationProblem(registration: Omit<PartitionRegistration, 'topicName'>, elrEnabled?: boolean): string | undefined {
  const { replicas, isr, elr, lastKnownElr, leader } = registration;
  const name = `${registration.topicId}:${registration.partitionId}`;
  if (leader !== NO_LEADER && !isr.includes(leader)) return `leader ${leader} of ${name} is outside the ISR ${isr.join(',')}`;
  for (const [label, list] of [['ISR', isr], ['ELR', elr], ['LastKnownElr', lastKnownElr]] as const) {
    if (new Set(list).size !== list.length) return `${label} of ${name} has a duplicate: ${list.join(',')}`;
    const stranger = list.find((replica) => !replicas.includes(replica));
    if (stranger !== undefined) return `${label} of ${name} names ${stranger}, not a replica`;
  }
  const inBoth = elr.find((replica) => isr.includes(replica));
  if (inBoth !== undefined) return `replica ${inBoth} of ${name} is in both the ISR and the ELR`;
  if (lastKnownElr.length > 1) return `LastKnownElr of ${name} names more than the last leader: ${lastKnownElr.join(',')}`;
  if (lastKnownElr.length > 0 && (isr.length > 0 || leader !== NO_LEADER)) return `${name} keeps LastKnownElr ${lastKnownElr.join(',')} with ISR ${isr.join(',')} and leader ${leader}`;
  if (elrEnabled === false && (elr.length > 0 || lastKnownElr.length > 0)) return `${name} has an ELR with ELR disabled`;
  if (elrEnabled === false && isr.length === 0) return `${name} has an empty ISR with ELR disabled`;
  return undefined;
}

export interface TopicInfo {
  readonly name: string;
  readonly topicId: string;
  readonly partitions: number;
  readonly configs: Readonly<Record<string, string>>;
}

export class MetadataState {
  private readonly brokerMap = new Map<number, BrokerRegistration>();
  private readonly topicsByName = new Map<string, { topicId: string; configs: Record<string, string> }>();
  private readonly topicNames = new Map<string, string>();
  /** `topicId:partitionId` -> registration. */
  private readonly partitionMap = new Map<string, PartitionRegistration>();
  private producerIdNext = 0;
  /** One past the offset of the last record replayed. */
  private appliedOffset = 0;

  get nextOffset(): number {
    return this.appliedOffset;
  }

  get nextProducerId(): number {
    return this.producerIdNext;
  }

  broker(brokerId: number): BrokerRegistration | undefined {
    return this.brokerMap.get(brokerId);
  }

  /** Brokers in id order. */
  brokers(): BrokerRegistration[] {
    return [...this.brokerMap.keys()].sort((a, b) => a - b).map((id) => this.brokerMap.get(id) as BrokerRegistration);
  }

  /** A broker that may lead or join an ISR: registered, unfenced and not shutting down (KIP-841). */
  isEligible(brokerId: number): boolean {
    const broker = this.brokerMap.get(brokerId);
    return broker !== undefined && !broker.fenced && !broker.inControlledShutdown;
  }

  topicId(name: string): string | undefined {
    return this.topicsByName.get(name)?.topicId;
  }

  topicName(topicId: string): string | undefined {
    return this.topicNames.get(topicId);
  }

  topicConfigs(name: string): Readonly<Record<string, string>> {
    return this.topicsByName.get(name)?.configs ?? {};
  }

  /** Topics in name order. */
  topics(): TopicInfo[] {
    return [...this.topicsByName.keys()].sort().map((name) => {
      const { topicId, configs } = this.topicsByName.get(name) as { topicId: string; configs: Record<string, string> };
      return { name, topicId, partitions: this.partitionsOf(topicId).length, configs };
    });
  }

  partition(topicId: string, partitionId: number): PartitionRegistration | undefined {
    return this.partitionMap.get(`${topicId}:${partitionId}`);
  }

  /** A topic's partitions in partition order. */
  partitionsOf(topicId: string): PartitionRegistration[] {
    const found: PartitionRegistration[] = [];
    for (let partitionId = 0; ; partitionId++) {
      const registration = this.partitionMap.get(`${topicId}:${partitionId}`);
      if (registration === undefined) return found;
      found.push(registration);
    }
  }

  /** Every partition, by topic name then partition id. */
  allPartitions(): PartitionRegistration[] {
    return this.topics().flatMap((topic) => this.partitionsOf(topic.topicId));
  }

  /**
   * Moves past offsets that hold no metadata record: the Raft log's control records (LeaderChange)
   * take offsets of their own.
   */
  skipTo(offset: number): void {
    assert(offset >= this.appliedOffset, `metadata skip backwards: to ${offset}, at ${this.appliedOffset}`);
    this.appliedOffset = offset;
  }

  /**
   * The state as records (Kafka's metadata snapshot: the image written out as the records that
   * build it, `MetadataImage.write`): replayed in order into an empty state by
   * {@link loadSnapshot}, they give this state again.
   */
  snapshotRecords(): MetadataRecord[] {
    const records: MetadataRecord[] = [];
    for (const broker of this.brokers()) {
      records.push({ type: 'RegisterBrokerRecord', brokerId: broker.brokerId, brokerEpoch: broker.brokerEpoch, incarnationId: broker.incarnationId, fenced: broker.fenced });
      if (broker.inControlledShutdown) records.push({ type: 'BrokerRegistrationChangeRecord', brokerId: broker.brokerId, brokerEpoch: broker.brokerEpoch, inControlledShutdown: true });
    }
    for (const topic of this.topics()) {
      records.push({ type: 'TopicRecord', name: topic.name, topicId: topic.topicId });
      for (const name of Object.keys(topic.configs).sort()) records.push({ type: 'ConfigRecord', topicName: topic.name, name, value: topic.configs[name] as string });
      for (const partition of this.partitionsOf(topic.topicId)) {
        records.push({
          type: 'PartitionRecord', topicId: partition.topicId, partitionId: partition.partitionId, replicas: partition.replicas, isr: partition.isr, leader: partition.leader,
          leaderEpoch: partition.leaderEpoch, partitionEpoch: partition.partitionEpoch, elr: partition.elr, lastKnownElr: partition.lastKnownElr,
        });
      }
    }
    if (this.producerIdNext > 0) records.push({ type: 'ProducerIdsRecord', brokerId: -1, brokerEpoch: -1, nextProducerId: this.producerIdNext });
    return records;
  }

  /**
   * Replaces the whole state with a snapshot's (Kafka's `handleLoadSnapshot`): `records` from
   * {@link snapshotRecords}, holding everything below `endOffset`.
   */
  loadSnapshot(records: readonly MetadataRecord[], endOffset: number): void {
    this.brokerMap.clear();
    this.topicsByName.clear();
    this.topicNames.clear();
    this.partitionMap.clear();
    this.producerIdNext = 0;
    for (const record of records) this.apply(record);
    this.appliedOffset = endOffset;
  }

  /** Applies one committed record; `offset` must be the next one. */
  replay(offset: number, record: MetadataRecord): void {
    assert(offset === this.appliedOffset, `metadata replay out of order: offset ${offset}, expected ${this.appliedOffset}`);
    this.appliedOffset = offset + 1;
    this.apply(record);
  }

  private apply(record: MetadataRecord): void {
    switch (record.type) {
      case 'RegisterBrokerRecord':
        this.brokerMap.set(record.brokerId, {
          brokerId: record.brokerId,
          brokerEpoch: record.brokerEpoch,
          incarnationId: record.incarnationId,
          fenced: record.fenced,
          inControlledShutdown: false,
        });
        return;
      case 'FenceBrokerRecord':
      case 'UnfenceBrokerRecord': {
        const broker = this.brokerMap.get(record.brokerId);
        assert(broker !== undefined && broker.brokerEpoch === record.brokerEpoch, `${record.type} for unknown broker ${record.brokerId} epoch ${record.brokerEpoch}`);
        this.brokerMap.set(record.brokerId, { ...broker, fenced: record.type === 'FenceBrokerRecord', inControlledShutdown: record.type === 'FenceBrokerRecord' ? broker.inControlledShutdown : false });
        return;
      }
      case 'BrokerRegistrationChangeRecord': {
        const broker = this.brokerMap.get(record.brokerId);
        assert(broker !== undefined && broker.brokerEpoch === record.brokerEpoch, `registration change for unknown broker ${record.brokerId}`);
        this.brokerMap.set(record.brokerId, { ...broker, inControlledShutdown: record.inControlledShutdown });
        return;
      }
      case 'TopicRecord':
        assert(!this.topicsByName.has(record.name), `topic ${record.name} created twice`);
        this.topicsByName.set(record.name, { topicId: record.topicId, configs: {} });
        this.topicNames.set(record.topicId, record.name);
        return;
      case 'ConfigRecord': {
        const topic = this.topicsByName.get(record.topicName);
        assert(topic !== undefined, `config for unknown topic ${record.topicName}`);
        topic.configs[record.name] = record.value;
        return;
      }
      case 'PartitionRecord': {
        const topicName = this.topicNames.get(record.topicId);
        assert(topicName !== undefined, `partition of unknown topic ${record.topicId}`);
        this.partitionMap.set(`${record.topicId}:${record.partitionId}`, {
          topicId: record.topicId,
          topicName,
          partitionId: record.partitionId,
          replicas: record.replicas,
          isr: record.isr,
          leader: record.leader,
          leaderEpoch: record.leaderEpoch,
          partitionEpoch: record.partitionEpoch,
          elr: record.elr ?? [],
          lastKnownElr: record.lastKnownElr ?? [],
        });
        const problem = registrationProblem(this.partitionMap.get(`${record.topicId}:${record.partitionId}`) as PartitionRegistration);
        assert(problem === undefined, `PartitionRecord: ${problem}`);
        return;
      }
      case 'PartitionChangeRecord': {
        const key = `${record.topicId}:${record.partitionId}`;
        const current = this.partitionMap.get(key);
        assert(current !== undefined, `change of unknown partition ${key}`);
        // Paired checks with the controller's decision: epochs only grow, the leader is in the ISR,
        // ISR and ELR are disjoint, LastKnownElr only names the last leader of a leaderless partition.
        assert(record.partitionEpoch === current.partitionEpoch + 1, `partition epoch of ${key} must grow by one`);
        assert(record.leaderEpoch >= current.leaderEpoch, `leader epoch of ${key} went back`);
        const next = { ...current, isr: record.isr, leader: record.leader, leaderEpoch: record.leaderEpoch, partitionEpoch: record.partitionEpoch, elr: record.elr, lastKnownElr: record.lastKnownElr };
        const problem = registrationProblem(next);
        assert(problem === undefined, `PartitionChangeRecord: ${problem}`);
        this.partitionMap.set(key, next);
        return;
      }
      case 'ProducerIdsRecord':
        assert(record.nextProducerId > this.producerIdNext, 'producer id blocks only move forward');
        this.producerIdNext = record.nextProducerId;
        return;
      default:
        assertNever(record, 'metadata record');
    }
  }
}
