import { GROUP_METADATA_TOPIC_NAME } from '../../impl/group/coordinator-partition.ts';
import { noZombieCommit } from '../../properties/invariants/groups/no-zombie-commit.ts';
import { oneMemberPerInstanceId } from '../../properties/invariants/groups/one-member-per-instance-id.ts';
import { groupRecordsMayBeLost, singleConsumerPerPartition } from '../../properties/invariants/groups/single-consumer-per-partition.ts';
import { currentCoordinatorGroups } from '../../properties/invariants/groups/current-coordinators.ts';
import { groupSometimes } from '../../properties/invariants/groups/group-sometimes.ts';
import { groupLostWrite } from '../../properties/invariants/groups/group-lost-write.ts';
import { groupPollSkip } from '../../properties/invariants/groups/group-poll-skip.ts';
import { groupNonmonotonicCommit } from '../../properties/invariants/groups/group-nonmonotonic-commit.ts';
import { assert } from '../../impl/common/assert.ts';
import { ConfigView } from '../../impl/config/config-view.ts';
import { BROKER_LOG_DIR, KafkaBroker } from '../../impl/broker/kafka-broker.ts';
import { KafkaAdmin } from '../../impl/client/kafka-admin.ts';
import { KafkaConsumer } from '../../impl/client/kafka-consumer.ts';
import { KafkaProducer } from '../../impl/client/kafka-producer.ts';
import { ScenarioClient } from '../../impl/client/scenario-client.ts';
import { QuorumController } from '../../impl/controller/quorum-controller.ts';
import { flipEscapesBatchCrc } from '../../impl/log/record-batch.ts';
import { protocolRules } from '../../impl/variants/protocol-rules.ts';
import { variantByName, type VariantName } from '../../impl/variants/variant-registry.ts';
import { mutantByName, type MutantName } from '../mutants/mutant-catalogue.ts';
import type { NodeId } from '../../impl/env/node-environment.ts';
import { brokerIdOf, brokerNodeId, controllerNodeId, type KafkaMessage } from '../../impl/protocol/messages.ts';
import { acknowledgedIsCommitted, kafkaHistoryInvariants } from '../../properties/invariants/history/kafka-history.ts';
import { readUncommitted } from '../../properties/invariants/history/read-uncommitted.ts';
import { replicationStateInvariants } from '../../properties/invariants/replication/replication-invariants.ts';
import { noDisruptiveElection } from '../../properties/invariants/quorum/no-disruptive-election.ts';
import { raftQuorumClaims } from '../../properties/invariants/quorum/raft-quorum-claims.ts';
import { quorumSometimes } from '../../properties/invariants/quorum/quorum-sometimes.ts';
import { quorumDurability } from '../../properties/invariants/quorum/quorum-durability.ts';
import { quorumConsistentCommittedData } from '../../properties/invariants/quorum/consistent-committed-data.ts';
import { quorumLeaderCompleteness } from '../../properties/invariants/quorum/leader-completeness.ts';
import { singleActiveController } from '../../properties/invariants/quorum/single-active-controller.ts';
import { replicationSometimes } from '../../properties/invariants/replication/replication-sometimes.ts';
import { uncleanShutdownDetected } from '../../properties/invariants/replication/unclean-shutdown-detected.ts';
import { leaderIsUnfenced } from '../../properties/invariants/replication/leader-is-unfenced.ts';
import { producerStateMatchesLog } from '../../properties/invariants/replication/producer-state-matches-log.ts';
import { epochCacheMatchesLog } from '../../properties/invariants/replication/epoch-cache-matches-log.ts';
import { highWatermarkWithinLog } from '../../properties/invariants/replication/high-watermark-within-log.ts';
import { laggingFollowerLeavesIsr } from '../../properties/invariants/replication/lagging-follower-leaves-isr.ts';
import type { FindingSubject, InvariantDefinition } from '../invariants/invariant.ts';
import type { DataFault, PendingConvergence, SystemDefinition } from '../run/system.ts';
import { FINAL_READER, type KafkaClusterView } from './kafka-view.ts';
import type { GroupMemberPlan } from './group-workload.ts';
import { describeTopics } from './describe.ts';
import { describeGroups } from './describe-groups.ts';
import { kafkaView, KafkaViewMemory } from './cluster-view-builder.ts';
import { NodeStateKeys } from './node-state-keys.ts';
import { ReplicaLogs } from './replica-logs.ts';
import { describeTopicConfigs } from './topic-configs.ts';
import { StateTimeline } from './state-timeline.ts';
import { explainKafkaViolation } from './kafka-explanation.ts';
import { summarizeKafkaMessage } from './message-summary.ts';
import { kafkaTimeline } from './kafka-timeline.ts';
import { compactionRemovedRecord, retentionDeletedSegment } from '../../properties/invariants/log/log-sometimes.ts';
import { randomDirectoryId } from '../../impl/raft/meta-properties.ts';
import { VoterSet } from '../../impl/raft/voter-set.ts';
import { AleaRandomStream } from '../random/random-stream.ts';

