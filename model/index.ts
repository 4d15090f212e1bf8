import type { AnyStateMachine } from 'xstate';
import { brokerMachine } from './broker.machine.ts';
import { nodeProcessMachine } from './node-process.machine.ts';
import { partitionReplicaMachine } from './partition-replica.machine.ts';
import { consumerGroupMachine } from './consumer-group.machine.ts';
import { coordinatorShardMachine } from './coordinator-shard.machine.ts';
import { groupMemberMachine } from './group-member.machine.ts';
import { controllerQuorumMachine } from './controller-quorum.machine.ts';

export { nodeProcessMachine } from './node-process.machine.ts';
export { brokerMachine } from './broker.machine.ts';
export { partitionReplicaMachine } from './partition-replica.machine.ts';
export type { NodeProcessEvent, NodeProcessEventType, NodeProcessState } from './node-process.machine.ts';

// The consumer-group lifecycles (issue 13): the group and the coordinator shard are reported by
// the brokers' group coordinator, the member by the group consumers.
export { consumerGroupMachine } from './consumer-group.machine.ts';
export { groupMemberMachine } from './group-member.machine.ts';
export { coordinatorShardMachine } from './coordinator-shard.machine.ts';
export type { ClassicGroupState, ConsumerGroupEvent, ConsumerGroupState } from './consumer-group.machine.ts';
export type { GroupMemberEvent, GroupMemberState, MemberState } from './group-member.machine.ts';
export type { CoordinatorShardEvent, CoordinatorState } from './coordinator-shard.machine.ts';

// The controller quorum's lifecycle (issue 15): each controller's `KafkaRaftClient` reports it.
export { controllerQuorumMachine } from './controller-quorum.machine.ts';
export type { ControllerQuorumEvent, ControllerQuorumEventType, ControllerQuorumState, QuorumStateName } from './controller-quorum.machine.ts';

/** Machines by the name a `transition` effect's `machine` field uses. */
export type ModelRegistry = Readonly<Record<string, AnyStateMachine>>;

/**
 * Every lifecycle machine the conformance monitor checks reported transitions against. The key
 * is the `machine` field of a `transition` effect and equals the machine's `id`.
 */
export const MODEL_MACHINES = {
  'node-process': nodeProcessMachine,
  broker: brokerMachine,
  'partition-replica': partitionReplicaMachine,
  'consumer-group': consumerGroupMachine,
  'coordinator-shard': coordinatorShardMachine,
  'group-member': groupMemberMachine,
  'controller-quorum': controllerQuorumMachine,
} as const satisfies ModelRegistry;

export type ModelMachineName = keyof typeof MODEL_MACHINES;

/**
 * The machines whose instance is an object inside one process, built anew when the process
 * starts again, so that the monitor judges the first report of a new incarnation from the
 * machine's initial state. `group-member` is one consumer's `ConsumerCoordinator`: a consumer
 * process that crashes and starts again constructs a new `KafkaConsumer`, whose
 * `AbstractCoordinator` starts with `state = MemberState.UNJOINED`, `generation =
 * Generation.NO_GENERATION` and no assigned partitions (its field initialisers), whatever state the
 * dead process's coordinator was in (seed 42 with `--duration 600s`: a static member fenced by its
 * replacement closed in UNJOINED.losing, was killed, and its new process sent JoinGroup at once).
 * `controller-quorum` is one controller's `QuorumState`, likewise built anew by each process
 * (`Starting`, then the state its `initialize` loads from the quorum-state file and log).
 * The other machines outlive a process: a broker's restart is an edge of its own machine
 * (`LOGS_LOADED` from any state, `node-process`'s `start`), which a fresh instance would hide.
 */
export const PROCESS_SCOPED_MACHINES: readonly ModelMachineName[] = ['group-member', 'controller-quorum'];
