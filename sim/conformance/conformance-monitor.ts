import { toDirectedGraph, type DirectedGraphNode } from '@xstate/graph';
import {
  initialTransition,
  transition,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type AnyStateNode,
  type StateValue,
} from 'xstate';
import { assert, assertIntegerInRange } from '../../impl/common/assert.ts';
import type { LifecycleEvent } from '../../impl/env/node-environment.ts';
import type { MachineCoverage } from '../run/run-result.ts';

/** Machines by the name a `transition` effect's `machine` field uses (see `model/index.ts`). */
export type MachineRegistry = Readonly<Record<string, AnyStateMachine>>;

/** The part of a `transition` effect the monitor judges. */
export interface TransitionObservation {
  readonly machine: string;
  readonly instance: string;
  readonly event: LifecycleEvent;
  readonly to: string;
  /**
   * The process that reported it (node and incarnation, e.g. `group-g2-1#5`). Required for a
   * machine the monitor was told is process-scoped, ignored for the others.
   */
  readonly process?: string;
}

/**
 * How many instances one machine may track. An instance is a node or a partition replica, so a
 * simulated cluster stays far below this; reaching it means instance names are being invented.
 */
export const MAX_INSTANCES_PER_MACHINE = 100_000;

/** The name used for the machine's root node when a transition is defined on the root itself. */
const ROOT_NAME = '(root)';

interface MachineRecord {
  readonly name: string;
  readonly machine: AnyStateMachine;
  /** Every state name, sorted; the root is not a state of its own. */
  readonly states: readonly string[];
  /** Every transition as `source --event--> target`, sorted and without duplicates. */
  readonly transitions: readonly string[];
  readonly stateSet: ReadonlySet<string>;
  readonly transitionSet: ReadonlySet<string>;
  readonly instances: Map<string, AnyMachineSnapshot>;
  /** Process-scoped machines only: the process whose object each instance is. */
  readonly processScoped: boolean;
  readonly processes: Map<string, string>;
  readonly statesReached: Set<string>;
  readonly transitionsTaken: Set<string>;
  rejected: number;
  /**
   * Whether the machine has no context and no guards, so that what an event does depends on the
   * state it comes in and its type alone: each (state, event type) is then worked out by XState
   * once and remembered in `steps` (a pure XState transition builds an actor scope each time).
   */
  readonly memoized: boolean;
  /** Per state name, per event type: what the event does there (`memoized` machines only). */
  readonly steps: Map<string, Map<string, Step>>;
  /** The initial snapshot (`memoized` machines only: a snapshot is immutable, and the same for every instance). */
  initial: AnyMachineSnapshot | undefined;
}

/** What one event does in one state of a context-free, guard-free machine. */
interface Step {
  readonly allowed: boolean;
  /** The transitions it takes, named as the graph names them. */
  readonly edges: readonly string[];
  readonly next: AnyMachineSnapshot;
  /** `stateValueName` of `next`. */
  readonly nextName: string;
  /** Every state `next` is in (`activeStateNames`). */
  readonly reached: readonly string[];
}

/**
 * Replays every lifecycle transition the implementation reports through the XState machine in
 * `model/` that specifies it. A transition the model does not allow, or one that lands the model
 * in a different state than the implementation claims, is a violation (DEVELOPERS.md: "A
 * transition the model does not allow is a violation, like any invariant").
 *
 * It also keeps coverage: which states and transitions of each machine some run exercised, in the
 * same names as the full lists enumerated from `@xstate/graph`'s `toDirectedGraph`, so that
 * reached / total is exact. State names are state-node paths joined with `.` (`running`,
 * `parent.child`); transitions are `source --event--> target` in those names.
 *
 * Per observation the cost is a map lookup and one pure XState transition.
 */
export class ConformanceMonitor {
  private readonly records = new Map<string, MachineRecord>();
  private lastAtMs = 0;

  /**
   * `processScoped` names the machines whose instance is an object inside one process, built anew
   * when the process starts again (`PROCESS_SCOPED_MACHINES` in `model/index.ts`): a report from a
   * process other than the one that reported the instance before is the first of a new object,
   * judged from the machine's initial state, whatever state the old process left it in.
   */
  constructor(registry: MachineRegistry, processScoped: readonly string[] = []) {
    for (const name of processScoped) assert(registry[name] !== undefined, `process-scoped machine '${name}' is not registered`);
    // Sorted so that coverage output never depends on the registry's insertion order.
    for (const name of Object.keys(registry).sort()) {
      const machine = registry[name];
      assert(machine !== undefined, `model machine '${name}' is registered as undefined`);
      const { states, transitions } = enumerateMachine(machine);
      this.records.set(name, {
        name,
        machine,
        states,
        transitions,
        stateSet: new Set(states),
        transitionSet: new Set(transitions),
        instances: new Map(),
        processScoped: processScoped.includes(name),
        processes: new Map(),
        statesReached: new Set(),
        transitionsTaken: new Set(),
        rejected: 0,
        memoized: contextAndGuardFree(machine),
        steps: new Map(),
        initial: undefined,
      });
    }
  }