export type KafkaNode = QuorumController | KafkaBroker | KafkaProducer | KafkaConsumer | KafkaAdmin | ScenarioClient;

export interface KafkaSystemOptions {
  /**
   * The run's seed: the deployment draws the initial controllers' directory ids (what an operator
   * gets from `kafka-storage random-uuid` for `--initial-controllers`) from its stream
   * `controller-directory-ids`. 0 when absent (scenarios, tests).
   */
  readonly seed?: number;
  readonly brokers: number;
  /** The KRaft controller quorum's size (`--controllers`): 1, 3 or 5 voters. 3 when absent, as in production KRaft clusters. */
  readonly controllers?: number;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly producers: number;
  readonly consumers: number;
  /** The end of the safety phase: producers stop sending then. */
  readonly stopAtMs: number;
  /** The run's Kafka config overrides (variants' and `--config`'s). */
  readonly config: Readonly<Record<string, string>>;
  readonly variants: readonly VariantName[];
  /**
   * The workload topic's own configs (`CreateTopics` configs, as `kafka-topics.sh --create
   * --config` gives them), drawn per seed by `drawTopicConfigs`; they override the brokers'
   * defaults for that topic only. None when absent.
   */
  readonly topicConfigs?: Readonly<Record<string, string>>;
  /** Test-only planted bugs (`sim/mutants/`); the command line never sets them. */
  readonly mutants?: readonly MutantName[];
  /** Scenario mode: no workload, no topic; a scenario client (`script`) the script drives. */
  readonly scenario?: boolean;
  /**
   * Consumer groups reading the workload topic: each adds `members` consumers
   * `group-<groupId>-<i>` that subscribe through the group (clients, like `consumer-<i>`), each
   * with the group's own consumer config overrides, and each with its plan (`GroupMemberPlan`:
   * when it starts and closes, its `group.instance.id`). None when absent.
   */
  readonly groups?: readonly { readonly groupId: string; readonly members: number; readonly config?: Readonly<Record<string, string>>; readonly memberPlans?: readonly GroupMemberPlan[] }[];
  /**
   * Scenario mode's group consumers (`group-consumer` in a script): clients named by the script,
   * declared up front and started only when the script reaches them (`startedOnDemand`).
   */
  readonly scenarioGroupConsumers?: readonly ScenarioGroupConsumer[];
}

/**
 * A consumer of a scenario script that subscribes through a group, as
 * `kafka-console-consumer.sh --group G --topic T [--from-beginning] [--consumer-property K=V]`.
 */
export interface ScenarioGroupConsumer {
  /** Its node id and client id (`client.id`, which Kafka's member ids start with). */
  readonly name: string;
  readonly groupId: string;
  readonly topic: string;
  /** `--from-beginning`: earliest where the group has no committed offset; else the config's. */
  readonly fromBeginning: boolean;
  readonly config: Readonly<Record<string, string>>;
}

/**
 * A simulation default: a run with groups gets 3 partitions of `__consumer_offsets` (Kafka's
 * default is 50) unless its config sets `offsets.topic.num.partitions`, so that the topic's
 * creation and its coordinators' loading stay a small part of a short run.
 */
const SIMULATION_OFFSETS_TOPIC_PARTITIONS = '3';

/**
 * A simulation default: controllers join the quorum back by themselves after a disk replacement
 * (`controller.quorum.auto.join.enable`, KAFKA-19078; Kafka's default is false, where an operator
 * runs `kafka-metadata-quorum remove-controller` and `add-controller`), unless the config says
 * otherwise. Without it a controller whose disk the swarm replaced would stay an observer.
 */
const CONTROLLER_AUTO_JOIN = 'controller.quorum.auto.join.enable';

/** The stream the initial controllers' directory ids are drawn from. */
export const CONTROLLER_DIRECTORY_IDS_STREAM = 'controller-directory-ids';

export const KAFKA_TOPIC = 't';

/** The controller quorum sizes a run may have (KRaft runs 3 or 5 in production, 1 in tests). */
export const CONTROLLER_QUORUM_SIZES = [1, 3, 5] as const;

/**
 * The default system of `npm run sim`: `--controllers` KRaft controllers (three by default),
 * `--brokers` brokers, an admin that creates the topic (`--partitions`, `--replication-factor`),
 * idempotent producers writing unique values with acks=all, consumers reading everything and the
 * consumer groups' workload, all judged by the replication, quorum and group invariants and the
 * Jepsen-style history checkers.
 */
