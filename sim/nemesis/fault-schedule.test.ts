import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../impl/env/node-environment.ts';
import type { SimEvent } from '../core/sim-event.ts';
import type { FaultAction } from './fault-action.ts';
import { scheduleFileText, type ScheduleEntry, type ScheduleFile } from './fault-schedule.ts';
import type { ClusterControl } from './nemesis.ts';
import { checkScheduleTargets, parseScheduleFile, type ScheduleTargets } from './schedule-file.ts';
import { ScriptedNemesis } from './scripted-nemesis.ts';

const SERVERS = ['broker-0', 'broker-1', 'broker-2'];
const TARGETS: ScheduleTargets = {
  servers: SERVERS,
  clients: ['controller', 'admin', 'group-g1-0'],
  faultableClients: ['group-g1-0'],
  metadataSources: ['controller'],
  durationMs: 60_000,
};

/** One entry of every shape, as the nemesis writes them. */
const ENTRIES: readonly ScheduleEntry[] = [
  { at: 100, type: 'fault', kind: 'crash', node: 'broker-0', end: 2_000 },
  { at: 200, type: 'fault', kind: 'cluster-power-loss', end: 9_000 },
  { at: 300, type: 'fault', kind: 'partition', shape: 'halves', blocked: [['broker-0', 'broker-1'], ['broker-1', 'broker-0']], end: 4_000 },
  { at: 400, type: 'fault', kind: 'connection-break', nodes: ['broker-2', 'admin'] },
  { at: 500, type: 'fault', kind: 'link-lag', from: 'admin', to: 'broker-1', latencyMs: 0, clogged: true, end: 900 },
  { at: 600, type: 'fault', kind: 'link-stall', from: 'broker-1', to: 'broker-2', end: 5_000 },
  { at: 700, type: 'fault', kind: 'slow-metadata', from: ['controller'], to: 'broker-2', bothWays: true, latencyMs: 700, clogged: false, end: 3_000 },
  { at: 800, type: 'fault', kind: 'client-stall', node: 'group-g1-0', end: 6_000 },
  { at: 900, type: 'held-back', kind: 'power-loss', reason: 'broker-1: over budget' },
  { at: 1_000, type: 'skipped', kind: 'crash', reason: 'broker-0 is not running' },
  { at: 61_000, type: 'idle', kind: 'crash', reason: 'after the heal' },
];

function file(entries: readonly unknown[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ version: 1, args: ['--seed', '1'], plan: 'crash/1.0s', entries, ...extra });
}

