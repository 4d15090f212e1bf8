import { describe, expect, it } from 'vitest';
import type { MetadataRecord } from '../metadata/metadata-records.ts';
import { MetadataState, type PartitionRegistration } from './controller-state.ts';
import { buildPartitionChange, changesForUncleanShutdown, changesForUnavailableBroker } from './partition-change.ts';

// KIP-966 part 1 in Kafka's PartitionChangeBuilder: which replicas enter and leave the ELR, who is
// elected when the ISR is empty, and what an unclean shutdown at registration does.

const TOPIC = 't#1';

/** Brokers 0..2 registered (epochs 0..2); `fenced` stay fenced; topic t, one partition as given. */
function cluster(partition: { isr: number[]; leader: number; elr?: number[]; lastKnownElr?: number[] }, fenced: number[] = []): MetadataState {
  const state = new MetadataState();
  const records: MetadataRecord[] = [];
  for (const brokerId of [0, 1, 2]) records.push({ type: 'RegisterBrokerRecord', brokerId, brokerEpoch: brokerId, incarnationId: `b${brokerId}`, fenced: true });
  for (const brokerId of [0, 1, 2]) if (!fenced.includes(brokerId)) records.push({ type: 'UnfenceBrokerRecord', brokerId, brokerEpoch: brokerId });
  records.push({ type: 'TopicRecord', name: 't', topicId: TOPIC });
  records.push({ type: 'PartitionRecord', topicId: TOPIC, partitionId: 0, replicas: [0, 1, 2], leaderEpoch: 4, partitionEpoch: 7, ...partition });
  for (const [offset, record] of records.entries()) state.replay(offset, record);
  return state;
}

function partitionOf(state: MetadataState): PartitionRegistration {
  return state.partition(TOPIC, 0) as PartitionRegistration;
}

const ON = { minIsr: 2 };
const never = (): boolean => false;