export function kafkaSystem(options: KafkaSystemOptions): SystemDefinition<KafkaMessage, KafkaNode, KafkaClusterView> {
  assert(options.brokers >= 1, 'a Kafka cluster needs a broker');
  assert(options.replicationFactor >= 1 && options.replicationFactor <= options.brokers, 'the replication factor fits the brokers');
  const groups = options.groups ?? [];
  const withGroupConsumers = groups.length > 0 || (options.scenario === true && (options.scenarioGroupConsumers ?? []).length > 0);
  const runConfig = {
    ...(Object.hasOwn(options.config, CONTROLLER_AUTO_JOIN) ? {} : { [CONTROLLER_AUTO_JOIN]: 'true' }),
    ...options.config,
    ...(withGroupConsumers && !Object.hasOwn(options.config, 'offsets.topic.num.partitions') ? { 'offsets.topic.num.partitions': SIMULATION_OFFSETS_TOPIC_PARTITIONS } : {}),
  };
  const config = new ConfigView(runConfig);
  // The protocol rules, derived once for the whole run: every node follows the same ones.
  const rules = protocolRules([...options.variants.map(variantByName), ...(options.mutants ?? []).map(mutantByName)]);
  const brokerIds = Array.from({ length: options.brokers }, (_, index) => index);
  const brokers = brokerIds.map((id) => brokerNodeId(id));
  const controllerCount = options.controllers ?? 3;
  assert((CONTROLLER_QUORUM_SIZES as readonly number[]).includes(controllerCount), `a controller quorum of ${controllerCount} voters`);
  const controllerIds = Array.from({ length: controllerCount }, (_, index) => index);
  const controllers = controllerIds.map((id) => controllerNodeId(id));
  // KIP-853's bootstrap: every controller's directory is first formatted with
  // `--initial-controllers`, naming each controller with the directory id drawn for it here; a
  // directory formatted later (a replaced disk) gets none, and a new directory id.
  const directoryIds = new AleaRandomStream(options.seed ?? 0, CONTROLLER_DIRECTORY_IDS_STREAM);
  const initialControllers = new VoterSet(controllerIds.map((id) => ({ id, directoryId: randomDirectoryId(directoryIds) })));
  const started = new Set<NodeId>();
  // The trace's `state` lines of the registrations go under the first controller's name.
  const controller = controllers[0] as NodeId;
  const controllerWord = controllerCount === 1 ? '1 controller' : `${controllerCount} controllers`;
  const scenario = options.scenario === true;
  const topicConfigs = options.topicConfigs ?? {};
  const compacted = (topicConfigs['cleanup.policy'] ?? config.string('cleanup.policy')).includes('compact');
  const producers = scenario ? [] : Array.from({ length: options.producers }, (_, index) => `producer-${index}`);
  const consumers = scenario ? [] : [...Array.from({ length: options.consumers }, (_, index) => `consumer-${index}`), FINAL_READER];
  const groupMembers = new Map<NodeId, { readonly groupId: string; readonly topic: string; readonly fromBeginning?: boolean; readonly config: Readonly<Record<string, string>>; readonly startAtMs?: number; readonly closeAtMs?: number }>();
  for (const group of scenario ? [] : groups) {
    assert(group.memberPlans === undefined || group.memberPlans.length === group.members, `group ${group.groupId}: one plan per member`);
    for (let index = 0; index < group.members; index++) groupMembers.set(`group-${group.groupId}-${index}`, { topic: KAFKA_TOPIC, ...groupMember(group.groupId, group.config ?? {}, group.memberPlans?.[index] ?? {}, options.stopAtMs) });
  }
  const scenarioGroupConsumers = scenario ? (options.scenarioGroupConsumers ?? []) : [];
  for (const consumer of scenarioGroupConsumers) {
    assert(!groupMembers.has(consumer.name) && consumer.name !== 'script', `scenario consumer ${consumer.name} is declared twice`);
    groupMembers.set(consumer.name, { groupId: consumer.groupId, topic: consumer.topic, fromBeginning: consumer.fromBeginning, config: consumer.config });
  }
  // One per run: the checkers' record of every replica's log and of every record's copies.
  // `__consumer_offsets` is compacted whatever the workload topic is, and holds binary records.
  const internal = (partition: string): boolean => partition.startsWith(`${GROUP_METADATA_TOPIC_NAME}-`);
  const logs = new ReplicaLogs((partition) => compacted || internal(partition), internal);
  const memory = new KafkaViewMemory();
  const stateKeys = new NodeStateKeys();
  // What happened to each partition, for explanations and the trace's state lines.
  const timeline = new StateTimeline(controller);
  // With acks=all an acknowledged write was committed; with acks=1 or 0 it may be truncated before
  // it was, so only a read proves what an offset holds (the skip claims).
  const acknowledged = acknowledgedIsCommitted(config.string('acks'));
  // `__consumer_offsets` takes min.insync.replicas from the broker default.
  const groupRecordsLost = groupRecordsMayBeLost({ unclean: config.boolean('unclean.leader.election.enable'), minInsyncReplicas: config.number('min.insync.replicas') });
  const invariants: InvariantDefinition<KafkaClusterView>[] = [
    ...replicationStateInvariants(config.number('min.insync.replicas')),
    uncleanShutdownDetected(),
    leaderIsUnfenced(),
    producerStateMatchesLog(),
    epochCacheMatchesLog(),
    laggingFollowerLeavesIsr(config.number('replica.lag.time.max.ms')),
    highWatermarkWithinLog(),
    quorumLeaderCompleteness(),
    quorumConsistentCommittedData(),
    quorumDurability(),
    ...withGroups(groupMembers.size > 0, [singleConsumerPerPartition(groupRecordsLost), noZombieCommit(config.number('offsets.commit.timeout.ms')), oneMemberPerInstanceId(), groupLostWrite, groupPollSkip(acknowledged), groupNonmonotonicCommit(), ...groupSometimes()]),
    ...kafkaHistoryInvariants(acknowledged),
    readUncommitted,
    ...replicationSometimes(),
    ...raftQuorumClaims(),
    singleActiveController(),
    noDisruptiveElection(),
    ...quorumSometimes(),
    ...(scenario ? [] : [retentionDeletedSegment as InvariantDefinition<KafkaClusterView>, compactionRemovedRecord as InvariantDefinition<KafkaClusterView>]),
  ];
  return {
    name: scenario
      ? `kafka (${options.brokers} brokers, ${controllerWord}, topic ${KAFKA_TOPIC} with ${options.partitions} partitions, replication factor ${options.replicationFactor})`
      : `kafka (${options.brokers} brokers, ${controllerWord}, topic ${KAFKA_TOPIC} with ${options.partitions} partitions, replication factor ${options.replicationFactor}, topic configs ${describeTopicConfigs(topicConfigs)})`,
    // Controllers take the server faults too (crash, power loss, partitions, lag, SIGTERM): the
    // quorum's failover is what they exercise; and disk replacements, which KIP-853 makes safe (a
    // controller on a new disk is an observer until the voters name its new directory). Not yet
    // bit flips and full disks: a controller halts on a corrupt metadata log or quorum-state file
    // and on a failed write, and its recovery from them (Kafka's CorruptRecordException handling,
    // an unformatted directory that cannot be written) is not built.
    servers: [...brokers, ...controllers],
    diskFaultServers: { 'disk-loss': [...brokers, ...controllers], bitflip: brokers, 'disk-full': brokers },
    clients: scenario ? ['script', ...groupMembers.keys()] : ['admin', ...producers, ...consumers, ...groupMembers.keys()],
    // A script's consumers join when the script reaches them, as an operator starts one.
    startedOnDemand: scenario ? [...groupMembers.keys()] : [],
    // The group members are judged per member and per moment (a zombie is one the coordinator has
    // removed), so the client fault kinds may kill, pause and stall them; the producers and the
    // plain consumers, whose histories the no-loss and order claims read, are never faulted.
    faultableClients: [...groupMembers.keys()],
    // Brokers fetch metadata from the active controller, which any of them may be.
    metadataSources: controllers,
    // The state checks read the brokers, the controller and their disks, and the group members'
    // own view of what they own (SingleConsumerPerPartition); other clients only through the
    // history and the convergence check, which run on their own schedule.
    stateNodes: [...controllers, ...brokers, ...groupMembers.keys()],
    // The setup is done once the admin client has created the topic and the controller has
    // elected every partition's leader (`readyForFaults`): the admin is the one client it reads.
    ...(scenario ? {} : { setupNodes: ['admin'] }),
    config: runConfig,
    variants: options.variants,
    invariants,
    createNode(id: NodeId, environment) {
      const controllerIndex = controllers.indexOf(id);
      if (controllerIndex >= 0) {
        // The deployment formats a directory with the initial controllers at its first start only.
        const first = !started.has(id);
        started.add(id);
        return new QuorumController(environment, { controllerId: controllerIds[controllerIndex] as number, config, rules, voters: controllerIds, ...(first ? { initialControllers } : {}) });
      }
      const brokerIndex = brokers.indexOf(id);
      if (brokerIndex >= 0) return new KafkaBroker(environment, { brokerId: brokerIds[brokerIndex] as number, controllerQuorumVoters: controllerIds, config, rules });
      if (id === 'script') return new ScenarioClient(environment, brokerIds, controllerIds);
      if (id === 'admin') {
        return new KafkaAdmin(environment, controllerIds, [{ name: KAFKA_TOPIC, numPartitions: options.partitions, replicationFactor: options.replicationFactor, configs: { ...topicConfigs } }]);
      }
      if (producers.includes(id)) {
        return new KafkaProducer(environment, {
          name: id,
          brokers: brokerIds,
          config,
          workload: { topic: KAFKA_TOPIC, keys: 16, minIntervalMs: 5, maxIntervalMs: 25, stopAtMs: options.stopAtMs, maxSends: 50_000 },
          rules,
        });
      }
      const member = groupMembers.get(id);
      if (member !== undefined) {
        // Group members read everything too where the group has no committed offset yet, unless
        // the group's or the run's config says latest.
        // A script's consumer follows its config (Kafka's default: latest) unless it reads from
        // the beginning, as kafka-console-consumer.sh does.
        const memberReset = member.config['auto.offset.reset'] ?? options.config['auto.offset.reset'];
        const autoOffsetReset = member.fromBeginning === true ? 'earliest' : scenario ? undefined : memberReset === 'latest' ? 'latest' : 'earliest';
        const schedule = { ...(member.startAtMs === undefined ? {} : { startAtMs: member.startAtMs }), ...(member.closeAtMs === undefined ? {} : { closeAtMs: member.closeAtMs }) };
        // The workload's members are services: a process that dies of FencedInstanceIdException
        // exits, and its supervisor starts it again (the simulation's, 5 s later); a script's
        // consumer is run by hand, and the script decides.
        const onFencedInstanceId = scenario ? 'close' : 'exit';
        return new KafkaConsumer(environment, {
          name: id, brokers: brokerIds, config, topic: member.topic, rules, groupId: member.groupId, configOverrides: member.config, ...(autoOffsetReset === undefined ? {} : { autoOffsetReset }), ...schedule, onFencedInstanceId,
        });
      }
      assert(consumers.includes(id), `unknown node ${id}`);
      // The workload's consumers read everything (Kafka's default, latest, would skip what was
      // written before they found their partitions), unless the run's config says otherwise.
      const reset = options.config['auto.offset.reset'] === 'latest' && id !== FINAL_READER ? 'latest' : 'earliest';
      return new KafkaConsumer(environment, { name: id, brokers: brokerIds, config, topic: KAFKA_TOPIC, autoOffsetReset: reset, rules, ...(id === FINAL_READER ? { startAtMs: options.stopAtMs } : {}) });
    },
    view: (cluster) => {
      const view = kafkaView(cluster, logs, memory);
      timeline.observe(view, cluster.note);
      return view;
    },
    explain: (violation, view, context) => explainKafkaViolation(violation, view, context, { timeline, claims: invariants, acks: config.string('acks') }),
    timeline: (view) => kafkaTimeline(timeline, view.nowMs),
    summarizeMessage: summarizeKafkaMessage,
    // A broker is compared with the last view built of it, by the builder's own comparisons; a
    // controller and a group member by the fields the checks read of them (`NodeStateKeys`).
    stateChangedBy: (id, node) => (node instanceof KafkaBroker ? memory.brokerMayHaveChanged(id, node, logs) : stateKeys.changed(id, node)),
    stateVersion: (view) => view.stateVersion,
    // A run with groups also describes them, after the topics (`kafka-consumer-groups.sh --describe`).
    summary: (view) => [...describeTopics(view), ...((options.groups ?? []).length === 0 ? [] : describeGroups(view, (options.groups ?? []).map((group) => group.groupId)))],
    pendingConvergence: (view) => pendingConvergence(view, options),
    flipEscapesChecksums: (path, _position, bytes, index) => kafkaFlipEscapesChecksums(path, bytes, index, compacted || path.includes(`/${GROUP_METADATA_TOPIC_NAME}-`)),
    faultBudget: (view, fault) => kafkaFaultBudget(view, fault, config.number('min.insync.replicas')) ?? controllerFaultBudget(view, fault, initialControllers),
    readyForFaults: (view) => view.clients.adminDone && view.controller !== undefined && view.controller.partitions.length > 0 && view.controller.partitions.every((partition) => partition.leader >= 0),
  };
}

