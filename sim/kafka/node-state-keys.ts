import { KafkaConsumer } from '../../impl/client/kafka-consumer.ts';
import { QuorumController } from '../../impl/controller/quorum-controller.ts';
import type { NodeId } from '../../impl/env/node-environment.ts';
import type { TopicPartitionRef } from '../../impl/protocol/messages.ts';
import type { KafkaNode } from './kafka-system.ts';
import { samePartitions } from './view-versions.ts';

/** What the state checks read of the controller, as of its last input (updated in place). */
interface ControllerKey {
  state: object;
  nextOffset: number;
  shutdowns: object;
  /** The quorum claims' part (`quorum-view.ts`): its Raft state, high watermark, log end, activity. */
  epochState: object;
  highWatermark: number | undefined;
  logEndOffset: number;
  active: boolean;
}

/** What the state checks read of a group member, as of its last input. */
interface MemberKey {
  readonly closed: boolean;
  readonly groupId: string | undefined;
  readonly memberId: string;
  readonly generationId: number;
  readonly state: string;
  readonly owned: readonly TopicPartitionRef[];
}

/**
 * Tells the simulator, after a node handled an input, whether anything the state checks read of
 * that node may have changed (`SystemDefinition.stateChangedBy`), from a few fields read in
 * place, before any view is built (issue 12: 72% of the views built after seed 42's events
 * showed a state the checks had judged already, 33 µs each).
 *
 * - The controller: the checks read its registrations, topics and shutdown verdicts, which change
 *   only when it replays a record (its metadata offset moves, or a new `MetadataState` after a
 *   restart) or takes a registration (a new verdicts array). The quorum's claims and the
 *   liveness check read its Raft state (`quorum-view.ts`): its `EpochState` (replaced by every
 *   transition, the only moments its quorum-state file is written), high watermark, log end and
 *   whether it is active. A `FetchMetadata` it answers, a heartbeat that changes nothing, a fetch
 *   it answers with nothing new, move none of them; compared field by field, no key is built.
 * - A group member: the checks read its membership (`GroupMemberClientView`) and whether it has
 *   closed; a poll that returned records, a timer that found nothing to do, move neither.
 * - A broker: every input may write its disk or move a replica, so it says "maybe" here; the
 *   system asks the view builder instead (`KafkaViewMemory.brokerMayHaveChanged`), which compares
 *   the broker with the last view built of it.
 *
 * Each key is the one the view builder compares (`KafkaViewMemory`, `memberView`): a field the
 * view reads and the key leaves out would let a change go unchecked, which `--full-checks` and
 * `checks-incremental.test.ts` would show as a different verdict.
 */
export class NodeStateKeys {
  private readonly controllers = new Map<NodeId, ControllerKey>();
  private readonly members = new Map<NodeId, MemberKey>();

  changed(id: NodeId, node: KafkaNode): boolean {
    if (node instanceof QuorumController) return this.controllerChanged(id, node);
    if (node instanceof KafkaConsumer) return this.memberChanged(id, node);
    return true;
  }

  private controllerChanged(id: NodeId, controller: QuorumController): boolean {
    const last = this.controllers.get(id);
    const state = controller.committedState;
    const nextOffset = state.nextOffset;
    const shutdowns = controller.registrationShutdownDecisions;
    // The quorum's claims and liveness read the Raft state too: an `EpochState` is replaced on
    // every transition (epoch, role, leader), and the quorum-state file is written only then.
    const raft = controller.raft;
    const epochState = raft.quorum.state;
    const highWatermark = raft.highWatermark();
    const logEndOffset = raft.log.endOffset();
    // A leader's record of its voters' fetches is left out: a fetch only ever makes
    // `SingleActiveController` hold, which wakes on time by itself.
    const active = controller.isActive;
    if (last === undefined) {
      this.controllers.set(id, { state, nextOffset, shutdowns, epochState, highWatermark, logEndOffset, active });
      return true;
    }
    if (
      last.state === state && last.nextOffset === nextOffset && last.shutdowns === shutdowns && last.epochState === epochState
      && last.highWatermark === highWatermark && last.logEndOffset === logEndOffset && last.active === active
    ) {
      return false;
    }
    last.state = state;
    last.nextOffset = nextOffset;
    last.shutdowns = shutdowns;
    last.epochState = epochState;
    last.highWatermark = highWatermark;
    last.logEndOffset = logEndOffset;
    last.active = active;
    return true;
  }

  private memberChanged(id: NodeId, consumer: KafkaConsumer): boolean {
    const last = this.members.get(id);
    const group = consumer.group;
    const closed = consumer.closed;
    if (
      last !== undefined && last.closed === closed && last.groupId === group?.groupId && last.memberId === (group?.memberId ?? '')
      && last.generationId === (group?.generationId ?? -1) && last.state === (group?.state ?? '') && samePartitions(last.owned, group?.owned ?? [])
    ) {
      return false;
    }
    this.members.set(id, { closed, groupId: group?.groupId, memberId: group?.memberId ?? '', generationId: group?.generationId ?? -1, state: group?.state ?? '', owned: group?.owned ?? [] });
    return true;
  }
}
