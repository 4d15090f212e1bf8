import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FAULT_KINDS, type FaultKind } from '../nemesis/fault-kind.ts';
import type { RunResult } from '../run/run-result.ts';
import type { RunTimeline } from '../run/run-timeline.ts';
import { renderTimelinePage } from './timeline-svg.ts';
import { writeReport } from './write-report.ts';

const noFaults = Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>;

const timeline: RunTimeline = {
  endMs: 10_000,
  nodes: [
    { node: 'broker-0', server: true, spans: [{ fromMs: 0, status: 'running' }, { fromMs: 3_000, status: 'crashed' }, { fromMs: 5_000, status: 'running' }] },
    { node: 'broker-1', server: true, spans: [{ fromMs: 0, status: 'running' }] },
    { node: 'producer-0', server: false, spans: [{ fromMs: 0, status: 'running' }] },
  ],
  rows: [
    { name: 'broker 0 registration', node: 'broker-0', bands: [{ fromMs: 100, label: 'unfenced (broker epoch 0)', key: 0 }, { fromMs: 3_100, label: 'fenced (broker epoch 0)', key: -1 }], dropped: 0 },
    { name: 't-0', bands: [{ fromMs: 200, label: 'leader 0, epoch 0, ISR 0,1', key: 0 }, { fromMs: 3_200, label: 'leader 1, epoch 1, ISR 1', key: 1 }], series: { label: 'high watermark (leader)', points: [[300, 0], [1_000, 12], [4_000, 20]] }, dropped: 2 },
  ],
  ops: [
    { node: 'producer-0', f: 'send', outcome: 'ok', invokeMs: 400, completeMs: 420 },
    { node: 'producer-0', f: 'send', outcome: 'fail', invokeMs: 3_000, completeMs: 3_500 },
    { node: 'producer-0', f: 'send', outcome: 'info', invokeMs: 3_600, completeMs: 6_000 },
  ],
  opsDropped: 0,
};

function result(seed: number, overrides: Partial<RunResult> = {}): RunResult {
  return {
    seed, digest: 'd', simulatedMs: 10_000, events: 1, traceEntries: 1, verdict: 'safety',
    violations: [{ invariant: 'IsrHoldsCommitted', atMs: 7_000, message: 'ISR member 1 lacks <offset> 5', applies: true, explanation: ['claim  every ISR member holds committed records'] }],
    excused: [], faults: noFaults, faultsHeldBack: noFaults, faultsSkipped: noFaults,
    schedule: [
      { at: 3_000, type: 'fault', kind: 'crash', node: 'broker-0', end: 5_000 },
      { at: 2_000, type: 'fault', kind: 'partition', shape: 'isolate', blocked: [['broker-1', 'broker-0'], ['broker-0', 'broker-1']], end: 4_000 },
      { at: 6_000, type: 'held-back', kind: 'crash', reason: 'over budget' },
    ],
    config: {}, variants: [], repro: `npm run sim -- --seed ${seed}`, system: 'kafka (test)', invariants: [], machines: [], faultPlan: 'crash', summary: [],
    timeline,
    ...overrides,
  };
}

describe('timeline page', () => {
  const page = renderTimelinePage(result(1));

  it('is self-contained: no script, no external resource', () => {
    expect(page).not.toMatch(/<script|<link|src=|url\(http/i);
    expect(page.match(/https?:\/\/[^"]*/g)).toEqual(['http://www.w3.org/2000/svg']);
  });

  it('has a lane per node with its spans', () => {
    for (const node of ['broker-0', 'broker-1', 'producer-0']) expect(page).toContain(`<g class="lane node" data-node="${node}"`);
    const broker0 = page.match(/<g class="lane node" data-node="broker-0"[^]*?<\/g>/)?.[0] ?? '';
    expect(broker0.match(/<rect class="span (\w+)/g)).toEqual(['<rect class="span running', '<rect class="span crashed', '<rect class="span running']);
    // The partition cuts broker-0 and broker-1 off: a hatched strip on each lane.
    expect(broker0).toContain('class="cut"');
    expect(page.match(/class="cut"/g)?.length).toBe(2);
    // Fenced from 3100 ms (the registration row's key -1 band) is marked on broker-0's lane.
    expect(broker0).toContain('<rect class="mark" x="546.5" y="');
    expect(broker0).toContain('<title>broker 0 registration: fenced (broker epoch 0) from 3100 ms to 10000 ms</title>');
  });

  it('draws faults as labelled bars, not what was held back', () => {
    expect(page.match(/<g class="fault" data-kind="(\w+)"/g)).toEqual(['<g class="fault" data-kind="crash"', '<g class="fault" data-kind="partition"']);
    expect(page).toContain('partition (isolate): broker-1→broker-0, broker-0→broker-1');
  });

  it('draws each row with bands and the high watermark line', () => {
    const row = page.match(/<g class="row" data-row="t-0">[^]*?<\/polyline><\/g>/)?.[0] ?? '';
    expect(row.match(/<g class="band"/g)?.length).toBe(2);
    expect(row).toContain('leader 1, epoch 1, ISR 1');
    expect(row).toContain('<polyline class="series"');
    expect(row).toContain('t-0 high watermark (leader): 20 at the end, 20 at most');
    expect(row).toContain('2 older changes not kept');
    expect(page).toContain('data-row="broker 0 registration"');
    expect(page).toContain('fill="url(#hatch)"');
  });

  it('draws operations coloured by outcome', () => {
    expect(page.match(/<rect class="op (\w+)"/g)).toEqual(['<rect class="op ok"', '<rect class="op fail"', '<rect class="op info"']);
    expect(page).toContain('producer-0: 1 ok, 1 fail, 1 info; longest 2400 ms');
  });

  it('marks the violation with its claim, escaped', () => {
    expect(page).toContain('<g class="violation" data-invariant="IsrHoldsCommitted" data-at-ms="7000"><title>IsrHoldsCommitted at 7000 ms: ISR member 1 lacks &lt;offset&gt; 5\nclaim  every ISR member holds committed records</title>');
  });

  it('renders the same run to the same bytes', () => {
    expect(renderTimelinePage(result(1))).toBe(page);
  });
});

describe('writeReport with timelines', () => {
  const dir = mkdtempSync(join(tmpdir(), 'refka-timeline-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes timeline.html for a single run and links it', () => {
    writeReport(join(dir, 'one'), [result(1)]);
    expect(readFileSync(join(dir, 'one', 'timeline.html'), 'utf8')).toBe(renderTimelinePage(result(1)));
    expect(readFileSync(join(dir, 'one', 'index.html'), 'utf8')).toContain('<a href="timeline.html">seed 1</a>');
  });

  it('writes seed-N.html for the seeds of a sweep that carry a timeline', () => {
    const { timeline: _timeline, ...passing } = result(2, { verdict: 'pass', violations: [] });
    writeReport(join(dir, 'sweep'), [passing, result(3)]);
    const index = readFileSync(join(dir, 'sweep', 'index.html'), 'utf8');
    expect(index).toContain('<a href="seed-3.html">seed 3</a>');
    expect(index).not.toContain('seed-2.html');
    expect(readFileSync(join(dir, 'sweep', 'seed-3.html'), 'utf8')).toContain('refka timeline: seed 3 (safety)');
  });
});
