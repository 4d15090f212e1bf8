import { describe, expect, it } from 'vitest';
import { runSeed, type SeedRun } from './run-seed.ts';
import { TIMELINE_OPS_KEPT, TimelineRecorder, capSeries } from './run-timeline.ts';

const base: SeedRun = { seed: 3, durationMs: 10_000, brokers: 3, faults: { type: 'swarm' }, config: {}, variants: [], repro: 'test', system: 'ack-log' };

describe('run timeline', () => {
  it('is recorded only when asked, and changes nothing else of the run', () => {
    const plain = runSeed(base);
    const recorded = runSeed({ ...base, timeline: true });
    expect(plain.timeline).toBeUndefined();
    const { timeline, ...rest } = recorded;
    expect(rest).toEqual(plain);
    expect(timeline?.endMs).toBe(recorded.simulatedMs);
    expect(timeline?.nodes.map((lane) => [lane.node, lane.server])).toEqual([['server-0', true], ['server-1', true], ['server-2', true], ['client-0', false], ['client-1', false]]);
    expect(timeline?.nodes.every((lane) => lane.spans[0]?.status === 'running' && lane.spans[0].fromMs === 0)).toBe(true);
    expect(timeline?.ops.length).toBeGreaterThan(0);
    // The same run gives the same timeline.
    expect(runSeed({ ...base, timeline: true }).timeline).toEqual(timeline);
  });

  it('records status spans, folding two changes in one instant into the later', () => {
    const recorder = new TimelineRecorder();
    recorder.addNode('n', true);
    recorder.status('n', 0, 'running');
    recorder.status('n', 100, 'crashed');
    recorder.status('n', 100, 'running');
    recorder.status('n', 200, 'crashed');
    expect(recorder.build(300, undefined).nodes[0]?.spans).toEqual([
      { fromMs: 0, status: 'running' },
      { fromMs: 200, status: 'crashed' },
    ]);
  });

  it('pairs operations by process and caps them', () => {
    const recorder = new TimelineRecorder();
    for (let i = 0; i < TIMELINE_OPS_KEPT + 3; i++) {
      recorder.history({ type: 'invoke', process: 'p', f: 'send', node: 'c', atMs: i });
      recorder.history({ type: i % 2 === 0 ? 'ok' : 'info', process: 'p', f: 'send', node: 'c', atMs: i + 1 });
    }
    const built = recorder.build(1, undefined);
    expect(built.ops.length).toBe(TIMELINE_OPS_KEPT);
    expect(built.opsDropped).toBe(3);
    expect(built.ops[1]).toEqual({ node: 'c', f: 'send', outcome: 'info', invokeMs: 1, completeMs: 2 });
  });

  it('caps a series to one point per time bucket, keeping the last value', () => {
    const points = Array.from({ length: 1_000 }, (_, i) => [i, i * 2] as const);
    const capped = capSeries(points, 100, 1_000);
    expect(capped.length).toBe(100);
    expect(capped[capped.length - 1]).toEqual([999, 1998]);
    expect(capSeries(points.slice(0, 5), 100, 1_000)).toEqual(points.slice(0, 5));
  });
});
