import { describe, expect, it } from 'vitest';
import { checkHistoryEntries, type InvariantDefinition, type RunContext } from '../../../sim/invariants/invariant.ts';
import type { HistoryEntry } from '../../../sim/run/history.ts';
import type { KafkaClusterView } from '../../../sim/kafka/kafka-view.ts';
import { ReplicaLogs } from '../../../sim/kafka/replica-logs.ts';
import { groupLostWrite } from './group-lost-write.ts';
import { groupPollSkip } from './group-poll-skip.ts';

// Synthetic histories in the shape group members record them (impl/client/group-membership.ts):
// each group delivery claim passes a correct history and catches the bug it is for.

class GroupHistoryBuilder {
  readonly entries: HistoryEntry[] = [];
  private atMs = 0;
  private correlationId = 0;

  private push(type: HistoryEntry['type'], process: string, f: string, value: unknown): void {
    this.entries.push({ type, process, f, value, index: this.entries.length, atMs: this.atMs++, node: process.split(':')[0] as string });
  }

  send(seq: number, partition: number, offset: number): this {
    const value = { producer: 'p0', seq, topic: 't', key: `k${seq}`, value: `p0:${seq}` };
    this.push('invoke', `p0:${seq}`, 'send', value);
    this.push('ok', `p0:${seq}`, 'send', { ...value, partition, offset });
    return this;
  }

  assign(consumer: string, groupId: string, generationId: number, partitions: readonly number[]): this {
    const value = { consumer, groupId, memberId: `${consumer}-id`, generationId, partitions: partitions.map((partition) => ({ topic: 't', partition })) };
    this.push('invoke', consumer, 'assign', value);
    this.push('ok', consumer, 'assign', value);
    return this;
  }

  poll(consumer: string, records: readonly [partition: number, offset: number][]): this {
    this.push('invoke', consumer, 'poll', { consumer });
    this.push('ok', consumer, 'poll', { consumer, records: records.map(([partition, offset]) => ({ topic: 't', partition, offset, value: `p0:${offset}` })) });
    return this;
  }

  seek(consumer: string, partition: number, offset: number, committed: boolean): this {
    const value = { consumer, topic: 't', partition, offset, ...(committed ? { committed: true } : {}) };
    this.push('invoke', consumer, 'seek', value);
    this.push('ok', consumer, 'seek', value);
    return this;
  }

  /** A commit of `offset` for partition 0, sent and answered with `outcome`. */
  commit(consumer: string, groupId: string, offset: number, outcome: 'ok' | 'fail' | 'info' = 'ok'): this {
    const process = `${consumer}:commit:${this.correlationId++}`;
    const value = { consumer, groupId, memberId: `${consumer}-id`, generationId: 1, offsets: [{ topic: 't', partition: 0, offset, metadata: '' }] };
    this.push('invoke', process, 'commit', value);
    this.push(outcome, process, 'commit', outcome === 'ok' ? value : { ...value, error: 'ILLEGAL_GENERATION' });
    return this;
  }

}

function emptyView(): KafkaClusterView {
  return { nowMs: 0, controller: undefined, brokers: [], logs: new ReplicaLogs(), clients: { producersDone: true, adminDone: true, consumers: [] } };
}

function check(invariant: InvariantDefinition<KafkaClusterView>, builder: GroupHistoryBuilder): string[] {
  return checkHistoryEntries(invariant.checker, builder.entries, emptyView()).map((finding) => finding.message);
}

/** Three records on partition 0; g1's a reads two and commits 2, b takes over there and reads the third. */
function handover(): GroupHistoryBuilder {
  return new GroupHistoryBuilder()
    .send(0, 0, 0)
    .send(1, 0, 1)
    .send(2, 0, 2)
    .assign('a', 'g1', 1, [0])
    .seek('a', 0, 0, false)
    .poll('a', [[0, 0], [0, 1]])
    .commit('a', 'g1', 2)
    .assign('b', 'g1', 2, [0])
    .seek('b', 0, 2, true)
    .poll('b', [[0, 2]])
    .commit('b', 'g1', 3);
}