describe('PartitionChangeBuilder ELR rules (KIP-966)', () => {
  it('puts replicas that leave an ISR below min ISR into the ELR', () => {
    const state = cluster({ isr: [0, 1, 2], leader: 0 });
    const record = buildPartitionChange(state, partitionOf(state), { isr: [0], keepLeader: true, uncleanLeaderElection: false, elr: ON });
    expect(record).toMatchObject({ isr: [0], leader: 0, elr: [1, 2], lastKnownElr: [], leaderEpoch: 4, partitionEpoch: 8 });
  });

  it('keeps no ELR while the ISR stays at or above min ISR', () => {
    const state = cluster({ isr: [0, 1, 2], leader: 0 });
    expect(buildPartitionChange(state, partitionOf(state), { isr: [0, 1], keepLeader: true, uncleanLeaderElection: false, elr: ON })).toMatchObject({ isr: [0, 1], elr: [] });
  });

  it('clears the ELR once the ISR is back at min ISR, and takes rejoining members out of it below', () => {
    const state = cluster({ isr: [0], leader: 0, elr: [1, 2] });
    expect(buildPartitionChange(state, partitionOf(state), { isr: [0, 1], keepLeader: true, uncleanLeaderElection: false, elr: ON })).toMatchObject({ isr: [0, 1], elr: [] });
    expect(buildPartitionChange(state, partitionOf(state), { isr: [0, 1], keepLeader: true, uncleanLeaderElection: false, elr: { minIsr: 3 } })).toMatchObject({ isr: [0, 1], elr: [2] });
  });

  it('tracks nothing and never empties an ISR with ELR disabled', () => {
    const state = cluster({ isr: [0, 1, 2], leader: 0 });
    expect(buildPartitionChange(state, partitionOf(state), { isr: [0], keepLeader: true, uncleanLeaderElection: false })).toMatchObject({ isr: [0], elr: [] });
    const alone = cluster({ isr: [0], leader: 0 });
    expect(changesForUnavailableBroker(alone, 0, never, () => undefined)).toEqual([expect.objectContaining({ isr: [0], leader: -1, elr: [], lastKnownElr: [] })]);
  });

  it('empties the ISR when its last member is fenced, and elects an eligible ELR member as the whole ISR', () => {
    const state = cluster({ isr: [0], leader: 0, elr: [1] });
    const [record] = changesForUnavailableBroker(state, 0, never, () => ON);
    expect(record).toMatchObject({ isr: [1], leader: 1, elr: [0], lastKnownElr: [], leaderEpoch: 5, unclean: false });
  });

  it('leaves the partition leaderless with the last leader in LastKnownElr when no ELR member may lead', () => {
    const state = cluster({ isr: [0], leader: 0, elr: [1] }, [1]);
    const [record] = changesForUnavailableBroker(state, 0, never, () => ON);
    expect(record).toMatchObject({ isr: [], leader: -1, elr: [0, 1], lastKnownElr: [0] });
  });

  it('elects from the ELR before any unclean election', () => {
    const state = cluster({ isr: [], leader: -1, elr: [2], lastKnownElr: [0] });
    expect(buildPartitionChange(state, partitionOf(state), { uncleanLeaderElection: true, elr: ON })).toMatchObject({ isr: [2], leader: 2, elr: [], lastKnownElr: [], unclean: false });
  });

  it('elects the last known leader, uncleanly, only when ISR and ELR are both empty and it is unfenced', () => {
    const state = cluster({ isr: [], leader: -1, elr: [], lastKnownElr: [0] });
    expect(buildPartitionChange(state, partitionOf(state), { uncleanLeaderElection: false, elr: ON })).toMatchObject({ isr: [0], leader: 0, elr: [], lastKnownElr: [], unclean: true });
    const fenced = cluster({ isr: [], leader: -1, elr: [], lastKnownElr: [0] }, [0]);
    expect(buildPartitionChange(fenced, partitionOf(fenced), { uncleanLeaderElection: false, elr: ON })).toBeUndefined();
    const elrLeft = cluster({ isr: [], leader: -1, elr: [1], lastKnownElr: [0] }, [1]);
    expect(buildPartitionChange(elrLeft, partitionOf(elrLeft), { uncleanLeaderElection: false, elr: ON })).toBeUndefined();
  });

  it('clears the ELR on an unclean election and when ELR is turned off', () => {
    const state = cluster({ isr: [], leader: -1, elr: [1] }, [1]);
    expect(buildPartitionChange(state, partitionOf(state), { uncleanLeaderElection: true, elr: ON })).toMatchObject({ isr: [0], leader: 0, elr: [], unclean: true });
    const off = cluster({ isr: [0], leader: 0, elr: [1, 2] });
    expect(buildPartitionChange(off, partitionOf(off), { uncleanLeaderElection: false })).toMatchObject({ isr: [0], leader: 0, elr: [] });
  });

  it('refuses a registration that breaks the rules at replay', () => {
    expect(() => cluster({ isr: [0, 1], leader: 0, elr: [1] })).toThrow(/both the ISR and the ELR/);
    expect(() => cluster({ isr: [0], leader: 0, lastKnownElr: [1] })).toThrow(/LastKnownElr/);
  });
});

describe('registration after an unclean shutdown (KIP-966 handleBrokerUncleanShutdown)', () => {
  it('takes the last ISR member out of the ISR and lets an ELR member lead', () => {
    const state = cluster({ isr: [0], leader: 0, elr: [1] });
    expect(changesForUncleanShutdown(state, 0, never, () => ON)).toEqual([expect.objectContaining({ isr: [1], leader: 1, elr: [], lastKnownElr: [], unclean: false })]);
  });

  it('never puts the broker into the ELR, and leaves the partition offline when nobody else may lead', () => {
    const state = cluster({ isr: [0], leader: 0, elr: [1] }, [1]);
    expect(changesForUncleanShutdown(state, 0, never, () => ON)).toEqual([expect.objectContaining({ isr: [], leader: -1, elr: [1], lastKnownElr: [0] })]);
  });

  it('takes the broker out of every ELR it is in', () => {
    const state = cluster({ isr: [], leader: -1, elr: [0, 1], lastKnownElr: [2] }, [0, 1]);
    expect(changesForUncleanShutdown(state, 1, never, () => ON)).toEqual([expect.objectContaining({ isr: [], leader: -1, elr: [0], lastKnownElr: [2] })]);
  });

  it('does nothing with ELR disabled', () => {
    const state = cluster({ isr: [0], leader: 0 });
    expect(changesForUncleanShutdown(state, 0, never, () => undefined)).toEqual([]);
  });
});
