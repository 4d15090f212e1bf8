import { toDirectedGraph, type DirectedGraphNode } from '@xstate/graph';
import { transition, type AnyMachineSnapshot, type AnyStateMachine, type StateValue } from 'xstate';
import { assert } from '../impl/common/assert.ts';

/**
 * Test tooling for the lifecycle models: a machine's full (state, event) table, computed by
 * asking XState about every pair, so that a test can compare it with a table transcribed by hand
 * from Kafka's source. Nothing at run time imports this file.
 */

/** The leaf (atomic) states of `machine`, named as a `transition` effect's `to`: path joined with `.`. */
export function leafStates(machine: AnyStateMachine): string[] {
  const leaves: string[] = [];
  const visit = (node: DirectedGraphNode): void => {
    if (node.children.length === 0 && node.stateNode.path.length > 0) leaves.push(node.stateNode.path.join('.'));
    for (const child of node.children) visit(child);
  };
  visit(toDirectedGraph(machine));
  return leaves.sort();
}

/** Every event type that some transition of `machine` is defined on. */
export function eventTypes(machine: AnyStateMachine): string[] {
  const types = new Set<string>();
  const visit = (node: DirectedGraphNode): void => {
    for (const edge of node.edges) types.add(edge.label.text);
    for (const child of node.children) visit(child);
  };
  visit(toDirectedGraph(machine));
  return [...types].sort();
}

/** Every transition and every state as described, for a test that insists each says why. */
export function descriptions(machine: AnyStateMachine): { name: string; description: string | undefined }[] {
  const found: { name: string; description: string | undefined }[] = [];
  const visit = (node: DirectedGraphNode): void => {
    const name = node.stateNode.path.join('.') || '(root)';
    found.push({ name, description: node.stateNode.description });
    for (const edge of node.edges) {
      found.push({ name: `${name} --${edge.label.text}-->`, description: edge.transition.description });
    }
    for (const child of node.children) visit(child);
  };
  visit(toDirectedGraph(machine));
  return found;
}

/** A leaf name as an XState state value: `A.b` becomes `{ A: 'b' }`. */
function stateValue(leaf: string): StateValue {
  const parts = leaf.split('.');
  let value: StateValue = parts[parts.length - 1] as string;
  for (let index = parts.length - 2; index >= 0; index--) value = { [parts[index] as string]: value };
  return value;
}

/** A snapshot of `machine` resting in `leaf`. */
export function snapshotIn(machine: AnyStateMachine, leaf: string): AnyMachineSnapshot {
  const snapshot = machine.resolveState({ value: stateValue(leaf), context: {} });
  assert(leafName(snapshot.value) === leaf, `could not resolve ${machine.id} to ${leaf}`);
  return snapshot;
}

/** The single active leaf of a non-parallel machine's state value. */
export function leafName(value: StateValue): string {
  if (typeof value === 'string') return value;
  const keys = Object.keys(value);
  assert(keys.length === 1, `expected one active child, got ${keys.join(', ')}`);
  const key = keys[0] as string;
  const child = value[key];
  return child === undefined ? key : `${key}.${leafName(child)}`;
}

/**
 * Every (leaf, event) pair the machine accepts, as `from --EVENT--> to` sorted, and the number
 * of pairs it refuses. `can` and `transition` are both asked, so a pair counts as accepted only
 * when XState would take it and lands where the line says.
 */
export function transitionTable(machine: AnyStateMachine): { accepted: string[]; refused: number } {
  const accepted: string[] = [];
  let refused = 0;
  for (const leaf of leafStates(machine)) {
    const snapshot = snapshotIn(machine, leaf);
    for (const type of eventTypes(machine)) {
      if (!snapshot.can({ type })) {
        refused++;
        continue;
      }
      const next = transition(machine, snapshot, { type })[0];
      accepted.push(`${leaf} --${type}--> ${leafName(next.value)}`);
    }
  }
  return { accepted: accepted.sort(), refused };
}