  /**
   * Judges one reported transition. Returns a one-line violation message, or `undefined` when
   * the model allows the event and agrees on the resulting state.
   *
   * When the model allows the event but disagrees about the target, the model's snapshot still
   * advances (the model is the spec, so later events are judged from where the model says the
   * instance is) and its transition counts as taken; the report counts as rejected either way.
   */
  observe(atMs: number, effect: TransitionObservation): string | undefined {
    assertIntegerInRange(atMs, 0, Number.MAX_SAFE_INTEGER, 'conformance observation time');
    assert(atMs >= this.lastAtMs, `conformance observation at ${atMs} ms after one at ${this.lastAtMs} ms`);
    this.lastAtMs = atMs;

    const { machine: name, instance, event, to } = effect;
    const record = this.records.get(name);
    if (record === undefined) {
      return `unknown model machine '${name}' (instance ${instance}, event '${event.type}')`;
    }

    let snapshot = record.instances.get(instance);
    if (record.processScoped) {
      const reporter = effect.process;
      assert(reporter !== undefined, `${name} ${instance}: a process-scoped machine's transition names no process`);
      // A new process built the object again: the old one's state died with its process.
      if (record.processes.get(instance) !== reporter) snapshot = undefined;
      record.processes.set(instance, reporter);
    }
    if (snapshot === undefined) {
      assert(
        record.instances.size < MAX_INSTANCES_PER_MACHINE || record.instances.has(instance),
        `model machine '${name}' already tracks ${MAX_INSTANCES_PER_MACHINE} instances`,
      );
      snapshot = record.memoized ? (record.initial ??= initialTransition(record.machine)[0]) : initialTransition(record.machine)[0];
      record.instances.set(instance, snapshot);
      this.markReached(record, snapshot);
    }

    const from = stateValueName(snapshot.value);
    const step = this.step(record, from, snapshot, event);
    if (!step.allowed) {
      record.rejected++;
      return `${name} ${instance}: event '${event.type}' not allowed in state '${from}'`;
    }
    for (const edge of step.edges) record.transitionsTaken.add(edge);
    record.instances.set(instance, step.next);
    for (const state of step.reached) record.statesReached.add(state);

    const modelSays = step.nextName;
    if (modelSays !== to) {
      record.rejected++;
      return (
        `${name} ${instance}: event '${event.type}' from '${from}': ` +
        `implementation says '${to}', model says '${modelSays}'`
      );
    }
    return undefined;
  }

  /** What `event` does to `snapshot` (in state `from`): worked out by XState, once per state and event type where the machine allows. */
  private step(record: MachineRecord, from: string, snapshot: AnyMachineSnapshot, event: LifecycleEvent): Step {
    let byEvent = record.memoized ? record.steps.get(from) : undefined;
    const known = byEvent?.get(event.type);
    if (known !== undefined) return known;
    let step: Step;
    if (!snapshot.can(event)) {
      step = { allowed: false, edges: [], next: snapshot, nextName: from, reached: [] };
    } else {
      // The transition definitions that fire, named exactly as toDirectedGraph names its edges: a
      // targetless transition is an edge from its source node back to that node.
      const edges: string[] = [];
      for (const taken of record.machine.getTransitionData(snapshot, event)) {
        for (const target of taken.target ?? [taken.source]) {
          const edge = transitionName(taken.source, taken.eventType, target);
          assert(record.transitionSet.has(edge), `${record.name}: taken transition '${edge}' is not in the model's graph`);
          edges.push(edge);
        }
      }
      const next = transition(record.machine, snapshot, event)[0];
      const reached = activeStateNames(next.value);
      for (const state of reached) assert(record.stateSet.has(state), `${record.name}: reached state '${state}' is not in the model's graph`);
      step = { allowed: true, edges, next, nextName: stateValueName(next.value), reached };
    }
    if (record.memoized) {
      if (byEvent === undefined) {
        byEvent = new Map();
        record.steps.set(from, byEvent);
      }
      byEvent.set(event.type, step);
    }
    return step;
  }

  /** The model's current state of one instance, in the form `to` is compared against. */
  stateOf(machine: string, instance: string): string | undefined {
    const snapshot = this.records.get(machine)?.instances.get(instance);
    return snapshot === undefined ? undefined : stateValueName(snapshot.value);
  }

  /** Coverage of every registered machine, touched or not, sorted by machine name. */
  coverage(): MachineCoverage[] {
    return [...this.records.values()].map((record) => ({
      machine: record.name,
      states: record.states,
      statesReached: [...record.statesReached].sort(),
      transitions: record.transitions,
      transitionsTaken: [...record.transitionsTaken].sort(),
      rejected: record.rejected,
    }));
  }

