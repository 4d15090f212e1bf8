import type { AnyStateMachine } from 'xstate';
import { brokerMachine } from './broker.machine.ts';
import { nodeProcessMachine } from './node-process.machine.ts';
import { partitionReplicaMachine } from './partition-replica.machine.ts';

export { nodeProcessMachine } from './node-process.machine.ts';
export { brokerMachine } from './broker.machine.ts';
export { partitionReplicaMachine } from './partition-replica.machine.ts';
export type { NodeProcessEvent, NodeProcessEventType, NodeProcessState } from './node-process.machine.ts';

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
} as const satisfies ModelRegistry;

export type ModelMachineName = keyof typeof MODEL_MACHINES;
