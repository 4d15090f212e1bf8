import { assert, assertNever, fail } from '../common/assert.ts';
import type { NodeEffect, NodeId } from '../env/node-environment.ts';
import type { ControllerQuorumEventType } from '../../model/controller-quorum.machine.ts';
import type { QuorumState } from './quorum-state.ts';
import type { RaftMessage } from './raft-messages.ts';

/** A bound on state changes held between two reports: the client reports after every input. */
const MAX_UNREPORTED = 32;

/**
 * The quorum's state changes as `transition` effects of the controller quorum's model
 * (`model/controller-quorum.machine.ts`), each with its cause: the client names why it moved
 * (`ELECTION_TIMEOUT`, `PREVOTE_WON`, `HIGHER_EPOCH`, ...), `QuorumState` only what it moved to.
 * A process starts at the model's `Starting`, so the conformance monitor keeps one instance per
 * process (`PROCESS_SCOPED_MACHINES` once the quorum runs in the cluster).
 */
export class QuorumTransitionReporter {
  private readonly unreported: { readonly to: string; readonly cause: ControllerQuorumEventType }[] = [];

  /** Takes the one state change just made from the quorum state, with its cause. */
  collect(quorum: QuorumState, cause: ControllerQuorumEventType): void {
    const made = quorum.drainTransitions();
    const change = made[0];
    assert(made.length === 1 && change !== undefined, `one state change per transition, not ${made.length}`);
    assert(this.unreported.length < MAX_UNREPORTED, 'state changes were not reported');
    this.unreported.push({ to: `${quorum.isVoter ? 'voter' : 'observer'}.${change.to}`, cause });
  }

  /** The changes since the last report, oldest first. */
  emit(effects: NodeEffect<RaftMessage>[], nodeId: NodeId): void {
    for (const transition of this.unreported.splice(0, this.unreported.length)) {
      effects.push({ type: 'transition', machine: 'controller-quorum', instance: nodeId, event: { type: transition.cause }, to: transition.to });
    }
  }
}

/** `QuorumState.initialize`'s choice, as the model's event for a process that starts. */
export function loadedCause(quorum: QuorumState): ControllerQuorumEventType {
  const state = quorum.state.type;
  if (!quorum.isVoter) {
    assert(state === 'Unattached' || state === 'Follower', `an observer starts ${state}`);
    return state === 'Unattached' ? 'OBSERVER_LOADED_UNATTACHED' : 'OBSERVER_LOADED_FOLLOWER';
  }
  switch (state) {
    case 'Unattached':
      return 'LOADED_UNATTACHED';
    case 'Candidate':
      return 'LOADED_CANDIDATE';
    case 'Follower':
      return 'LOADED_FOLLOWER';
    case 'Resigned':
      return 'LOADED_RESIGNED';
    case 'Prospective':
    case 'Leader':
      return fail(`a voter never starts ${state}`);
    default:
      return assertNever(state, 'epoch state');
  }
}