/**
 * Kafka's promise under faults that destroy data or stop brokers uncleanly (the default swarm's
 * fault budget, after TigerBeetle's `ClusterFaultAtlas`). An acknowledged write sits on at least
 * min.insync.replicas replicas, and KIP-966 keeps it electable through the ELR, which a broker
 * leaves on an unclean shutdown; when ISR and ELR are both empty Kafka 4 elects the last known
 * leader uncleanly (`PartitionChangeBuilder.canElectLastKnownLeader`), which loses what that
 * broker lost. So the promise covers fewer than min.insync.replicas brokers *impaired* at once:
 * a broker is impaired from a crash, a power loss, a replaced disk, a bit flip or a full disk
 * (each ends in an unclean shutdown or lost data) until it is running, unfenced and back in the
 * ISR of every partition it replicates. A broker under an open bit-flip or full-disk window is
 * impaired for the whole window, whatever it shows yet: it may store a flipped bit or halt at any
 * moment of it. A broker that only lags (a partition, slow links) is not impaired: its log holds
 * what it had. A fault that would leave min.insync.replicas brokers impaired at once is held back.
 */
export function kafkaFaultBudget(view: KafkaClusterView, fault: DataFault, defaultMinInsyncReplicas: number): string | undefined {
  const overrides = (view.controller?.topics ?? []).map((topic) => topic.configs['min.insync.replicas']).filter((value): value is string => value !== undefined).map(Number);
  const minIsr = Math.min(defaultMinInsyncReplicas, ...overrides);
  const budget = Math.max(0, minIsr - 1);
  // Controllers fsync every metadata record and their election state before they count, so a
  // crash or a power loss of any number of them loses nothing; they take no disk faults.
  const impaired = new Set([...fault.nodes, ...fault.diskFaulted].map(brokerIdOf).filter((id) => id !== undefined));
  for (const broker of view.brokers) {
    if (impaired.has(broker.brokerId) || whole(view, broker)) continue;
    // Down, restarted and not yet back in every ISR, or with data taken off its disk.
    if (broker.status !== 'running' || broker.incarnation > 1 || broker.damage.some((event) => event.onRead !== true)) impaired.add(broker.brokerId);
  }
  // A log holding a batch that fails its checksum is a copy its broker will cut at its next
  // recovery, however whole the broker looks now.
  for (const broker of view.brokers) {
    if (broker.replicas.some((replica) => replica.digest.at(-1)?.intact === false)) impaired.add(broker.brokerId);
  }
  if (impaired.size <= budget) return undefined;
  const ids = [...impaired].sort((a, b) => a - b).join(',');
  return `brokers ${ids} would be impaired at once, more than min.insync.replicas=${minIsr} - 1`;
}