  /**
   * Combines the coverage of two runs (or two partial sweeps): reached states and taken
   * transitions are unioned and rejections summed. A machine present in both must have the same
   * state and transition lists, since they come from the same model.
   */
  static mergeCoverage(a: readonly MachineCoverage[], b: readonly MachineCoverage[]): MachineCoverage[] {
    const byName = new Map<string, MachineCoverage>();
    for (const side of [a, b]) {
      const seen = new Set<string>();
      for (const coverage of side) {
        assert(!seen.has(coverage.machine), `machine '${coverage.machine}' appears twice in one coverage list`);
        seen.add(coverage.machine);
        const earlier = byName.get(coverage.machine);
        if (earlier === undefined) {
          byName.set(coverage.machine, coverage);
          continue;
        }
        assert(
          sameList(earlier.states, coverage.states),
          `coverage of '${coverage.machine}' was computed from two different sets of states`,
        );
        assert(
          sameList(earlier.transitions, coverage.transitions),
          `coverage of '${coverage.machine}' was computed from two different sets of transitions`,
        );
        byName.set(coverage.machine, {
          machine: coverage.machine,
          states: earlier.states,
          statesReached: union(earlier.statesReached, coverage.statesReached),
          transitions: earlier.transitions,
          transitionsTaken: union(earlier.transitionsTaken, coverage.transitionsTaken),
          rejected: earlier.rejected + coverage.rejected,
        });
      }
    }
    return [...byName.keys()].sort().map((name) => {
      const coverage = byName.get(name);
      assert(coverage !== undefined, `merged coverage lost machine '${name}'`);
      return {
        ...coverage,
        statesReached: [...coverage.statesReached].sort(),
        transitionsTaken: [...coverage.transitionsTaken].sort(),
      };
    });
  }

  private markReached(record: MachineRecord, snapshot: AnyMachineSnapshot): void {
    for (const state of activeStateNames(snapshot.value)) {
      assert(record.stateSet.has(state), `${record.name}: reached state '${state}' is not in the model's graph`);
      record.statesReached.add(state);
    }
  }
}

/**
 * Whether `machine` keeps no context and guards no transition (named or inline, eventless ones
 * included): then an event's effect depends on the state and the event's type alone.
 */
function contextAndGuardFree(machine: AnyStateMachine): boolean {
  if (machine.config.context !== undefined || Object.keys(machine.implementations.guards).length > 0) return false;
  const free = (node: AnyStateNode): boolean => {
    for (const definitions of node.transitions.values()) if (definitions.some((definition) => definition.guard !== undefined)) return false;
    if (node.always?.some((definition) => definition.guard !== undefined) === true) return false;
    return Object.values(node.states).every(free);
  };
  return free(machine.root);
}

/**
 * Every state and transition of `machine`, from `toDirectedGraph`, walked recursively so that
 * nested machines list their inner states and the transitions defined on them too.
 */
export function enumerateMachine(machine: AnyStateMachine): { states: string[]; transitions: string[] } {
  const states = new Set<string>();
  const transitions = new Set<string>();
  const visit = (node: DirectedGraphNode, isRoot: boolean): void => {
    if (!isRoot) states.add(stateNodeName(node.stateNode));
    for (const edge of node.edges) {
      transitions.add(transitionName(edge.source, edge.label.text, edge.target));
    }
    for (const child of node.children) visit(child, false);
  };
  visit(toDirectedGraph(machine), true);
  return { states: [...states].sort(), transitions: [...transitions].sort() };
}

/** A state node's path from the root, joined with `.`; the root itself is {@link ROOT_NAME}. */
function stateNodeName(node: AnyStateNode): string {
  return node.path.length === 0 ? ROOT_NAME : node.path.join('.');
}

function transitionName(source: AnyStateNode, eventType: string, target: AnyStateNode): string {
  return `${stateNodeName(source)} --${eventType}--> ${stateNodeName(target)}`;
}

/**
 * A state value as one string: a flat machine's value as is, a nested one as the path to its
 * active leaf joined with `.`, and a parallel one as its leaf paths (in definition order) joined
 * with `,`. This is the form a `transition` effect's `to` is written in.
 */
export function stateValueName(value: StateValue): string {
  const leaves: string[] = [];
  collectLeaves(value, '', leaves);
  return leaves.join(',');
}

function collectLeaves(value: StateValue, prefix: string, out: string[]): void {
  if (typeof value === 'string') {
    out.push(prefix + value);
    return;
  }
  const keys = Object.keys(value);
  if (keys.length === 0 && prefix !== '') {
    // A compound state with no active child (only possible while entering it) is its own leaf.
    out.push(prefix.slice(0, -1));
    return;
  }
  for (const key of keys) {
    const child = value[key];
    if (child === undefined) out.push(prefix + key);
    else collectLeaves(child, `${prefix}${key}.`, out);
  }
}

/** Every active state node's name: each leaf and all of its ancestors (but not the root). */
function activeStateNames(value: StateValue): string[] {
  const names: string[] = [];
  const walk = (current: StateValue, prefix: string): void => {
    if (typeof current === 'string') {
      names.push(prefix + current);
      return;
    }
    for (const key of Object.keys(current)) {
      names.push(prefix + key);
      const child = current[key];
      if (child !== undefined) walk(child, `${prefix}${key}.`);
    }
  };
  walk(value, '');
  return names;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, index) => item === b[index]);
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])].sort();
}