describe('schedule files', () => {
  it('read back what they were written from, byte for byte when written again', () => {
    const written: ScheduleFile = { version: 1, args: ['--seed', '7', '--no-groups'], plan: 'crash/2.0s partition/3.1s', entries: ENTRIES };
    const text = scheduleFileText(written);
    const read = parseScheduleFile(text);
    expect(read).toEqual(written);
    expect(scheduleFileText(read as ScheduleFile)).toBe(text);
    // One entry per line: deleting a fault is deleting a line.
    expect(text.split('\n').filter((line) => line.includes('"at":'))).toHaveLength(ENTRIES.length);
    expect(checkScheduleTargets(ENTRIES, TARGETS)).toBeUndefined();
  });

  it('name what is wrong in one line', () => {
    const crash = { at: 100, type: 'fault', kind: 'crash', node: 'broker-0', end: 2_000 };
    const cases: [string, RegExp][] = [
      ['{"version": 1,', /^not JSON: /],
      [JSON.stringify([1, 2]), /^the file must be a JSON object/],
      [file([], { version: 2 }), /^version must be 1 .*got 2$/],
      [file([], { version: undefined }), /^version must be 1 .*got nothing$/],
      [file([], { args: '--seed 1' }), /^args must be a list of strings/],
      [file([], { extra: true }), /^the file has an unknown field 'extra'/],
      [file([{ ...crash, kind: 'boom' }]), /^entries\[0\]\.kind: unknown fault kind 'boom'; the kinds are crash, /],
      [file([{ ...crash, at: -5 }]), /^entries\[0\]\.at must be a whole number of milliseconds, 0 or more, got -5$/],
      [file([{ ...crash, at: 1.5 }]), /^entries\[0\]\.at must be a whole number/],
      [file([{ ...crash, end: 100 }]), /^entries\[0\]\.end must be .* after its at, 100 or more, got 100$/],
      [file([{ ...crash, type: 'maybe' }]), /^entries\[0\]\.type must be fault, held-back, skipped or idle, got 'maybe'$/],
      [file([{ ...crash, shape: 'isolate' }]), /^entries\[0\] has an unknown field 'shape'/],
      [file([{ ...crash, node: 7 }]), /^entries\[0\]\.node must be a node's name/],
      [file([crash, { ...crash, at: 50 }]), /^entries\[1\]\.at 50 is before entries\[0\]\.at 100: entries must be in time order$/],
      [file([{ at: 1, type: 'fault', kind: 'link-lag', from: 'a', to: 'a', latencyMs: 5, clogged: false, end: 9 }]), /from and to are both 'a'/],
      [file([{ at: 1, type: 'fault', kind: 'link-lag', from: 'a', to: 'b', latencyMs: 5, clogged: true, end: 9 }]), /latencyMs must be 0, got 5$/],
      [file([{ at: 1, type: 'fault', kind: 'partition', shape: 'square', blocked: [], end: 9 }]), /^entries\[0\]\.shape must be one of isolate, halves, one-way, bridge/],
      [file([{ at: 1, type: 'fault', kind: 'connection-break', nodes: ['a'] }]), /^entries\[0\]\.nodes must be two nodes' names/],
      [file([{ at: 1, type: 'held-back', kind: 'crash' }]), /^entries\[0\]\.reason must be a string, got nothing$/],
      [file([{ at: 1, type: 'fault', kind: 'slow-metadata', from: 'controller', to: 'b', bothWays: false, latencyMs: 5, clogged: false, end: 9 }]), /^entries\[0\]\.from must be a list of the metadata sources \(for Kafka, its controllers\), got 'controller'$/],
      [file([{ at: 1, type: 'fault', kind: 'slow-metadata', from: ['c', 'c'], to: 'b', bothWays: false, latencyMs: 5, clogged: false, end: 9 }]), /^entries\[0\]\.from names a node twice$/],
      [file([{ at: 1, type: 'fault', kind: 'slow-metadata', from: ['c', 'b'], to: 'b', bothWays: false, latencyMs: 5, clogged: false, end: 9 }]), /is one of the metadata sources/],
    ];
    for (const [text, expected] of cases) {
      const problem = parseScheduleFile(text);
      expect(typeof problem, text).toBe('string');
      expect(problem as string).toMatch(expected);
      expect(problem as string).not.toContain('\n');
    }
  });

  it('must name nodes the run has, in the roles their kinds strike, before the heal', () => {
    const check = (entry: ScheduleEntry): string | undefined => checkScheduleTargets([entry], TARGETS);
    expect(check({ at: 1, type: 'fault', kind: 'crash', node: 'broker-9', end: 5 })).toMatch(/^entries\[0\]\.node: crash strikes a server, and 'broker-9' is not one \(servers: broker-0, broker-1, broker-2\)$/);
    expect(check({ at: 1, type: 'fault', kind: 'crash', node: 'admin', end: 5 })).toMatch(/crash strikes a server/);
    expect(check({ at: 1, type: 'fault', kind: 'client-pause', node: 'admin', end: 5 })).toMatch(/client-pause strikes a client the run lets faults strike, and 'admin' is not one \(they are: group-g1-0\)/);
    expect(check({ at: 1, type: 'fault', kind: 'connection-break', nodes: ['broker-0', 'nobody'] })).toMatch(/^entries\[0\]\.nodes: unknown node 'nobody'; this run's nodes are broker-0, /);
    expect(check({ at: 1, type: 'fault', kind: 'partition', shape: 'one-way', blocked: [['broker-0', 'ghost']], end: 5 })).toMatch(/^entries\[0\]\.blocked\[0\]: unknown node 'ghost'/);
    expect(check({ at: 1, type: 'fault', kind: 'link-stall', from: 'broker-0', to: 'admin', end: 5 })).toMatch(/link-stall strikes a server/);
    expect(check({ at: 1, type: 'fault', kind: 'slow-metadata', from: ['broker-0'], to: 'broker-1', bothWays: false, latencyMs: 9, clogged: false, end: 5 })).toMatch(/from all the metadata sources, controller, not from 'broker-0'/);
    expect(check({ at: 60_000, type: 'fault', kind: 'crash', node: 'broker-0', end: 60_005 })).toMatch(/^entries\[0\]\.at 60000 is not before the heal at 60000 ms/);
    expect(check({ at: 60_000, type: 'idle', kind: 'crash', reason: 'after the heal' })).toBeUndefined();
  });
});

/**
 * A cluster of three servers and one faultable client that keeps which nodes run, records every
 * call, and answers the fault budget as told; a scheduler whose clock the test moves.
 */
function harness(entries: readonly ScheduleEntry[], budget: (nodes: readonly NodeId[]) => string | undefined = () => undefined) {
  const running = new Set([...SERVERS, 'group-g1-0']);
  const calls: string[] = [];
  const decisions: ScheduleEntry[] = [];
  const events: { atMs: number; event: SimEvent }[] = [];
  let nowMs = 0;
  const control = new Proxy({} as ClusterControl, {
    get: (_target, name: string) => (...args: unknown[]) => {
      const node = args[0] as NodeId;
      switch (name) {
        case 'isRunning':
          return running.has(node);
        case 'isPaused':
          return false;
        case 'dataFaultBudget':
          return budget(args[1] as readonly NodeId[]);
        case 'recordDecision':
          decisions.push(args[0] as ScheduleEntry);
          return undefined;
        case 'crash':
        case 'powerLoss':
          running.delete(node);
          break;
        case 'start':
          running.add(node);
          break;
      }
      calls.push(`${name} ${args.join(' ')}`);
      return undefined;
    },
  });
  const scheduler = { nowMs: () => nowMs, schedule: (atMs: number, event: SimEvent) => void events.push({ atMs, event }) };
  const nemesis = new ScriptedNemesis(entries, scheduler, control, SERVERS);
  /** Handles every scheduled event due up to `untilMs`, in (time, scheduling) order. */
  const runUntil = (untilMs: number): void => {
    for (;;) {
      const due = events.map((item, index) => ({ ...item, index })).filter((item) => item.atMs <= untilMs).sort((a, b) => a.atMs - b.atMs || a.index - b.index)[0];
      if (due === undefined) break;
      events.splice(due.index, 1);
      nowMs = due.atMs;
      nemesis.handle((due.event as { action: FaultAction }).action);
    }
    nowMs = untilMs;
  };
  return { calls, decisions, nemesis, runUntil, setNow: (ms: number) => void (nowMs = ms), running };
}

describe('the scripted nemesis', () => {
  it('plays each entry at its time and repairs it at its end, drawing nothing', () => {
    const { calls, decisions, nemesis, runUntil, running } = harness([
      { at: 100, type: 'fault', kind: 'crash', node: 'broker-1', end: 2_000 },
      { at: 150, type: 'fault', kind: 'link-stall', from: 'broker-0', to: 'broker-2', end: 1_000 },
    ]);
    nemesis.start();
    runUntil(500);
    expect(calls).toEqual(['crash broker-1', 'recordFault crash broker-1', 'addLinkLag 2 broker-0 broker-2 0 true', 'recordFault link-stall broker-0->broker-2']);
    expect(running.has('broker-1')).toBe(false);
    runUntil(5_000);
    expect(calls.slice(4)).toEqual(['removeLinkLag 2 broker-0 broker-2', 'start broker-1']);
    expect(decisions.map((entry) => entry.type)).toEqual(['fault', 'fault']);
  });

  it('skips, counts and traces a fault its target cannot take, and what was due before the faults started', () => {
    const { calls, decisions, nemesis, runUntil, setNow } = harness([
      { at: 50, type: 'fault', kind: 'power-loss', node: 'broker-2', end: 90 },
      { at: 100, type: 'fault', kind: 'crash', node: 'broker-1', end: 2_000 },
      { at: 200, type: 'fault', kind: 'crash', node: 'broker-1', end: 3_000 },
      { at: 300, type: 'fault', kind: 'controlled-shutdown', node: 'broker-1', end: 3_000 },
    ]);
    setNow(80);
    nemesis.start();
    runUntil(1_000);
    expect(decisions).toEqual([
      { at: 50, type: 'skipped', kind: 'power-loss', reason: 'due at 50 ms, before the faults started at 80 ms' },
      { at: 100, type: 'fault', kind: 'crash', node: 'broker-1', end: 2_000 },
      { at: 200, type: 'skipped', kind: 'crash', reason: 'broker-1 is not running' },
      { at: 300, type: 'skipped', kind: 'controlled-shutdown', reason: 'broker-1 is not running' },
    ]);
    expect(calls.filter((call) => call.startsWith('recordSkipped'))).toEqual([
      'recordSkipped power-loss due at 50 ms, before the faults started at 80 ms',
      'recordSkipped crash broker-1 is not running',
      'recordSkipped controlled-shutdown broker-1 is not running',
    ]);
    // The fault that did strike is repaired by its own restart, once.
    runUntil(5_000);
    expect(calls.filter((call) => call.startsWith('start'))).toEqual(['start broker-1']);
  });

  it('holds back a fault over the budget, as the drawing nemesis would, and replays held-back entries as such', () => {
    const { calls, decisions, nemesis, runUntil } = harness(
      [
        { at: 100, type: 'fault', kind: 'power-loss', node: 'broker-0', end: 2_000 },
        { at: 200, type: 'held-back', kind: 'disk-loss', reason: 'broker-2: earlier' },
        { at: 300, type: 'fault', kind: 'cluster-power-loss', end: 2_000 },
      ],
      (nodes) => (nodes.length === 1 ? undefined : 'too many'),
    );
    nemesis.start();
    runUntil(1_000);
    expect(decisions.map((entry) => entry.type)).toEqual(['fault', 'held-back', 'held-back']);
    expect(decisions[2]).toEqual({ at: 300, type: 'held-back', kind: 'cluster-power-loss', reason: 'too many' });
    expect(calls.filter((call) => call.startsWith('recordHeldBack'))).toEqual(['recordHeldBack disk-loss broker-2: earlier', 'recordHeldBack cluster-power-loss too many']);
  });

  it('ignores what comes after the heal, as idle, and schedules nothing of that kind after it', () => {
    const { calls, decisions, nemesis, runUntil } = harness([
      { at: 100, type: 'fault', kind: 'crash', node: 'broker-0', end: 9_000 },
      { at: 6_000, type: 'fault', kind: 'crash', node: 'broker-1', end: 7_000 },
      { at: 8_000, type: 'idle', kind: 'crash', reason: 'after the heal' },
    ]);
    nemesis.start();
    runUntil(5_000);
    nemesis.heal();
    runUntil(20_000);
    expect(decisions.map((entry) => `${entry.at} ${entry.type}`)).toEqual(['100 fault', '6000 idle']);
    expect(calls).toEqual(['crash broker-0', 'recordFault crash broker-0']);
  });
});
