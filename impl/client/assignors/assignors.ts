import { CooperativeStickyAssignor } from './cooperative-sticky-assignor.ts';
import type { AssignorName, ConsumerPartitionAssignor } from './consumer-partition-assignor.ts';
import { RangeAssignor } from './range-assignor.ts';
import { RoundRobinAssignor } from './round-robin-assignor.ts';
import { StickyAssignor } from './sticky-assignor.ts';

/** Kafka's four built-in client assignors, by `name()`. */
export const ASSIGNORS: Readonly<Record<AssignorName, ConsumerPartitionAssignor>> = {
  range: RangeAssignor,
  roundrobin: RoundRobinAssignor,
  sticky: StickyAssignor,
  'cooperative-sticky': CooperativeStickyAssignor,
};

/**
 * `partition.assignment.strategy`'s default (ConsumerConfig, since Kafka 3.0): "[RangeAssignor,
 * CooperativeStickyAssignor], which will use the RangeAssignor by default, but allows upgrading to
 * the CooperativeStickyAssignor with just a single rolling bounce that removes the RangeAssignor
 * from the list". Members list their assignors in JoinGroup in preference order, and the
 * coordinator selects one that every member supports (`ClassicGroup.selectProtocol`, by vote).
 */
export const DEFAULT_PARTITION_ASSIGNMENT_STRATEGY: readonly AssignorName[] = ['range', 'cooperative-sticky'];

export function isAssignorName(name: string): name is AssignorName {
  return Object.hasOwn(ASSIGNORS, name);
}
