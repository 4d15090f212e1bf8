import { ConformanceMonitor } from '../../sim/conformance/conformance-monitor.ts';
import { groupMemberMachine } from '../../model/group-member.machine.ts';
import { fail } from '../common/assert.ts';
import type { GroupRequest, GroupResponse } from '../protocol/group-messages.ts';
import { partitionKey, partitionName, type TopicPartition } from './assignors/consumer-partition-assignor.ts';
import { ConsumerCoordinator } from './consumer-coordinator.ts';
import {
  MAX_IN_FLIGHT_REQUESTS,
  type ConsumerCoordinatorEffect,
  type ConsumerCoordinatorInput,
  type ConsumerCoordinatorOptions,
} from './consumer-coordinator-io.ts';

/** A request the host has not answered yet, with where it went. */
export interface OutstandingRequest {
  readonly destination: number;
  readonly request: GroupRequest;
}

type InputWithoutTime = ConsumerCoordinatorInput extends infer I ? (I extends { nowMs: number } ? Omit<I, 'nowMs'> : never) : never;

/**
 * A host for the coordinator core in tests: it keeps the virtual clock, the armed timers and the
 * unanswered requests, replays every `transition` through the XState model (conformance monitor),
 * and checks after every input what must hold whatever the inputs were:
 * - the owned set changes only through callbacks: a partition leaves it only after an
 *   onPartitionsRevoked/onPartitionsLost naming it, and joins it only with an onPartitionsAssigned
 *   naming it, in the same step;
 * - under the cooperative protocol no partition is both revoked and newly assigned in one step;
 * - Heartbeat, SyncGroup and OffsetCommit carry the generation and member id of the last JoinGroup
 *   answered with success, and none is sent after a RESET_GENERATION until the next one;
 *   every request carries the member's group.instance.id and goes to the discovered coordinator;
 * - a timer key is scheduled once, fires at most once, and is cancelled only while armed;
 * - requests in flight, timers and unanswered requests stay under their bounds.
 */
export class CoordinatorDriver {
  readonly coordinator: ConsumerCoordinator;
  nowMs: number;
  readonly outstanding: OutstandingRequest[] = [];
  private readonly armed = new Map<string, number>();
  private readonly usedTimerKeys = new Set<string>();
  private readonly monitor = new ConformanceMonitor({ 'group-member': groupMemberMachine });
  private owned: TopicPartition[] = [];
  /** Generation and member id of the last successful JoinGroup delivered, until a reset. */
  private wireGeneration: { generationId: number; memberId: string } | undefined;
  private knownCoordinator: number | undefined;
  readonly transitions: string[] = [];

  constructor(readonly options: ConsumerCoordinatorOptions, startMs = 0) {
    this.nowMs = startMs;
    this.coordinator = new ConsumerCoordinator(options, startMs);
  }

  /** Applies one input at the current time and checks its effects. */
  input(input: InputWithoutTime): readonly ConsumerCoordinatorEffect[] {
    const before = this.wireGeneration;
    if (input.type === 'response') this.noteResponse(input.response);
    const effects = this.coordinator.handle({ ...input, nowMs: this.nowMs } as ConsumerCoordinatorInput);
    // A successful JoinGroup answer the member no longer waits for (it left, or rejoins anew) is
    // dropped, as Kafka's JoinGroupResponseHandler drops it: the generation on the wire stays.
    if (input.type === 'response' && input.response.type === 'JoinGroupResponse' && !effects.some((effect) => effect.type === 'transition' && effect.event.type === 'JOIN_GROUP_COMPLETED')) {
      this.wireGeneration = before;
    }
    this.check(effects);
    return effects;
  }

  /** Moves the clock to `untilMs`, firing every armed timer due by then, in time order. */
  advance(untilMs: number): { readonly key: string; readonly atMs: number; readonly effects: readonly ConsumerCoordinatorEffect[] }[] {
    if (untilMs < this.nowMs) fail(`time goes back to ${untilMs}`);
    const all: { key: string; atMs: number; effects: readonly ConsumerCoordinatorEffect[] }[] = [];
    for (let fired = 0; ; fired++) {
      if (fired > 10_000) fail('timers keep firing without time passing');
      const due = [...this.armed].filter(([, at]) => at <= untilMs).sort((a, b) => a[1] - b[1] || timerSequence(a[0]) - timerSequence(b[0]))[0];
      if (due === undefined) break;
      this.nowMs = Math.max(this.nowMs, due[1]);
      this.armed.delete(due[0]);
      all.push({ key: due[0], atMs: due[1], effects: this.input({ type: 'timer-expired', key: due[0] }) });
    }
    this.nowMs = untilMs;
    return all;
  }

  /** Removes and returns the oldest unanswered request of a type. */
  take(type: GroupRequest['type']): OutstandingRequest {
    const index = this.outstanding.findIndex((entry) => entry.request.type === type);
    if (index < 0) fail(`no outstanding ${type} (outstanding: ${this.outstanding.map((entry) => entry.request.type).join(', ') || 'none'})`);
    return this.outstanding.splice(index, 1)[0] as OutstandingRequest;
  }

  get ownedView(): readonly TopicPartition[] {
    return this.owned;
  }