describe('group delivery claims', () => {
  it('hold for a group that hands a partition over at its committed offset', () => {
    expect(check(groupLostWrite, handover())).toEqual([]);
    expect(check(groupPollSkip(true), handover())).toEqual([]);
  });

  it('group-lost-write: each group must read every acknowledged write, a plain consumer reading it is not enough', () => {
    const history = handover().assign('x', 'g2', 1, [0]).poll('x', [[0, 0], [0, 2]]).poll('plain', [[0, 1]]);
    expect(check(groupLostWrite, history)).toEqual(['group g2 never read p0 write p0:1, acknowledged at partition 0 offset 1 (no replica ever held it)']);
  });

  it('group-poll-skip: a commit past a record no member had read yet is caught, even if the record is read later', () => {
    const history = new GroupHistoryBuilder().send(0, 0, 0).send(1, 0, 1).assign('a', 'g1', 1, [0]).poll('a', [[0, 0]]).commit('a', 'g1', 2).poll('a', [[0, 1]]);
    expect(check(groupPollSkip(true), history)).toEqual(['group g1: a (a-id, generation 1) committed offset 2 of t-0 past offset 1, which no member of the group had read yet (no replica ever held it)']);
    // The group did read it in the end: group-lost-write holds.
    expect(check(groupLostWrite, history)).toEqual([]);
  });

  it('group-poll-skip: a resume past the committed offset is caught at the next commit; a reset is a seek it allows', () => {
    const skipped = new GroupHistoryBuilder().send(0, 0, 0).send(1, 0, 1).send(2, 0, 2).assign('a', 'g1', 1, [0]).poll('a', [[0, 0]]).commit('a', 'g1', 1)
      .assign('b', 'g1', 2, [0]).seek('b', 0, 2, true).poll('b', [[0, 2]]).commit('b', 'g1', 3);
    expect(check(groupPollSkip(true), skipped)).toHaveLength(1);
    expect(check(groupLostWrite, skipped)).toHaveLength(1);
    const reset = new GroupHistoryBuilder().send(0, 0, 0).send(1, 0, 1).assign('a', 'g1', 1, [0]).seek('a', 0, 1, false).poll('a', [[0, 1]]).commit('a', 'g1', 2);
    expect(check(groupPollSkip(true), reset)).toEqual([]);
  });

  it('group-poll-skip: does not apply with unclean elections, which truncate committed records a group may not have reached', () => {
    const context = (config: Record<string, string>): RunContext => ({ seed: 1, config, variants: [], faults: {}, corruption: { bitflipsUnchecked: 0 } } as unknown as RunContext);
    expect(groupPollSkip(true).applicability?.(context({})).applies ?? true).toBe(true);
    expect(groupPollSkip(true).applicability?.(context({ 'unclean.leader.election.enable': 'true' }))).toEqual({ applies: false, reason: 'unclean leader election truncates committed records a group may not have read yet' });
  });

  it('group-poll-skip with acks=1: an offset known only from an acknowledgement is not judged, one any consumer read is', () => {
    // With acks=1 the write acknowledged at offset 1 may have been truncated before it was
    // committed (default seed 5 under acks=1: the record that took its offset was compacted away
    // before the group reached it, and the claim judged the truncated write).
    const history = new GroupHistoryBuilder().send(0, 0, 0).send(1, 0, 1).assign('a', 'g1', 1, [0]).poll('a', [[0, 0]]).commit('a', 'g1', 2);
    expect(check(groupPollSkip(false), history)).toEqual([]);
    expect(check(groupPollSkip(true), history)).toHaveLength(1);
    history.poll('plain', [[0, 1]]);
    expect(check(groupPollSkip(false), history)).toEqual(['group g1: a (a-id, generation 1) committed offset 2 of t-0 past offset 1, which no member of the group ever read (no replica ever held it)']);
  });

  it('group-poll-skip: only accepted commits count', () => {
    const history = new GroupHistoryBuilder().send(0, 0, 0).assign('a', 'g1', 1, [0]).commit('a', 'g1', 1, 'fail').commit('a', 'g1', 1, 'info');
    expect(check(groupPollSkip(true), history)).toEqual([]);
  });

});