/**
 * The controller quorum's part of the fault budget (KIP-853). A replaced disk takes a voter's copy
 * of the metadata log; the rule keeps that copy from being counted or voting again, and the rest
 * of the voters hold what was committed as long as a majority of them keeps its logs. So a
 * controller is *impaired* from the loss of its disk until the committed voter set names the
 * directory it now runs on (it was removed under its old key and added back under its new one):
 * down with an unformatted disk, or running as an observer or as a voter not yet committed. At
 * most (voters - 1) / 2 controllers may be impaired at once, as a quorum of 3 survives one voter
 * down: a disk loss that would impair more is held back. Crashes and power losses of controllers
 * lose nothing (every append and the election state are fsynced before they count), so they take
 * no budget. The committed voter set is the one of the running controller with the greatest high
 * watermark; static voters (kraft.version 0, the `amnesiac-voter` mutant) name no directory, and
 * count with the initial controllers' directories, so that the budget is the same with or without
 * the mutant.
 */
export function controllerFaultBudget(view: KafkaClusterView, fault: DataFault, initialControllers: VoterSet): string | undefined {
  if (fault.kind !== 'disk-loss') return undefined;
  const quorum = view.quorum ?? [];
  const struck = quorum.filter((node) => fault.nodes.includes(node.node));
  if (struck.length === 0) return undefined;
  let reporter: (typeof quorum)[number] | undefined;
  for (const node of quorum) if (node.running && (reporter === undefined || (node.highWatermark ?? -1) > (reporter.highWatermark ?? -1))) reporter = node;
  if (reporter === undefined) return 'no controller runs to tell the committed voters';
  const voters = reporter.committedVoters.map((voter) => ({ id: voter.id, directoryId: voter.directoryId ?? initialControllers.voterKey(voter.id)?.directoryId }));
  const whole = (node: (typeof quorum)[number]): boolean => node.directoryId !== undefined && voters.some((voter) => voter.id === node.controllerId && voter.directoryId === node.directoryId);
  const impaired = new Set([...struck.map((node) => node.controllerId), ...quorum.filter((node) => !whole(node)).map((node) => node.controllerId)]);
  const budget = Math.floor((quorum.length - 1) / 2);
  if (impaired.size <= budget) return undefined;
  return `controllers ${[...impaired].sort((a, b) => a - b).join(',')} would have lost their metadata logs at once, more than (${quorum.length} voters - 1) / 2`;
}

