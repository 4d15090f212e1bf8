import { describe, expect, it } from 'vitest';
import type { KafkaBroker } from '../../impl/broker/kafka-broker.ts';
import type { KafkaConsumer } from '../../impl/client/kafka-consumer.ts';
import type { Message, SimulatedNode } from '../../impl/env/node-environment.ts';
import { Simulation } from '../run/simulation.ts';
import { DEFAULT_SIMULATION_OPTIONS } from '../run/simulation-options.ts';
import type { SystemDefinition } from '../run/system.ts';
import type { KafkaClusterView } from './kafka-view.ts';
import { describeGroups } from './describe-groups.ts';
import { KAFKA_TOPIC, kafkaSystem, type KafkaSystemOptions } from './kafka-system.ts';

// End to end: a real cluster (controller, 3 brokers, an idempotent producer) with consumer groups
// that subscribe to the workload topic through their group coordinator, no faults.

interface HistoryLine {
  readonly atMs: number;
  readonly node: string;
  readonly type: string;
  readonly f: string;
  readonly value: Record<string, unknown>;
}

type KafkaSimulation = Simulation<Message, SimulatedNode<Message>, KafkaClusterView>;

function cluster(groups: NonNullable<KafkaSystemOptions['groups']>, seed: number, history: HistoryLine[], transitions: string[] = []): KafkaSimulation {
  const system = kafkaSystem({
    brokers: 3,
    partitions: 3,
    replicationFactor: 3,
    producers: 1,
    consumers: 0,
    stopAtMs: 20_000,
    config: { 'min.insync.replicas': '2' },
    variants: [],
    groups,
  });
  const sink = {
    write(line: string): void {
      const entry = JSON.parse(line) as { atMs: number; kind: string; node: string; name: string; detail: string };
      if (entry.kind === 'transition' && entry.name === 'group-member') transitions.push(`${entry.node} ${entry.detail}`);
      if (entry.kind !== 'history') return;
      const [type, f] = entry.detail.split(' ', 2) as [string, string];
      const value = JSON.parse(entry.detail.slice(type.length + f.length + 2)) as Record<string, unknown>;
      history.push({ atMs: entry.atMs, node: entry.node, type, f, value });
    },
  };
  const simulation = new Simulation(
    { ...DEFAULT_SIMULATION_OPTIONS, seed, durationMs: 120_000, faults: { type: 'none' }, repro: 'group-consumer.test.ts', traceSink: sink },
    system as unknown as SystemDefinition<Message, SimulatedNode<Message>, KafkaClusterView>,
  );
  simulation.beginScenario();
  return simulation;
}

function member(simulation: KafkaSimulation, id: string): KafkaConsumer {
  const node = simulation.nodeOf(id) as unknown as KafkaConsumer | undefined;
  expect(node, id).toBeDefined();
  return node as KafkaConsumer;
}

/** The live members' views, once every one of them is Stable in one generation; else undefined. */
function stableGeneration(simulation: KafkaSimulation, ids: readonly string[]): number | undefined {
  const views = ids.map((id) => member(simulation, id).group);
  if (views.some((view) => view === undefined || view.state !== 'STABLE.assigned')) return undefined;
  const generations = new Set(views.map((view) => view?.generationId));
  return generations.size === 1 ? (views[0]?.generationId as number) : undefined;
}

/** Steps the simulation until `done` holds (checked every 100 simulated ms); returns the time. */
function advanceUntil(simulation: KafkaSimulation, limitMs: number, done: () => boolean): number {
  while (!done()) {
    expect(simulation.nowMs(), 'the condition held before the limit').toBeLessThan(limitMs);
    simulation.advanceTo(simulation.nowMs() + 100);
  }
  return simulation.nowMs();
}

function ownership(simulation: KafkaSimulation, ids: readonly string[]): Map<number, string[]> {
  const owners = new Map<number, string[]>();
  for (const id of ids) {
    for (const tp of member(simulation, id).group?.owned ?? []) {
      expect(tp.topic).toBe(KAFKA_TOPIC);
      owners.set(tp.partition, [...(owners.get(tp.partition) ?? []), id]);
    }
  }
  return owners;
}

