import type { MemberState } from '../../model/group-member.machine.ts';
import { fail } from '../common/assert.ts';
import { POLL_TIMEOUT_LEAVE_REASON, type GroupRequest, type HeartbeatResponse } from '../protocol/group-messages.ts';
import type { InFlightRequest } from './abstract-coordinator.ts';
import type { ConsumerCoordinatorOptions, FatalError, Generation } from './consumer-coordinator-io.ts';
import type { Heartbeat } from './heartbeat.ts';

/** What the heartbeat thread may see and do of its coordinator (Kafka's inner class reads the outer one). */
export interface HeartbeatThreadHost {
  options(): ConsumerCoordinatorOptions;
  nowMs(): number;
  /** The thread is enabled: the member is in the group, has not failed and is not closed. */
  heartbeatEnabled(): boolean;
  coordinator(): number | undefined;
  coordinatorNeeded(): boolean;
  lookupCoordinator(): void;
  memberState(): MemberState;
  generation(): Generation;
  /** Arms (or with undefined, cancels) the `heartbeat` timer: the thread's wait. */
  armTimer(atMs: number | undefined): void;
  send(destination: number, build: (correlationId: number) => GroupRequest): number;
  generationUnchanged(entry: InFlightRequest): boolean;
  markCoordinatorUnknown(cause: string): void;
  maybeLeaveGroup(reason: string): void;
  requestRejoin(reason: string): void;
  resetStateAndRejoin(reason: string, shouldResetMemberId: boolean): void;
  raiseFatal(error: FatalError): void;
}

/**
 * Kafka's `AbstractCoordinator.HeartbeatThread` (clients/.../consumer/internals/AbstractCoordinator.java)
 * as a timer: `run` is one wake-up of the thread's loop. With it are the one request the thread
 * sends, `sendHeartbeatRequest`, and its `HeartbeatResponseHandler`, which here is one method with
 * the thread's listener on the outcome. The timers it reads are {@link Heartbeat}'s.
 */
export class HeartbeatThread {
  constructor(
    private readonly host: HeartbeatThreadHost,
    private readonly heartbeat: Heartbeat,
  ) {}

  /** The body of `HeartbeatThread.run`'s loop, run until it would wait; then its timer is armed. */
  run(): void {
    for (let step = 0; step < 4; step++) {
      if (!this.host.heartbeatEnabled()) return this.host.armTimer(undefined);
      const coordinator = this.host.coordinator();
      if (coordinator === undefined) {
        if (this.host.coordinatorNeeded()) this.host.lookupCoordinator();
        return this.host.armTimer(this.host.nowMs() + this.host.options().retryBackoffMs);
      }
      if (this.heartbeat.sessionTimeoutExpired(this.host.nowMs())) {
        this.host.markCoordinatorUnknown('session timed out without receiving a heartbeat response');
        continue;
      }
      if (this.heartbeat.pollTimeoutExpired(this.host.nowMs())) {
        // `handlePollTimeoutExpiry`.
        this.host.maybeLeaveGroup(POLL_TIMEOUT_LEAVE_REASON);
        continue;
      }
      if (!this.heartbeat.shouldHeartbeat(this.host.nowMs())) return this.host.armTimer(this.heartbeat.wakeupMs());
      this.sendHeartbeat(coordinator);
    }
    fail('the heartbeat thread did not settle in four steps');
  }

  private sendHeartbeat(coordinator: number): void {
    this.heartbeat.sentHeartbeat(this.host.nowMs());
    this.host.send(coordinator, (correlationId) => ({
      type: 'HeartbeatRequest',
      correlationId,
      groupId: this.host.options().groupId,
      generationId: this.host.generation().generationId,
      memberId: this.host.generation().memberId,
      groupInstanceId: this.host.options().groupInstanceId,
    }));
  }

  /** `HeartbeatResponseHandler.handle`, then the thread's listener on the outcome. */
  onHeartbeatResponse(entry: InFlightRequest, response: HeartbeatResponse | 'DISCONNECTED'): void {
    const nowMs = this.host.nowMs();
    const error = response === 'DISCONNECTED' ? 'DISCONNECTED' : response.error;
    switch (error) {
      case 'NONE':
        return this.heartbeat.receiveHeartbeat(nowMs);
      case 'REBALANCE_IN_PROGRESS':
        // During a rebalance this is expected, and heartbeats go on; only a STABLE member rejoins.
        if (this.host.memberState() === 'STABLE') this.host.requestRejoin('group is already rebalancing');
        return this.heartbeat.receiveHeartbeat(nowMs);
      case 'ILLEGAL_GENERATION':
      case 'UNKNOWN_MEMBER_ID':
      case 'FENCED_INSTANCE_ID':
        if (!this.host.generationUnchanged(entry)) return this.heartbeat.receiveHeartbeat(nowMs);
        this.host.resetStateAndRejoin(`encountered ${error} from HEARTBEAT response`, error !== 'ILLEGAL_GENERATION');
        if (error === 'FENCED_INSTANCE_ID') {
          return this.host.raiseFatal({ exception: 'FencedInstanceIdException', message: `group.instance.id ${this.host.options().groupInstanceId} was fenced` });
        }
        return this.heartbeat.failHeartbeat(nowMs);
      case 'COORDINATOR_NOT_AVAILABLE':
      case 'NOT_COORDINATOR':
        this.host.markCoordinatorUnknown(`error response ${error}`);
        return this.heartbeat.failHeartbeat(nowMs);
      default:
        return this.heartbeat.failHeartbeat(nowMs);
    }
  }
}
