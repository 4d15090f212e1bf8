import type { NodeId } from '../env/node-environment.ts';
import type { KafkaMessage } from '../protocol/messages.ts';
import type { Partition } from './partition.ts';

/**
 * What the parts of a broker (`ReplicaManager`, `ReplicaFetcher`, `BrokerLifecycleManager`) act
 * through: the effects of the input the node shell (`KafkaBroker`) is handling, its clock, and its
 * one sequence of correlation ids. Every part writes into the same list of effects, in the order
 * it acts, so that splitting the broker into parts changes nothing a run records.
 */
export interface BrokerIo {
  nowMs(): number;
  send(to: NodeId, message: KafkaMessage): void;
  setTimer(name: string, delayMs: number): void;
  cancelTimer(name: string): void;
  /** A coverage mark (`sometimes` invariants count them). */
  mark(name: string): void;
  /** A step along a lifecycle: `machine` names a model in `model/`, `instance` the thing that moved. */
  transition(machine: string, instance: string, event: string, to: string): void;
  /**
   * The next correlation id. One sequence serves the controller channel and the fetchers alike,
   * so that an answer is matched to its request whoever sent it.
   */
  nextCorrelationId(): number;
}

/** What a delayed operation (`DelayedProduce`, `DelayedFetch`) reads and does. */
export interface DelayedOperationContext {
  readonly io: BrokerIo;
  /** This broker's replica of a partition (`topic-partition`), if it has one. */
  getPartition(name: string): Partition | undefined;
}