  private noteResponse(response: GroupResponse): void {
    if (response.type === 'JoinGroupResponse' && response.error === 'NONE') {
      this.wireGeneration = { generationId: response.generationId, memberId: response.memberId };
    }
    if (response.type === 'FindCoordinatorResponse' && response.error === 'NONE') this.knownCoordinator = response.nodeId;
  }

  private check(effects: readonly ConsumerCoordinatorEffect[]): void {
    const removable = new Set<string>();
    const assigned = new Set<string>();
    const revoked = new Set<string>();
    const added = new Set<string>();
    for (const effect of effects) {
      switch (effect.type) {
        case 'send':
          this.checkRequest(effect.destination, effect.request);
          this.outstanding.push({ destination: effect.destination, request: effect.request });
          break;
        case 'schedule-timer':
          if (this.usedTimerKeys.has(effect.key)) fail(`timer key ${effect.key} scheduled twice`);
          if (effect.atMs < this.nowMs) fail(`timer ${effect.key} scheduled in the past`);
          this.usedTimerKeys.add(effect.key);
          this.armed.set(effect.key, effect.atMs);
          break;
        case 'cancel-timer':
          if (!this.armed.delete(effect.key)) fail(`cancel of timer ${effect.key}, which is not armed`);
          break;
        case 'callback':
          for (const tp of effect.partitions) {
            if (effect.callback === 'onPartitionsAssigned') assigned.add(partitionKey(tp));
            else removable.add(partitionKey(tp));
            if (effect.callback === 'onPartitionsRevoked') revoked.add(partitionKey(tp));
          }
          break;
        case 'assignment-changed': {
          const before = new Set(this.owned.map(partitionKey));
          const after = new Set(effect.partitions.map(partitionKey));
          for (const key of before) if (!after.has(key) && !removable.has(key)) fail(`${key} left the assignment without a revoke or lost callback`);
          for (const key of after) if (!before.has(key)) added.add(key);
          this.owned = [...effect.partitions];
          break;
        }
        case 'transition': {
          const problem = this.monitor.observe(this.nowMs, effect);
          if (problem !== undefined) fail(`model violation: ${problem}`);
          if (effect.event.type === 'RESET_GENERATION') this.wireGeneration = undefined;
          this.transitions.push(`${effect.event.type} -> ${effect.to}`);
          break;
        }
        case 'commit-completed':
        case 'committed-offsets':
        case 'fatal-error':
        case 'mark':
        case 'closed':
          break;
        default:
          fail(`unknown effect ${JSON.stringify(effect)}`);
      }
    }
    for (const key of added) if (!assigned.has(key)) fail(`${key} joined the assignment without onPartitionsAssigned`);
    if (this.coordinator.protocol === 'COOPERATIVE') {
      for (const key of assigned) if (revoked.has(key)) fail(`${key} revoked and newly assigned in one step`);
    }
    if (this.coordinator.requestsInFlight > MAX_IN_FLIGHT_REQUESTS) fail('too many requests in flight');
    if (this.armed.size > 2) fail(`${this.armed.size} timers armed`);
    if (this.coordinator.state !== this.monitorState()) fail(`core says ${this.coordinator.state}, model says ${this.monitorState()}`);
  }

  private monitorState(): string {
    return this.transitions.length === 0 ? 'UNJOINED.unassigned' : (this.transitions[this.transitions.length - 1] as string).split(' -> ')[1] as string;
  }

  private checkRequest(destination: number, request: GroupRequest): void {
    if (request.type !== 'FindCoordinatorRequest' && destination !== this.knownCoordinator) {
      fail(`${request.type} sent to ${destination}, the coordinator is ${this.knownCoordinator}`);
    }
    const instance = this.options.groupInstanceId;
    switch (request.type) {
      case 'HeartbeatRequest':
      case 'SyncGroupRequest':
        this.checkGeneration(request.type, request.generationId, request.memberId);
        if (request.groupInstanceId !== instance) fail(`${request.type} without the instance id`);
        break;
      case 'OffsetCommitRequest':
        if (request.generationIdOrMemberEpoch >= 0) this.checkGeneration(request.type, request.generationIdOrMemberEpoch, request.memberId);
        break;
      case 'JoinGroupRequest':
        if (request.groupInstanceId !== instance) fail('JoinGroup without the instance id');
        if (request.rebalanceTimeoutMs !== this.options.maxPollIntervalMs) fail('JoinGroup rebalance timeout is not max.poll.interval.ms');
        break;
      case 'LeaveGroupRequest':
        if (instance !== null) fail('a static member sent LeaveGroup');
        break;
      case 'FindCoordinatorRequest':
      case 'OffsetFetchRequest':
        break;
      default:
        fail(`unknown request ${JSON.stringify(request)}`);
    }
  }

  private checkGeneration(what: string, generationId: number, memberId: string): void {
    const wire = this.wireGeneration;
    if (wire === undefined) fail(`${what} sent with generation ${generationId} while the member has none`);
    if (wire.generationId !== generationId || wire.memberId !== memberId) {
      fail(`${what} carries ${generationId}/${memberId}, the member is at ${wire.generationId}/${wire.memberId}`);
    }
  }
}

function timerSequence(key: string): number {
  return Number(key.split('#')[1]);
}

export function partitionList(partitions: readonly TopicPartition[]): string {
  return `[${partitions.map(partitionName).join(', ')}]`;
}