/** The committed offset of each partition for `groupId`, from the coordinator shard that is active. */
function committedOffsets(simulation: KafkaSimulation, groupId: string): Map<number, number> {
  const committed = new Map<number, number>();
  for (const id of ['broker-0', 'broker-1', 'broker-2']) {
    const broker = simulation.nodeOf(id) as unknown as KafkaBroker | undefined;
    for (const [, shard] of broker?.groupCoordinatorService.sortedShards() ?? []) {
      if (shard.state !== 'ACTIVE') continue;
      for (const [topic, partitions] of shard.offsets.offsetsOf(groupId, false)) {
        if (topic !== KAFKA_TOPIC) continue;
        for (const [partition, offset] of partitions) committed.set(partition, offset.committedOffset);
      }
    }
  }
  return committed;
}

/** Per partition, the highest offset any acknowledged send got. */
function ackedEnds(history: readonly HistoryLine[]): Map<number, number> {
  const ends = new Map<number, number>();
  for (const line of history) {
    if (line.f !== 'send' || line.type !== 'ok') continue;
    const { partition, offset } = line.value as { partition?: number; offset?: number };
    if (partition === undefined || offset === undefined || offset < 0) continue;
    ends.set(partition, Math.max(ends.get(partition) ?? -1, offset + 1));
  }
  return ends;
}

/** Every acknowledged value read by some member of the group. */
function unread(history: readonly HistoryLine[], ids: readonly string[]): string[] {
  const read = new Set<string>();
  for (const line of history) {
    if (line.f !== 'poll' || line.type !== 'ok' || !ids.includes(line.node)) continue;
    for (const record of (line.value.records ?? []) as { value: string }[]) read.add(record.value);
  }
  return history.filter((line) => line.f === 'send' && line.type === 'ok' && (line.value as { offset?: number }).offset !== undefined).map((line) => (line.value as { value: string }).value).filter((value) => !read.has(value));
}

/** Every applicable violation: the group claims and all three group models are checked on these runs. */
function violations(simulation: KafkaSimulation): string[] {
  return simulation.violationsSoFar
    .filter((violation) => violation.applies)
    .map((violation) => `${violation.invariant} at ${violation.atMs}: ${violation.message}`);
}

