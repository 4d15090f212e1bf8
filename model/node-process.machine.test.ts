import { getShortestPaths, toDirectedGraph, type DirectedGraphNode } from '@xstate/graph';
import { initialTransition, transition } from 'xstate';
import { describe, expect, it } from 'vitest';
import { MODEL_MACHINES } from './index.ts';
import { nodeProcessMachine, type NodeProcessEvent, type NodeProcessEventType } from './node-process.machine.ts';

const STATES = ['crashed', 'powered-off', 'running', 'stopped'] as const;
const EVENTS: readonly NodeProcessEventType[] = ['crash', 'power-loss', 'replace-disk', 'shutdown', 'start'];

/** The lifecycle as the issue states it, written out by hand so the machine is checked against it. */
const EXPECTED_EDGES = [
  'crashed --power-loss--> powered-off',
  'crashed --replace-disk--> stopped',
  'crashed --start--> running',
  'powered-off --replace-disk--> stopped',
  'powered-off --start--> running',
  'running --crash--> crashed',
  'running --power-loss--> powered-off',
  'running --shutdown--> stopped',
  'stopped --replace-disk--> stopped',
  'stopped --start--> running',
];

interface Edge {
  readonly source: string;
  readonly event: NodeProcessEventType;
  readonly target: string;
  readonly description: string | undefined;
}

function graphEdges(node: DirectedGraphNode): Edge[] {
  const own = node.edges.map((edge) => ({
    source: edge.source.path.join('.'),
    event: edge.label.text as NodeProcessEventType,
    target: edge.target.path.join('.'),
    description: edge.transition.description,
  }));
  return [...own, ...node.children.flatMap(graphEdges)];
}

const edges = graphEdges(toDirectedGraph(nodeProcessMachine));
const edgeName = (edge: Edge): string => `${edge.source} --${edge.event}--> ${edge.target}`;

describe('nodeProcessMachine', () => {
  it('is registered under its own id', () => {
    for (const [name, machine] of Object.entries(MODEL_MACHINES)) expect(machine.id).toBe(name);
    expect(MODEL_MACHINES['node-process']).toBe(nodeProcessMachine);
  });

  it('starts stopped', () => {
    expect(initialTransition(nodeProcessMachine)[0].value).toBe('stopped');
  });

  it('has exactly the states and transitions the lifecycle names', () => {
    const states = toDirectedGraph(nodeProcessMachine).children.map((child) => child.stateNode.key);
    expect([...states].sort()).toEqual([...STATES]);
    expect(edges.map(edgeName).sort()).toEqual(EXPECTED_EDGES);
  });

  it('describes every state and every transition', () => {
    expect(nodeProcessMachine.root.description).toBeTruthy();
    for (const child of toDirectedGraph(nodeProcessMachine).children) {
      expect(child.stateNode.description, child.id).toMatch(/\S{3,}/);
    }
    for (const edge of edges) expect(edge.description, edgeName(edge)).toMatch(/\S{3,}/);
  });

  it('takes every graph edge from a reachable source state to its target', () => {
    const events: NodeProcessEvent[] = EVENTS.map((type) => ({ type }));
    const paths = getShortestPaths(nodeProcessMachine, { events });
    const reached = new Set(paths.map((path) => String(path.state.value)));
    expect([...reached].sort()).toEqual([...STATES]);

    let walked = 0;
    for (const edge of edges) {
      const path = paths.find((candidate) => candidate.state.value === edge.source);
      expect(path, `no path to ${edge.source}`).toBeDefined();
      // Replay the path from scratch rather than trusting the traversal's snapshot.
      let snapshot = initialTransition(nodeProcessMachine)[0];
      for (const step of path!.steps) {
        if (step.event.type.startsWith('xstate.')) continue;
        snapshot = transition(nodeProcessMachine, snapshot, step.event)[0];
      }
      expect(snapshot.value).toBe(edge.source);
      expect(snapshot.can({ type: edge.event }), edgeName(edge)).toBe(true);
      expect(transition(nodeProcessMachine, snapshot, { type: edge.event })[0].value, edgeName(edge)).toBe(edge.target);
      walked++;
    }
    expect(walked).toBe(EXPECTED_EDGES.length);
  });

  it('refuses every event the lifecycle does not list', () => {
    const allowed = new Set(edges.map((edge) => `${edge.source}/${edge.event}`));
    let refused = 0;
    for (const state of STATES) {
      const snapshot = nodeProcessMachine.resolveState({ value: state, context: {} });
      for (const type of EVENTS) {
        const expected = allowed.has(`${state}/${type}`);
        expect(snapshot.can({ type }), `${state} on ${type}`).toBe(expected);
        if (!expected) refused++;
      }
    }
    // Four states times five events, minus the ten allowed transitions.
    expect(refused).toBe(STATES.length * EVENTS.length - EXPECTED_EDGES.length);
  });

  it('forbids the transitions that would break the host model', () => {
    const stopped = initialTransition(nodeProcessMachine)[0];
    expect(stopped.can({ type: 'crash' })).toBe(false);
    expect(stopped.can({ type: 'power-loss' })).toBe(false);
    const running = transition(nodeProcessMachine, stopped, { type: 'start' })[0];
    expect(running.can({ type: 'start' })).toBe(false);
    expect(running.can({ type: 'replace-disk' })).toBe(false);
  });
});
