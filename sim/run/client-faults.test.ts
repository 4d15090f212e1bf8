import { describe, expect, it } from 'vitest';
import type { Message, NodeEffect, NodeInput, SimulatedNode } from '../../impl/env/node-environment.ts';
import type { TraceSink } from '../core/trace.ts';
import type { FaultKind } from '../nemesis/fault-kind.ts';
import { DEFAULT_NETWORK_OPTIONS } from '../network/sim-network.ts';
import { Simulation } from './simulation.ts';
import { DEFAULT_SIMULATION_OPTIONS } from './simulation-options.ts';
import type { ClusterView, SystemDefinition } from './system.ts';

interface Tick extends Message {
  readonly type: 'tick';
  readonly seq: number;
}

/**
 * A server that sends its client a numbered message every 100 ms, and a client that opens one
 * history operation per message (`recv`, completed at the next message) and stalls when told to:
 * enough to see what the client fault kinds do to a process.
 */
class Node implements SimulatedNode<Tick> {
  private seq = 0;
  private open = false;
  private stalls = 0;

  constructor(private readonly id: string) {}

  handle(input: NodeInput<Tick>): readonly NodeEffect<Tick>[] {
    switch (input.type) {
      case 'start':
        return this.id === 'server' ? [{ type: 'set-timer', name: 'send', delayMs: 100 }] : [];
      case 'timer':
        return [{ type: 'send', to: 'client', message: { type: 'tick', seq: this.seq++ } }, { type: 'set-timer', name: 'send', delayMs: 100 }];
      case 'receive': {
        const effects: NodeEffect<Tick>[] = [];
        if (this.open) effects.push({ type: 'history', record: { type: 'ok', process: 'client', f: 'recv', value: null } });
        effects.push({ type: 'history', record: { type: 'invoke', process: 'client', f: 'recv', value: { seq: input.message.seq } } });
        this.open = true;
        return effects;
      }
      case 'application-stall':
        this.stalls++;
        return [
          { type: 'history', record: { type: 'invoke', process: 'stall', f: 'stall', value: input.durationMs } },
          { type: 'history', record: { type: 'ok', process: 'stall', f: 'stall', value: this.stalls } },
        ];
      case 'disconnected':
      case 'signal':
        return [];
      default:
        return input satisfies never;
    }
  }
}

class Lines implements TraceSink {
  readonly entries: { atMs: number; kind: string; node: string; name: string; value: number; detail: string }[] = [];
  write(line: string): void {
    this.entries.push(JSON.parse(line) as Lines['entries'][number]);
  }
}

function run(kind: FaultKind, seed: number, faultable = true) {
  const system: SystemDefinition<Tick, Node, ClusterView<Node>> = {
    name: 'client faults',
    servers: ['server'],
    clients: ['client'],
    ...(faultable ? { faultableClients: ['client'] } : {}),
    config: {},
    variants: [],
    invariants: [],
    createNode: (id) => new Node(id),
    view: (cluster) => cluster,
    pendingConvergence: () => undefined,
  };
  const sink = new Lines();
  const result = new Simulation(
    { ...DEFAULT_SIMULATION_OPTIONS, seed, repro: 'x', durationMs: 60_000, healTimeoutMs: 1_000, eventBudget: 200_000, network: DEFAULT_NETWORK_OPTIONS, faults: { type: 'kinds', kinds: [kind] }, traceSink: sink },
    system,
  ).run();
  return { result, trace: sink.entries };
}

describe('client fault kinds', () => {
  it('client-pause: nothing is handled while paused, then everything in order at the resume', () => {
    const { result, trace } = run('client-pause', 1);
    expect(result.verdict).toBe('pass');
    const pauses = trace.filter((entry) => entry.kind === 'node' && entry.node === 'client' && entry.name === 'pause');
    const resumes = trace.filter((entry) => entry.kind === 'node' && entry.node === 'client' && entry.name === 'resume');
    expect(pauses.length).toBeGreaterThan(1);
    expect(resumes.length).toBe(pauses.length);
    for (const [index, pause] of pauses.entries()) {
      const resume = resumes[index] as (typeof resumes)[number];
      expect(resume.atMs - pause.atMs).toBeGreaterThanOrEqual(1_000);
      // Messages kept arriving (the kernel takes them) but none was handled until the resume.
      const handled = trace.filter((entry) => entry.kind === 'history' && entry.atMs > pause.atMs && entry.atMs < resume.atMs);
      expect(handled).toEqual([]);
      expect(trace.some((entry) => entry.kind === 'deliver' && entry.node === 'client' && entry.atMs > pause.atMs && entry.atMs < resume.atMs)).toBe(true);
      expect(Number(resume.detail.split(' ')[0])).toBeGreaterThan(0);
    }
    // Every message handled exactly once and in order, paused or not.
    const seqs = trace.filter((entry) => entry.kind === 'history' && entry.detail.startsWith('invoke')).map((entry) => (JSON.parse(entry.detail.slice('invoke recv '.length)) as { seq: number }).seq);
    expect(seqs).toEqual(seqs.map((_, index) => (seqs[0] as number) + index));
  });

  it('client-crash: the process restarts, and what it left open ends info (Jepsen\'s crashed process)', () => {
    const { result, trace } = run('client-crash', 2);
    expect(result.verdict).toBe('pass');
    expect(result.faults['client-crash']).toBeGreaterThan(0);
    const crashes = trace.filter((entry) => entry.kind === 'node' && entry.node === 'client' && entry.name === 'crash');
    expect(crashes.length).toBe(result.faults['client-crash']);
    for (const crash of crashes) {
      // An operation open at the crash (the client's last record before it was an invoke) ends
      // info at that instant; a client that had opened none since its restart leaves nothing.
      const last = trace.filter((entry) => entry.kind === 'history' && entry.atMs < crash.atMs).at(-1);
      const closed = trace.find((entry) => entry.kind === 'history' && entry.atMs === crash.atMs && entry.detail.startsWith('info recv'));
      expect(closed !== undefined).toBe(last?.detail.startsWith('invoke') === true);
      if (closed !== undefined) expect(closed.detail.slice('info recv '.length)).toBe(last?.detail.slice('invoke recv '.length));
      const restart = trace.find((entry) => entry.kind === 'node' && entry.node === 'client' && entry.name === 'start' && entry.atMs > crash.atMs);
      expect((restart?.atMs ?? Infinity) - crash.atMs).toBeGreaterThanOrEqual(200);
    }
  });

  it('client-stall reaches the client\'s application as an input', () => {
    const { result, trace } = run('client-stall', 3);
    expect(result.faults['client-stall']).toBeGreaterThan(0);
    expect(result.verdict).toBe('pass');
    const stalls = trace.filter((entry) => entry.kind === 'history' && entry.name === 'stall' && entry.detail.startsWith('invoke'));
    expect(stalls.length).toBe(result.faults['client-stall']);
    for (const stall of stalls) expect(Number(stall.detail.split(' ')[2])).toBeGreaterThanOrEqual(5_000);
  });

  it('a system without faultable clients never draws them', () => {
    for (const kind of ['client-crash', 'client-pause', 'client-stall'] as const) {
      const { result } = run(kind, 4, false);
      expect(result.faults[kind]).toBe(0);
      expect(result.faultPlan).toBe('none');
    }
  });
});
