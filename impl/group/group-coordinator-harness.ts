import { assert, assertNever } from '../common/assert.ts';
import type { KafkaError } from '../protocol/errors.ts';
import type { GroupResponse } from '../protocol/group-messages.ts';
import { DEFAULT_GROUP_COORDINATOR_CONFIG, type GroupCoordinatorConfig } from './coordinator-result.ts';
import { deserialize, serializeKey, serializeValue, type GroupCoordinatorRecord } from './group-coordinator-records.ts';
import { GroupCoordinatorShard, type ShardEffect, type ShardInput } from './group-coordinator-shard.ts';
import type { ShardRequest } from './group-responses.ts';

/**
 * A test host for one coordinator shard: a partition log (records by offset, a high watermark),
 * a timer table and a clock, run the way the broker will run them. Appends are conditional, as
 * the shard's contract requires; records go through their bytes on the way into the log, so the
 * codec is on the path. Used by the scenario scripts and the property test.
 */
export class GroupCoordinatorHarness {
  nowMs = 0;
  /** The partition: records by offset (a record's key and value bytes, as the log holds them). */
  readonly log: { key: Uint8Array; value: Uint8Array | null }[] = [];
  highWatermark = 0;
  shard: GroupCoordinatorShard;
  /** The appends written to the log and not yet committed, to fail them on demand. */
  readonly inFlight: { appendId: number; baseOffset: number }[] = [];
  readonly timers = new Map<string, number>();
  readonly responses: { destination: number; response: GroupResponse }[] = [];
  private uuidCounter = 0;
  private partitionEpoch = 0;

  constructor(readonly config: GroupCoordinatorConfig = DEFAULT_GROUP_COORDINATOR_CONFIG, private readonly observe?: (input: ShardInput, effects: readonly ShardEffect[]) => void) {
    this.shard = this.newShard();
  }

  private newShard(): GroupCoordinatorShard {
    return new GroupCoordinatorShard(this.config, () => `u${++this.uuidCounter}`);
  }

  /** Feeds an input and carries out its effects; returns them. */
  step(input: ShardInput): ShardEffect[] {
    const effects = this.shard.step(input);
    this.observe?.(input, effects);
    const followUps: ShardInput[] = [];
    for (const effect of effects) {
      switch (effect.type) {
        case 'load':
          break;
        case 'append':
          if (effect.baseOffset === this.log.length && effect.partitionEpoch === this.partitionEpoch) {
            for (const record of effect.records) this.log.push({ key: serializeKey(record), value: serializeValue(record) });
            this.inFlight.push({ appendId: effect.appendId, baseOffset: effect.baseOffset });
          } else {
            followUps.push({ type: 'append-failed', appendId: effect.appendId, error: 'NOT_LEADER_OR_FOLLOWER', nowMs: this.nowMs });
          }
          break;
        case 'respond':
          this.responses.push({ destination: effect.destination, response: effect.response });
          break;
        case 'schedule-timer':
          this.timers.set(effect.key, effect.deadlineMs);
          break;
        case 'cancel-timer':
          this.timers.delete(effect.key);
          break;
        case 'transition':
        case 'mark':
          break;
        default:
          assertNever(effect, 'shard effect');
      }
    }
    const all = [...effects];
    for (const followUp of followUps) all.push(...this.step(followUp));
    return all;
  }

  request(request: ShardRequest, destination: number, clientId = `client-${destination}`): ShardEffect[] {
    return this.step({ type: 'request', request, context: { clientId, clientHost: `/10.0.0.${destination}`, destination }, nowMs: this.nowMs });
  }

  /** Becomes leader in a newer epoch: a fresh shard replays the log (Kafka's load). */
  load(partitionEpoch: number, fresh: boolean): ShardEffect[] {
    if (fresh) this.shard = this.newShard();
    this.partitionEpoch = Math.max(this.partitionEpoch, partitionEpoch);
    const effects = this.step({ type: 'schedule-load', partitionEpoch, nowMs: this.nowMs });
    if (!effects.some((effect) => effect.type === 'load')) return effects;
    return [...effects, ...this.replayLog()];
  }

  /** The loader: every record of the log, decoded, then the end. */
  replayLog(): ShardEffect[] {
    const effects: ShardEffect[] = [];
    this.log.forEach((entry, offset) => {
      const decoded = deserialize(entry.key, entry.value);
      assert(decoded.type === 'record', `log offset ${offset} does not decode`);
      effects.push(...this.step({ type: 'replay', offset, record: decoded.record, nowMs: this.nowMs }));
    });
    effects.push(...this.step({ type: 'load-completed', logEndOffset: this.log.length, highWatermark: this.highWatermark, nowMs: this.nowMs }));
    return effects;
  }

  /** Replication catches up to `offset` (default: the log end). */
  replicate(offset = this.log.length): ShardEffect[] {
    assert(offset >= this.highWatermark && offset <= this.log.length, `high watermark ${offset} out of range`);
    this.highWatermark = offset;
    while (this.inFlight.length > 0 && (this.inFlight[0] as { baseOffset: number }).baseOffset < offset) this.inFlight.shift();
    return this.step({ type: 'high-watermark-updated', highWatermark: offset, nowMs: this.nowMs });
  }

  /** The oldest uncommitted append is lost (its records truncated): the shard hears of it. */
  failOldestAppend(error: KafkaError = 'NOT_LEADER_OR_FOLLOWER'): ShardEffect[] {
    const failed = this.inFlight.shift();
    if (failed === undefined) return [];
    this.log.length = failed.baseOffset;
    this.inFlight.length = 0;
    return this.step({ type: 'append-failed', appendId: failed.appendId, error, nowMs: this.nowMs });
  }

  /** Advances the clock, firing due timers in deadline order (then key order). */
  advance(ms: number): ShardEffect[] {
    const until = this.nowMs + ms;
    const effects: ShardEffect[] = [];
    for (;;) {
      let next: [string, number] | undefined;
      for (const [key, deadline] of this.timers) {
        if (deadline > until) continue;
        if (next === undefined || deadline < next[1] || (deadline === next[1] && key < next[0])) next = [key, deadline];
      }
      if (next === undefined) break;
      this.nowMs = Math.max(this.nowMs, next[1]);
      this.timers.delete(next[0]);
      effects.push(...this.step({ type: 'timer-expired', key: next[0], nowMs: this.nowMs }));
    }
    this.nowMs = until;
    return effects;
  }

  /** The committed records, decoded (what a new leader would replay). */
  committedRecords(): GroupCoordinatorRecord[] {
    return this.log.slice(0, this.highWatermark).map((entry) => {
      const decoded = deserialize(entry.key, entry.value);
      assert(decoded.type === 'record', 'committed record does not decode');
      return decoded.record;
    });
  }
}