/** Running, unfenced, and in the ISR of every partition it replicates, as the controller has it. */
function whole(view: KafkaClusterView, broker: KafkaClusterView['brokers'][number]): boolean {
  if (broker.status !== 'running' || broker.lifecycle !== 'running') return false;
  const registered = view.controller?.brokers.find((candidate) => candidate.brokerId === broker.brokerId);
  if (registered === undefined || registered.brokerEpoch !== broker.brokerEpoch) return false;
  return (view.controller?.partitions ?? []).every((partition) => !partition.replicas.includes(broker.brokerId) || partition.isr.includes(broker.brokerId));
}

/**
 * Which bit flips on a broker's disk nothing in Kafka's formats would catch. A segment's batches
 * are CRC-checked from their attributes on, leaving the base offset and the partition leader
 * epoch bare (every read and write of a `.log` file starts at a batch boundary, which the walk
 * relies on). Offset and time indexes are never trusted alone: refka checks every index answer
 * against the batch headers it points at, and, in a log that is never compacted, that the batch
 * found holds the offset asked for, so a flipped entry is caught there. A compacted topic's reads
 * skip that second check (`UnifiedLog.read`), so there an index flip counts as escaping.
 * Checkpoint files (recovery points, log start offsets, high watermarks, leader epochs) are plain
 * text with no checksum: a flipped digit is believed.
 */
