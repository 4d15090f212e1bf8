import { describe, expect, it } from 'vitest';
import { BoundedRing } from './bounded-ring.ts';
import { Trace, type TraceEntry } from './trace.ts';

const entry = (atMs: number, kind: TraceEntry['kind'], name = 'x'): TraceEntry => ({ atMs, kind, node: 'n', peer: 'p', name, value: 1, detail: '' });

describe('Trace: lines that describe the run stay out of the digest', () => {
  it('gives the same digest and count with annotations and message summaries as without a sink', () => {
    const plain = new Trace(undefined);
    const lines: string[] = [];
    const described = new Trace({ write: (line) => void lines.push(line) }, { summarize: (message) => `summary of ${String(message)}` });
    described.annotate({ atMs: 0, kind: 'header', node: '', peer: '', name: 'refka', value: 0, detail: 'seed 1', header: { seed: 1 } });
    for (const trace of [plain, described]) trace.record(entry(1, 'send', 'ProduceRequest'), 'm1');
    described.annotate({ atMs: 1, kind: 'state', node: 'broker-0', peer: '', name: 't-0', value: 3, detail: 'leader' });
    for (const trace of [plain, described]) trace.record(entry(2, 'timer'));
    expect(described.digest.hex()).toBe(plain.digest.hex());
    expect(described.entries).toBe(2);
    expect(lines.map((line) => JSON.parse(line) as { kind: string; summary?: string })).toEqual([
      expect.objectContaining({ kind: 'header', header: { seed: 1 } }),
      expect.objectContaining({ kind: 'send', summary: 'summary of m1' }),
      expect.objectContaining({ kind: 'state', detail: 'leader' }),
      expect.not.objectContaining({ summary: expect.anything() }),
    ]);
  });

  it('keeps the run events (faults, heals, processes, phases) in a bounded ring', () => {
    const ring = new BoundedRing<TraceEntry>(2);
    const trace = new Trace(undefined, { runEvents: ring });
    trace.record(entry(1, 'fault'));
    trace.record(entry(2, 'send'));
    trace.record(entry(3, 'node'));
    trace.record(entry(4, 'heal'));
    expect(ring.toArray().map((kept) => kept.kind)).toEqual(['node', 'heal']);
    expect(ring.dropped).toBe(1);
  });
});
