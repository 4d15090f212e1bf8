import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../impl/env/node-environment.ts';
import type { SimEvent } from '../core/sim-event.ts';
import { AleaRandomStream } from '../random/random-stream.ts';
import type { FaultAction } from './fault-action.ts';
import type { FaultKind } from './fault-kind.ts';
import { Nemesis, OWN_STREAM_KINDS, planFaults, type ClusterControl } from './nemesis.ts';

/** A cluster that records what the nemesis does to it, and a scheduler that keeps the events. */
function harness(metadataSources: readonly NodeId[], seed = 7, kind: FaultKind = 'slow-metadata', controllersAreServers = false) {
  const calls: string[] = [];
  const events: { atMs: number; event: SimEvent }[] = [];
  const control = new Proxy({} as ClusterControl, {
    get: (_target, name: string) => (...args: unknown[]) => {
      if (name === 'isRunning') return true;
      calls.push(name === 'recordDecision' ? `${name} ${JSON.stringify(args[0])}` : `${name} ${args.join(' ')}`);
      return undefined;
    },
  });
  const scheduler = { nowMs: () => 0, schedule: (atMs: number, event: SimEvent) => void events.push({ atMs, event }) };
  const servers = ['broker-0', 'broker-1', 'broker-2', ...(controllersAreServers ? metadataSources : [])];
  const main = new AleaRandomStream(seed, 'faults');
  const own = new AleaRandomStream(seed, `faults:${kind}`);
  const nemesis = new Nemesis(
    { kinds: [kind], meanIntervalMs: { [kind]: 1_000 } },
    main,
    scheduler,
    control,
    servers,
    [...new Set([...servers, ...metadataSources, 'producer-0'])],
    metadataSources,
    (drawn) => (OWN_STREAM_KINDS.has(drawn) ? own : main),
  );
  return { calls, events, nemesis };
}

describe('slow-metadata', () => {
  it('slows the controller\'s links to one broker, then restores exactly those links', () => {
    for (let seed = 0; seed < 20; seed++) {
      const { calls, events, nemesis } = harness(['controller-0'], seed);
      nemesis.handle({ type: 'inject', kind: 'slow-metadata' });
      const added = calls.filter((call) => call.startsWith('addLinkLag'));
      expect(added.length).toBeGreaterThanOrEqual(1);
      expect(added[0]).toMatch(/^addLinkLag \d+ controller-0 broker-\d /);
      if (added.length === 2) expect(added[1]).toMatch(/^addLinkLag \d+ broker-\d controller-0 /);
      expect(calls.find((call) => call.startsWith('recordFault'))).toMatch(/^recordFault slow-metadata controller-0->broker-\d/);
      const end = events.map(({ event }) => event).find((event) => event.type === 'fault' && event.action.type === 'link-lag-end');
      expect(end).toBeDefined();
      calls.length = 0;
      nemesis.handle((end as { action: FaultAction }).action);
      expect(calls.filter((call) => call.startsWith('removeLinkLag')).length).toBe(added.length);
    }
  });

  it('with a controller quorum, slows the links from every controller to one broker, never a controller, so it strikes whichever is active', () => {
    const controllers = ['controller-0', 'controller-1', 'controller-2'];
    const struck = new Set<string>();
    for (let seed = 0; seed < 20; seed++) {
      const { calls, events, nemesis } = harness(controllers, seed, 'slow-metadata', true);
      nemesis.handle({ type: 'inject', kind: 'slow-metadata' });
      const added = calls.filter((call) => call.startsWith('addLinkLag'));
      const target = /^addLinkLag \d+ controller-0 (broker-\d) /.exec(added[0] ?? '')?.[1];
      expect(target).toBeDefined();
      struck.add(target as string);
      const links = added.map((call) => call.split(' ').slice(2, 4).join('->'));
      const toward = controllers.map((controller) => `${controller}->${target}`);
      const back = controllers.map((controller) => `${target}->${controller}`);
      // Each controller's link to the broker, each followed by the way back when both ways lag.
      expect(links.filter((link) => toward.includes(link))).toEqual(toward);
      expect([0, 3]).toContain(links.filter((link) => back.includes(link)).length);
      expect(links.length).toBe(3 + links.filter((link) => back.includes(link)).length);
      expect(calls.find((call) => call.startsWith('recordFault'))).toMatch(new RegExp(`^recordFault slow-metadata controller-0,controller-1,controller-2->${target}`));
      const end = events.map(({ event }) => event).find((event) => event.type === 'fault' && event.action.type === 'link-lag-end');
      calls.length = 0;
      nemesis.handle((end as { action: FaultAction }).action);
      expect(calls.filter((call) => call.startsWith('removeLinkLag')).length).toBe(added.length);
    }
    expect(struck.size).toBeGreaterThan(1);
  });

  it('is never drawn for a system without a metadata source, and does nothing if asked for', () => {
    for (let seed = 0; seed < 200; seed++) {
      expect(planFaults({ type: 'swarm' }, new AleaRandomStream(seed, 'faults'), ['slow-metadata']).kinds).not.toContain('slow-metadata');
    }
    const { calls, nemesis } = harness([]);
    nemesis.handle({ type: 'inject', kind: 'slow-metadata' });
    // Nothing struck: the schedule records an idle moment, nothing else happens.
    expect(calls).toEqual(['recordDecision {"at":0,"type":"idle","kind":"slow-metadata","reason":"no metadata source"}']);
  });
});

describe('link-stall', () => {
  it('holds one way between two servers for 2 to 30 s, then restores exactly that link', () => {
    for (let seed = 0; seed < 20; seed++) {
      const { calls, events, nemesis } = harness(['controller-0'], seed, 'link-stall');
      nemesis.handle({ type: 'inject', kind: 'link-stall' });
      const added = calls.filter((call) => call.startsWith('addLinkLag'));
      expect(added).toHaveLength(1);
      // Held (clogged), no extra latency, both ends servers.
      expect(added[0]).toMatch(/^addLinkLag \d+ broker-(\d) broker-(?!\1)\d 0 true$/);
      const end = events.find(({ event }) => event.type === 'fault' && event.action.type === 'link-lag-end');
      expect(end?.atMs).toBeGreaterThanOrEqual(2_000);
      expect(end?.atMs).toBeLessThanOrEqual(30_000);
      calls.length = 0;
      nemesis.handle((end?.event as { action: FaultAction }).action);
      expect(calls.filter((call) => call.startsWith('removeLinkLag'))).toHaveLength(1);
    }
  });

  it('draws from a stream of its own: adding it moved no other fault kind of any seed', () => {
    for (let seed = 0; seed < 200; seed++) {
      const own = new AleaRandomStream(seed, 'faults:link-stall');
      const main = new AleaRandomStream(seed, 'faults');
      const withStall = planFaults({ type: 'swarm' }, main, [], (kind) => (kind === 'link-stall' ? own : main));
      const without = planFaults({ type: 'swarm' }, new AleaRandomStream(seed, 'faults'), ['link-stall']);
      expect(withStall.kinds.filter((kind) => kind !== 'link-stall')).toEqual(without.kinds);
      for (const kind of without.kinds) expect(withStall.meanIntervalMs[kind]).toBe(without.meanIntervalMs[kind]);
    }
  });
});
