import type { ConfigView } from '../config/config-view.ts';
import type { ProtocolRules } from '../variants/protocol-rules.ts';

/**
 * What the simulation gives a consumer: Kafka's consumer configs (`config`, and a group member's
 * own overrides) plus what the workload's application does around it (when it starts polling,
 * when it closes, what it does on a fatal fence) and the run's protocol rules.
 */
export interface KafkaConsumerOptions {
  readonly name: string;
  readonly brokers: readonly number[];
  readonly config: ConfigView;
  readonly topic: string;
  /** Overrides `auto.offset.reset` (the workload reads everything: `earliest`). */
  readonly autoOffsetReset?: 'earliest' | 'latest';
  /**
   * When the consumer starts polling (simulated ms). Jepsen's Kafka workload ends with final
   * reads: a consumer that starts after the faults heal and reads every partition from the log
   * start to the end, so that every acknowledged record, tail included, is judged.
   */
  readonly startAtMs?: number;
  /** The run's protocol rules; Kafka's when absent. */
  readonly rules?: Pick<
    ProtocolRules,
    'consumerReturnsRecordAtPosition' | 'consumerValidatesPositions' | 'rangeAssignorRangesDisjoint' | 'autoCommitCommitsConsumedPositions' | 'groupResetUsesConfiguredPolicy' | 'cooperativeStickyValidatesOwnedPartitions' | 'generationResetClearsOwnedPartitions'
  >;
  /**
   * Group mode: the consumer subscribes to `topic` as a member of this group (its `group.id`)
   * instead of assigning itself every partition. Absent: manual assignment, as the workload's
   * consumers have.
   */
  readonly groupId?: string;
  /**
   * This consumer's own config overrides, over the run's (`config`): each group member may have
   * its own `group.instance.id`, `partition.assignment.strategy`, and so on. Group mode only.
   */
  readonly configOverrides?: Readonly<Record<string, string>>;
  /**
   * Group mode: when the application calls `KafkaConsumer.close()` (simulated ms); never when
   * absent. A member that starts late (`startAtMs`) and closes early is the "members that
   * join late and leave" (issue 13).
   */
  readonly closeAtMs?: number;
  /**
   * Group mode, static members (KIP-345): what the application does once poll throws
   * FencedInstanceIdException, which Kafka's consumer treats as fatal. `close` (when absent):
   * it closes the consumer and the process stays, idle, for whoever runs it to decide (a script's
   * console consumer). `exit`: it closes the consumer and the process exits with a failure (a
   * `halt`), for its supervisor to start again, as a service's process under Kubernetes or systemd
   * is. Kafka's coordinator fences a member whose id a failed-over coordinator never committed
   * (a JoinGroup outside Stable is answered before anything is written; only the Stable
   * replacement of KAFKA-10284 waits for its append): the new process, with no member id, takes
   * the instance id back (`replaceStaticMember`).
   */
  readonly onFencedInstanceId?: 'close' | 'exit';
}
