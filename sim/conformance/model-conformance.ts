import type { InvariantDefinition } from '../invariants/invariant.ts';

/**
 * Every lifecycle transition the implementation reports must be one the XState model in
 * `model/` allows, ending in the state the implementation claims. The conformance monitor
 * (`sim/conformance/conformance-monitor.ts`) replays each one; this is the invariant it feeds.
 * It is the trace-validation idea of etcd raft's TLA+ checks, with XState as the model.
 */
export const modelConformance: InvariantDefinition<unknown> = {
  name: 'ModelConformance',
  kind: 'always',
  source: 'DEVELOPERS.md (architecture); etcd raft trace validation',
  statement: 'Every lifecycle transition the implementation reports is allowed by its model machine and lands in the state the implementation reports.',
  checker: { type: 'observed' },
};