export function kafkaFlipEscapesChecksums(path: string, bytes: Uint8Array, index: number, compacted = false): boolean {
  if (path.endsWith('.log')) return flipEscapesBatchCrc(bytes, index);
  if (path.endsWith('.index') || path.endsWith('.timeindex')) return compacted;
  return true;
}


/**
 * Convergence after the heal: every partition has a leader, every replica holds what the leader
 * holds, the leader's high watermark covers its log, producers have an outcome for every send,
 * and consumers have read up to the high watermark.
 */
export function pendingConvergence(view: KafkaClusterView, options: KafkaSystemOptions): PendingConvergence | undefined {
  if (!view.clients.adminDone) return pending('the topic is not created yet');
  const controller = view.controller;
  if (controller === undefined) return pending('the controller is down');
  const quorum = view.quorum ?? [];
  const controllersDown = quorum.filter((node) => !node.running);
  if (controllersDown.length > 0) return pending(`controllers not running: ${controllersDown.map((node) => node.node).join(', ')}`, { nodes: controllersDown.map((node) => node.node) });
  if (quorum.length > 0 && !quorum.some((node) => node.active)) {
    return pending(`no active controller: ${quorum.map((node) => `${node.node} ${node.state?.type ?? 'down'} in epoch ${node.state?.epoch ?? '?'}`).join(', ')}`, { nodes: quorum.map((node) => node.node) });
  }
  // KIP-853: a controller on a replaced disk votes again once the leader committed its new key,
  // which it asks for itself (controller.quorum.auto.join.enable, on unless the config says not).
  const observers = quorum.filter((node) => !node.isVoter);
  if (observers.length > 0 && (options.config[CONTROLLER_AUTO_JOIN] ?? 'true') === 'true') {
    return pending(`controllers not yet voters under the directory they run on: ${observers.map((node) => `${node.node} (${node.directoryId ?? 'unformatted'})`).join(', ')}`, { nodes: observers.map((node) => node.node) });
  }
  const committedMetadata = Math.max(0, ...quorum.map((node) => node.committedOffset));
  const controllersBehind = quorum.filter((node) => node.committedOffset < committedMetadata);
  if (controllersBehind.length > 0) {
    return pending(`controllers behind the committed metadata (offset ${committedMetadata}): ${controllersBehind.map((node) => `${node.node} at ${node.committedOffset}`).join(', ')}`, { nodes: controllersBehind.map((node) => node.node) });
  }
  const down = view.brokers.filter((broker) => broker.status !== 'running' || broker.lifecycle !== 'running');
  if (down.length > 0) return pending(`brokers not running and unfenced: ${down.map((broker) => broker.brokerId).join(', ')}`, { nodes: down.map((broker) => `broker-${broker.brokerId}`) });
  const workload = controller.partitions.filter((partition) => partition.topicName === KAFKA_TOPIC);
  if (workload.length !== options.partitions) return pending(`${workload.length} of ${options.partitions} partitions exist`);
  // Every partition converges, __consumer_offsets included; only the workload topic's are read.
  for (const partition of controller.partitions) {
    const name = `${partition.topicName}-${partition.partitionId}`;
    if (partition.leader < 0) return pending(`${name} has no leader`, { partition: name });
    const leader = view.brokers.find((broker) => broker.brokerId === partition.leader)?.replicas.find((replica) => replica.name === name);
    if (leader === undefined || leader.role !== 'leader') return pending(`${name}: broker ${partition.leader} does not act as leader yet`, { partition: name });
    if (leader.highWatermark !== leader.logEndOffset) return pending(`${name}: high watermark ${leader.highWatermark} below the leader's log end ${leader.logEndOffset}`, { partition: name });
    for (const replica of partition.replicas) {
      const copy = view.brokers.find((broker) => broker.brokerId === replica)?.replicas.find((candidate) => candidate.name === name);
      if (copy === undefined || copy.logEndOffset !== leader.logEndOffset) return pending(`${name}: replica ${replica} holds up to ${copy?.logEndOffset ?? 'nothing'}, the leader up to ${leader.logEndOffset}`, { partition: name });
      // A follower that has caught up rejoins the ISR (Partition.maybeExpandIsr): once every
      // replica is back in, StrongIsr judges each one's whole log against the leader's.
      if (!partition.isr.includes(replica)) return pending(`${name}: replica ${replica} has caught up but is not back in the ISR ${partition.isr.join(',')}`, { partition: name });
    }
    if (partition.topicName !== KAFKA_TOPIC) continue;
    for (const consumer of view.clients.consumers) {
      const position = consumer.positions.get(partition.partitionId);
      if (position === undefined || position < leader.highWatermark) return pending(`${consumer.name} has read ${name} up to ${position ?? 'nothing'} of ${leader.highWatermark}`, { partition: name });
    }
  }
  if (!view.clients.producersDone) return pending('producers still have sends without an outcome');
  return pendingGroupConvergence(view, options);
}