describe('a consumer group on a real cluster', () => {
  it('spreads the partitions over 2 members, then 3, and reads and commits everything', () => {
    const history: HistoryLine[] = [];
    const transitions: string[] = [];
    const simulation = cluster([{ groupId: 'g', members: 3 }], 11, history, transitions);
    const ids = ['group-g-0', 'group-g-1', 'group-g-2'];
    // The third member starts later: stopped before it ran anything.
    simulation.crash('group-g-2');
    const firstStable = advanceUntil(simulation, 60_000, () => stableGeneration(simulation, ids.slice(0, 2)) !== undefined);
    const owners2 = ownership(simulation, ids.slice(0, 2));
    expect([...owners2.keys()].sort()).toEqual([0, 1, 2]);
    for (const [, holders] of owners2) expect(holders).toHaveLength(1);
    const generation2 = stableGeneration(simulation, ids.slice(0, 2)) as number;

    simulation.start('group-g-2');
    const joinedAt = simulation.nowMs();
    const secondStable = advanceUntil(simulation, joinedAt + 60_000, () => {
      const generation = stableGeneration(simulation, ids);
      return generation !== undefined && generation > generation2;
    });
    const owners3 = ownership(simulation, ids);
    expect([...owners3.keys()].sort()).toEqual([0, 1, 2]);
    for (const [, holders] of owners3) expect(holders).toHaveLength(1);
    for (const id of ids) expect(member(simulation, id).group?.owned, id).toHaveLength(1);

    // The producer stops at 20 s; the group reads to the end and auto-commits it.
    simulation.advanceTo(Math.max(simulation.nowMs(), 20_000) + 15_000);
    const ends = ackedEnds(history);
    expect(ends.size).toBe(3);
    expect(unread(history, ids)).toEqual([]);
    expect(committedOffsets(simulation, 'g')).toEqual(ends);
    // kafka-consumer-groups.sh --describe on the run's view: a row per partition with its owner,
    // the committed offset at the log end, no lag.
    const described = describeGroups(simulation.currentView(), ['g']);
    expect(described.slice(0, 2)).toEqual(['', expect.stringMatching(/^GROUP +TOPIC +PARTITION +CURRENT-OFFSET +LOG-END-OFFSET +LAG +CONSUMER-ID +HOST +CLIENT-ID$/)]);
    const rows = described.slice(2).map((line) => line.split(/ +/));
    expect(rows.map((row) => Number(row[2])).sort()).toEqual([0, 1, 2]);
    for (const row of rows) {
      const partition = Number(row[2]);
      const owner = owners3.get(partition)?.[0] as string;
      const end = String(ends.get(partition));
      expect(row).toEqual(['g', KAFKA_TOPIC, String(partition), end, end, '0', member(simulation, owner).group?.memberId, `/${owner}`, owner]);
    }
    // Every commit the members sent carries <memberId>@<generationId> of its request.
    const commits = history.filter((line) => line.f === 'commit' && line.type === 'invoke');
    expect(commits.length).toBeGreaterThan(0);
    for (const commit of commits) {
      const value = commit.value as { memberId: string; generationId: number; offsets: { metadata: string }[] };
      for (const offset of value.offsets) expect(offset.metadata).toBe(`${value.memberId}@${value.generationId}`);
    }
    expect(violations(simulation)).toEqual([]);
    // The members' lifecycles went through the conformance monitor, as `<group>/<member>`.
    for (const id of ids) expect(transitions, id).toContain(`g/${id} SYNC_GROUP_COMPLETED -> STABLE.assigned`);
    console.log(`stable with 2 members at ${firstStable} ms (generation ${generation2}); with 3 members ${secondStable - joinedAt} ms after the third started`);
  });

  it('leaves a member idle when the group has more members than the topic has partitions', () => {
    const history: HistoryLine[] = [];
    const simulation = cluster([{ groupId: 'idle', members: 4 }], 12, history);
    const ids = ['group-idle-0', 'group-idle-1', 'group-idle-2', 'group-idle-3'];
    const stableAt = advanceUntil(simulation, 60_000, () => stableGeneration(simulation, ids) !== undefined);
    const owners = ownership(simulation, ids);
    expect([...owners.keys()].sort()).toEqual([0, 1, 2]);
    for (const [, holders] of owners) expect(holders).toHaveLength(1);
    expect(ids.map((id) => member(simulation, id).group?.owned.length).sort()).toEqual([0, 1, 1, 1]);
    simulation.advanceTo(35_000);
    expect(unread(history, ids)).toEqual([]);
    expect(committedOffsets(simulation, 'idle')).toEqual(ackedEnds(history));
    expect(violations(simulation)).toEqual([]);
    console.log(`4 members on 3 partitions stable at ${stableAt} ms`);
  });

  it("moves a crashed member's partitions to the others (cooperative-sticky, session.timeout.ms 10000)", () => {
    const history: HistoryLine[] = [];
    const config = { 'partition.assignment.strategy': 'cooperative-sticky', 'session.timeout.ms': '10000', 'heartbeat.interval.ms': '1000' };
    const simulation = cluster([{ groupId: 'c', members: 3, config }], 13, history);
    const ids = ['group-c-0', 'group-c-1', 'group-c-2'];
    const stableAt = advanceUntil(simulation, 60_000, () => stableGeneration(simulation, ids) !== undefined);
    const before = stableGeneration(simulation, ids) as number;
    const crashedOwned = member(simulation, 'group-c-1').group?.owned.map((tp) => tp.partition) ?? [];
    expect(crashedOwned).toHaveLength(1);
    simulation.advanceTo(stableAt + 3_000);
    simulation.crash('group-c-1');
    const crashedAt = simulation.nowMs();
    const survivors = ['group-c-0', 'group-c-2'];
    const movedAt = advanceUntil(simulation, crashedAt + 60_000, () => {
      const generation = stableGeneration(simulation, survivors);
      return generation !== undefined && generation > before && ownership(simulation, survivors).size === 3;
    });
    const owners = ownership(simulation, survivors);
    for (const [, holders] of owners) expect(holders).toHaveLength(1);
    // The survivors kept their own partitions (sticky) and took over the crashed member's.
    expect(owners.get(crashedOwned[0] as number)).toHaveLength(1);
    // A revoke or assign names the generation; the survivors' assigns cover the crashed member's partition.
    const assigns = history.filter((line) => line.f === 'assign' && line.type === 'ok' && line.atMs >= crashedAt);
    expect(assigns.flatMap((line) => (line.value.partitions as { partition: number }[]).map((tp) => tp.partition))).toContain(crashedOwned[0]);
    simulation.advanceTo(Math.max(movedAt, 20_000) + 15_000);
    expect(unread(history, survivors.concat('group-c-1'))).toEqual([]);
    expect(committedOffsets(simulation, 'c')).toEqual(ackedEnds(history));
    expect(violations(simulation)).toEqual([]);
    console.log(`3 members stable at ${stableAt} ms; crash at ${crashedAt} ms; partitions moved, stable again ${movedAt - crashedAt} ms later`);
  });
});
