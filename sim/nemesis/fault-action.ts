import type { NodeId } from '../../impl/env/node-environment.ts';
import type { FaultKind } from './fault-kind.ts';

/**
 * What the fault scheduler does at one instant. `inject` draws a fault of one kind (its target,
 * shape and duration) from the `faults` random stream, applies it, and schedules both its repair
 * and the next fault of that kind. `scripted` does the same for entry `index` of a given schedule
 * (`--schedule`), drawing nothing. The other actions repair one fault, joined by `faultId`.
 */
export type FaultAction =
  | { readonly type: 'inject'; readonly kind: FaultKind }
  | { readonly type: 'scripted'; readonly index: number }
  | RepairAction;

export type RepairAction =
  | { readonly type: 'restart'; readonly node: NodeId; readonly faultId: number; readonly waitForShutdown?: boolean }
  | { readonly type: 'partition-end'; readonly faultId: number }
  | { readonly type: 'link-lag-end'; readonly faultId: number }
  | { readonly type: 'disk-fault-end'; readonly node: NodeId; readonly faultId: number }
  | { readonly type: 'resume'; readonly node: NodeId; readonly faultId: number };