function pending(message: string, subject?: FindingSubject): PendingConvergence {
  return subject === undefined ? { message } : { message, subject };
}

/**
 * Liveness of the consumer groups after the heal (issue 13): each group Stable at its current
 * coordinator, every running member of it a member of that generation and stable there (a member
 * whose `close()` has finished is not running: `view.groups.members` leaves it out), every
 * workload partition owned by exactly one member, and each partition read by its owner up to the
 * high watermark (each group reads every record).
 */
function pendingGroupConvergence(view: KafkaClusterView, options: KafkaSystemOptions): PendingConvergence | undefined {
  const groups = options.groups ?? [];
  if (groups.length === 0) return undefined;
  const coordinators = currentCoordinatorGroups(view);
  const members = view.groups?.members ?? [];
  const positions = new Map((view.clients.groupConsumers ?? []).map((consumer) => [consumer.name, consumer.positions]));
  for (const { groupId } of groups) {
    const group = coordinators.get(groupId);
    if (group === undefined) return pending(`group ${groupId} has no active coordinator`, { group: groupId });
    if (group.state !== 'Stable') return pending(`group ${groupId} is ${group.state} at generation ${group.generationId}`, { group: groupId });
    const clients = members.filter((member) => member.groupId === groupId);
    const ids = new Set(group.members.map((member) => member.memberId));
    const owners = new Map<number, string>();
    for (const client of clients) {
      if (!ids.has(client.memberId) || client.generationId !== group.generationId || client.state !== 'STABLE.assigned') {
        return pending(`group ${groupId}: ${client.name} (${client.memberId || 'no member id'}, generation ${client.generationId}, ${client.state}) is not a stable member of generation ${group.generationId}`, { group: groupId });
      }
      for (const partition of client.owned) {
        if (partition.topic !== KAFKA_TOPIC) continue;
        const other = owners.get(partition.partition);
        if (other !== undefined) return pending(`group ${groupId}: ${other} and ${client.name} both own ${KAFKA_TOPIC}-${partition.partition}`, { group: groupId });
        owners.set(partition.partition, client.name);
      }
    }
    if (group.members.length !== clients.length) return pending(`group ${groupId}: the coordinator has ${group.members.length} member(s), ${clients.length} consumer(s) run`, { group: groupId });
    for (const partition of view.controller?.partitions ?? []) {
      if (partition.topicName !== KAFKA_TOPIC) continue;
      const name = `${KAFKA_TOPIC}-${partition.partitionId}`;
      const owner = owners.get(partition.partitionId);
      if (owner === undefined) return pending(`group ${groupId}: no member owns ${name}`, { group: groupId, partition: name });
      const leader = view.brokers.find((broker) => broker.brokerId === partition.leader)?.replicas.find((replica) => replica.name === name);
      const position = positions.get(owner)?.get(partition.partitionId);
      if (leader === undefined || position === undefined || position < leader.highWatermark) return pending(`group ${groupId}: ${owner} has read ${name} up to ${position ?? 'nothing'} of ${leader?.highWatermark ?? '?'}`, { group: groupId, partition: name });
    }
  }
  return undefined;
}

/**
 * One group member's node options from its group's config and its plan: the plan's fractions of
 * the safety phase become times, and a static member's `group.instance.id` joins its config.
 */
function groupMember(
  groupId: string, config: Readonly<Record<string, string>>, plan: GroupMemberPlan, stopAtMs: number,
): { readonly groupId: string; readonly config: Readonly<Record<string, string>>; readonly startAtMs?: number; readonly closeAtMs?: number } {
  const at = (fraction: number | undefined): number | undefined => {
    if (fraction === undefined) return undefined;
    assert(fraction >= 0 && fraction < 1, `group ${groupId}: a member plan's time ${fraction} is not within the safety phase`);
    return Math.round(fraction * stopAtMs);
  };
  const startAtMs = at(plan.startAt);
  const closeAtMs = at(plan.closeAt);
  assert(startAtMs === undefined || closeAtMs === undefined || startAtMs < closeAtMs, `group ${groupId}: a member closes before it starts`);
  return {
    groupId,
    config: plan.groupInstanceId === undefined ? config : { ...config, 'group.instance.id': plan.groupInstanceId },
    ...(startAtMs === undefined ? {} : { startAtMs }),
    ...(closeAtMs === undefined ? {} : { closeAtMs }),
  };
}

/** The group claims, which do not apply to a run without consumer groups (reported so, not passed). */
function withGroups(present: boolean, claims: readonly InvariantDefinition<KafkaClusterView>[]): InvariantDefinition<KafkaClusterView>[] {
  if (present) return [...claims];
  return claims.map((claim) => ({ ...claim, applicability: () => ({ applies: false, reason: 'no consumer group runs' }) }));
}
