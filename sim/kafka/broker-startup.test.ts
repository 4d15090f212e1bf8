import { describe, expect, it } from 'vitest';
import type { Message, SimulatedNode } from '../../impl/env/node-environment.ts';
import { Simulation } from '../run/simulation.ts';
import { DEFAULT_SIMULATION_OPTIONS } from '../run/simulation-options.ts';
import type { SystemDefinition } from '../run/system.ts';
import type { KafkaClusterView } from './kafka-view.ts';
import { kafkaSystem } from './kafka-system.ts';
import { runSeed } from '../run/run-seed.ts';

// A restarted broker follows Kafka's BrokerLifecycleManager (spec/replication.md, "Brokers"): it
// heartbeats at once after registering, every 10 ms while it is catching up with the metadata
// log, and asks to be unfenced as soon as it has, instead of waiting for its next regular
// heartbeat `broker.heartbeat.interval.ms` later.

interface Transition {
  readonly atMs: number;
  readonly event: string;
}

function brokerTransitions(lines: readonly string[], node: string): Transition[] {
  const transitions: Transition[] = [];
  for (const line of lines) {
    const entry = JSON.parse(line) as { atMs: number; kind: string; node: string; name: string; detail: string };
    if (entry.kind === 'transition' && entry.node === node && entry.name === 'broker') transitions.push({ atMs: entry.atMs, event: entry.detail });
  }
  return transitions;
}

function cluster(lines: string[]): Simulation<Message, SimulatedNode<Message>, KafkaClusterView> {
  const system = kafkaSystem({ brokers: 3, partitions: 0, replicationFactor: 1, producers: 0, consumers: 0, stopAtMs: 0, config: {}, variants: [], scenario: true });
  const simulation = new Simulation(
    { ...DEFAULT_SIMULATION_OPTIONS, seed: 7, durationMs: 60_000, faults: { type: 'none' }, repro: 'broker-startup.test.ts', traceSink: { write: (line) => lines.push(line) } },
    system as unknown as SystemDefinition<Message, SimulatedNode<Message>, KafkaClusterView>,
  );
  simulation.beginScenario();
  return simulation;
}

describe('broker startup', () => {
  it('unfences a restarted broker within a few round trips of its registration', () => {
    const lines: string[] = [];
    const simulation = cluster(lines);
    simulation.advanceTo(3_000);
    expect(simulation.currentView().brokers.map((broker) => broker.lifecycle)).toEqual(['running', 'running', 'running']);
    simulation.crash('broker-1');
    simulation.advanceTo(15_000);
    const restartedAtMs = simulation.nowMs();
    simulation.start('broker-1');
    simulation.advanceTo(restartedAtMs + 200);
    expect(simulation.currentView().brokers[1]?.lifecycle).toBe('running');
    const after = brokerTransitions(lines, 'broker-1').filter((transition) => transition.atMs >= restartedAtMs);
    const registered = after.find((transition) => transition.event.startsWith('REGISTERED'));
    const unfenced = after.find((transition) => transition.event.startsWith('UNFENCED'));
    expect(registered).toBeDefined();
    expect(unfenced).toBeDefined();
    // Registration, catching up with the metadata log and the unfencing heartbeat are a handful
    // of round trips of a few milliseconds each; a regular heartbeat would come 2000 ms later.
    expect((unfenced as Transition).atMs - (registered as Transition).atMs).toBeLessThan(100);
  });

  it('keeps a broker fenced while it cannot catch up with the metadata log', () => {
    const lines: string[] = [];
    const simulation = cluster(lines);
    simulation.advanceTo(3_000);
    simulation.crash('broker-2');
    simulation.advanceTo(15_000);
    // Its metadata fetches are held: it registers, but never reaches its own registration record.
    simulation.addLinkLag(1, 'controller-0', 'broker-2', 0, true);
    simulation.start('broker-2');
    simulation.advanceTo(20_000);
    expect(simulation.currentView().brokers[2]?.lifecycle).not.toBe('running');
    simulation.removeLinkLag(1, 'controller-0', 'broker-2');
    simulation.advanceTo(20_200);
    expect(simulation.currentView().brokers[2]?.lifecycle).toBe('running');
  });

  // Kafka's BrokerServer enables its listeners only once the broker is first unfenced: a client
  // connecting before then is refused and tries another broker (spec/replication.md). Default seed
  // 1299's brokers restart after power losses while the producers, consumers and groups run.
  it('answers no client before its process is first unfenced, and refuses the clients that ask', () => {
    const lines: string[] = [];
    runSeed({ seed: 1299, durationMs: 60_000, brokers: 3, faults: { type: 'swarm' }, config: {}, variants: [], repro: 'broker-startup.test.ts', traceSink: { write: (line) => void lines.push(line) } });
    const isClient = (node: string): boolean => !node.startsWith('broker-') && !node.startsWith('controller-') && node !== '';
    /** Per broker: whether its current process has been unfenced. */
    const listening = new Map<string, boolean>();
    let answersBefore = 0;
    let refused = 0;
    let answersAfter = 0;
    for (const line of lines) {
      const entry = JSON.parse(line) as { kind: string; node: string; peer: string; name: string; detail: string };
      if (!entry.node.startsWith('broker-')) continue;
      if (entry.kind === 'node' && entry.name === 'start') listening.set(entry.node, false);
      if (entry.kind === 'transition' && entry.name === 'broker' && entry.detail.startsWith('UNFENCED')) listening.set(entry.node, true);
      if (entry.kind === 'send' && isClient(entry.peer)) {
        if (listening.get(entry.node) === true) answersAfter++;
        else answersBefore++;
      }
      if (entry.kind === 'disconnect' && entry.name === 'reset' && isClient(entry.peer) && listening.get(entry.node) === false) refused++;
    }
    expect(answersBefore).toBe(0);
    expect(refused).toBeGreaterThan(0);
    expect(answersAfter).toBeGreaterThan(0);
  });
});
