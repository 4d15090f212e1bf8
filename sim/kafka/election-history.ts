import type { BrokerRegistration, PartitionRegistration } from '../../impl/controller/controller-state.ts';
import type { BatchDigest } from './batch-digests.ts';

/**
 * What the copy ledger (`replica-logs.ts`) learns from the controller's records, as the run goes:
 * how each leader of each partition was elected (a KIP-966 last-known-leader election among them)
 * and how each broker left each partition's ISR and ELR (on an unclean shutdown or not). It reads
 * the controller's committed registrations, not its in-memory verdicts. The ledger keeps records
 * and their copies; this keeps what the controller did, which the per-record excuse of a
 * last-known-leader election needs (`judgeLoss`).
 */

/**
 * What the ledger reads of the controller's records (`KafkaClusterView.controller`), to tell how
 * each leader was elected and how each replica left a partition's ISR and ELR.
 */
export interface ControllerRegistrations {
  readonly partitions: readonly Pick<PartitionRegistration, 'topicName' | 'partitionId' | 'leader' | 'leaderEpoch' | 'isr' | 'elr' | 'lastKnownElr'>[];
  readonly brokers: readonly Pick<BrokerRegistration, 'brokerId' | 'brokerEpoch'>[];
  /** The offset of the controller's next record: the registrations change only when it moves. */
  readonly metadataOffset: number;
}

/** How one leader came to lead one epoch of a partition, as the controller's registrations showed. */
export interface Election {
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly atMs: number;
  /** Where the leader's log, as last read from its disk, ended (its intact batches) when it was elected. */
  readonly leaderLogEnd: number;
  /**
   * KIP-966's last-known-leader election (Kafka's `PartitionChangeBuilder.canElectLastKnownLeader`):
   * seen straight after a registration with no leader, an empty ISR, this broker as LastKnownElr
   * and not in the ELR (which the electing change itself may empty). Kafka makes it an unclean
   * election: the leader may lack committed records.
   */
  readonly lastKnownLeader: boolean;
}

/** How a broker last left a partition's ISR and ELR together. */
export interface MembershipExit {
  readonly atMs: number;
  /**
   * It left in the step in which the controller registered a new incarnation of it, whose previous
   * process had not exited cleanly (Kafka's `handleBrokerUncleanShutdown` writes those changes with
   * the `RegisterBrokerRecord`); `stop` is how that process had ended.
   */
  readonly unclean: boolean;
  readonly stop: string;
}

/** The elections and ISR/ELR exits seen so far, per partition. */
export class ElectionHistory {
  constructor(
    /** The batches of a partition on a broker, as the ledger last read them off its disk (`ReplicaLogs.batches`). */
    private readonly batches: (brokerId: number, name: string) => readonly BatchDigest[],
  ) {}

  /** Per partition: the controller's registration last seen. */
  private readonly registrations = new Map<string, ControllerRegistrations['partitions'][number]>();
  /** Per partition: leader epoch -> how its leader was elected. */
  private readonly elections = new Map<string, Map<number, Election>>();
  /** Per partition: broker -> its exits from the ISR and ELR, oldest first. */
  private readonly exits = new Map<string, Map<number, MembershipExit[]>>();
  /** Per broker: the broker epoch the controller had registered at the last observation. */
  private readonly registeredEpochs = new Map<number, number>();
  /** The controller's metadata offset at the last observation (-1: none yet). */
  private observedMetadataOffset = -1;

  /**
   * Follows the controller's records (after each event, like `ReplicaLogs.observe`): records how
   * each leader was elected and how each broker left each partition's ISR and ELR, for the
   * per-record excuse of a last-known-leader election (`judgeLoss`). `stopOf` tells, for a running
   * broker, how its previous process really ended (`BrokerView.lastStop`). Nothing is learnt while
   * no controller runs.
   */
  observe(nowMs: number, controller: ControllerRegistrations | undefined, stopOf: (brokerId: number) => string | undefined): void {
    if (!this.learnsFrom(controller)) return;
    this.observedMetadataOffset = controller.metadataOffset;
    const registered = new Map(controller.brokers.map((broker) => [broker.brokerId, broker.brokerEpoch]));
    // A broker whose new incarnation was registered in this very step, after a process that did
    // not exit cleanly: what it leaves now, it leaves on that unclean shutdown.
    const uncleanNow = new Set<number>();
    for (const [brokerId, epoch] of registered) {
      if (this.registeredEpochs.get(brokerId) === epoch) continue;
      const stop = stopOf(brokerId);
      if (stop !== undefined && stop !== 'clean-exit' && stop !== 'none') uncleanNow.add(brokerId);
    }
    for (const partition of controller.partitions) {
      const name = `${partition.topicName}-${partition.partitionId}`;
      const previous = this.registrations.get(name);
      this.registrations.set(name, partition);
      if (partition.leader >= 0) {
        let elections = this.elections.get(name);
        if (elections === undefined) {
          elections = new Map();
          this.elections.set(name, elections);
        }
        if (!elections.has(partition.leaderEpoch)) {
          // The ELR may empty in the very change that elects: an ELR member's re-registration
          // after an unclean shutdown takes it out and elects the last known leader in one
          // record (seed 3 under swarm-beyond), so the new leader only must not come from it.
          const lastKnownLeader = previous !== undefined && previous.leader < 0 && previous.leaderEpoch + 1 === partition.leaderEpoch && previous.isr.length === 0 && !previous.elr.includes(partition.leader) && previous.lastKnownElr.length === 1 && previous.lastKnownElr[0] === partition.leader;
          const batches = this.batches(partition.leader, name);
          let intact = 0;
          while (intact < batches.length && (batches[intact] as BatchDigest).intact) intact++;
          const leaderLogEnd = intact > 0 ? (batches[intact - 1] as BatchDigest).lastOffset + 1 : 0;
          elections.set(partition.leaderEpoch, { leader: partition.leader, leaderEpoch: partition.leaderEpoch, atMs: nowMs, leaderLogEnd, lastKnownLeader });
        }
      }
      if (previous === undefined) continue;
      const members = new Set([...partition.isr, ...partition.elr]);
      for (const brokerId of new Set([...previous.isr, ...previous.elr])) {
        if (members.has(brokerId)) continue;
        let exits = this.exits.get(name);
        if (exits === undefined) {
          exits = new Map();
          this.exits.set(name, exits);
        }
        const list = exits.get(brokerId) ?? [];
        list.push({ atMs: nowMs, unclean: uncleanNow.has(brokerId), stop: stopOf(brokerId) ?? 'unknown' });
        exits.set(brokerId, list);
      }
    }
    for (const [brokerId, epoch] of registered) this.registeredEpochs.set(brokerId, epoch);
  }

  /** Whether `observe` would learn anything from `controller`. */
  learnsFrom(controller: ControllerRegistrations | undefined): controller is ControllerRegistrations {
    // The registrations are the controller's committed records replayed: nothing to learn until
    // another record lands (a restarted controller replays to the same offset, the same state).
    return controller !== undefined && controller.metadataOffset !== this.observedMetadataOffset;
  }

  /** Per partition: leader epoch -> how its leader was elected (undefined: no leader seen yet). */
  electionsOf(partition: string): ReadonlyMap<number, Election> | undefined {
    return this.elections.get(partition);
  }

  /** `brokerId`'s exits from the partition's ISR and ELR, oldest first (undefined: none). */
  exitsOf(partition: string, brokerId: number): readonly MembershipExit[] | undefined {
    return this.exits.get(partition)?.get(brokerId);
  }

  /** Whether the controller ever elected a partition's last known leader (KIP-966) in this run. */
  hadLastKnownLeaderElection(partition: string): boolean {
    for (const election of this.elections.get(partition)?.values() ?? []) if (election.lastKnownLeader) return true;
    return false;
  }
}
