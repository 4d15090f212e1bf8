import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAULT_KINDS, type FaultKind } from '../nemesis/fault-kind.ts';
import type { InvariantStats, MachineCoverage, RunResult } from '../run/run-result.ts';
import { buildCoverageReport, MAX_FAILURES_LISTED, MAX_RUNS_LISTED, MAX_SEEDS_LISTED, type CoverageReport } from './coverage-report.ts';
import { escapeHtml, renderHtmlReport } from './html-report.ts';
import { REPORT_FILES, serializeCoverageReport, writeReport } from './write-report.ts';

function faults(counts: Partial<Record<FaultKind, number>>): Record<FaultKind, number> {
  const all = Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>;
  return { ...all, ...counts };
}

function stats(
  name: string,
  kind: InvariantStats['kind'],
  counts: { checked: number; hit: number; violations?: number; applies?: boolean; reason?: string },
): InvariantStats {
  const base: InvariantStats = {
    name,
    kind,
    source: `source of ${name}`,
    statement: `statement of ${name}`,
    excused: 0,
    applies: counts.applies ?? true,
    checked: counts.checked,
    hit: counts.hit,
    violations: counts.violations ?? 0,
  };
  return counts.reason === undefined ? base : { ...base, notApplicableReason: counts.reason };
}

const STATES = ['running', 'stopped', 'crashed', 'recovering'];
const TRANSITIONS = [
  'running --CRASH--> crashed',
  'running --STOP--> stopped',
  'crashed --RESTART--> recovering',
  'recovering --RECOVERED--> running',
];

function machine(reached: string[], taken: string[], rejected = 0): MachineCoverage {
  return {
    machine: 'node-process',
    states: STATES,
    statesReached: reached,
    transitions: TRANSITIONS,
    transitionsTaken: taken,
    rejected,
  };
}

function run(overrides: Partial<RunResult> & Pick<RunResult, 'seed' | 'verdict'>): RunResult {
  return {
    digest: `digest-${overrides.seed}`,
    simulatedMs: 10_000,
    events: 500,
    traceEntries: 900,
    violations: [],
    excused: [],
    faults: faults({}),
    faultsHeldBack: faults({}),
    faultsSkipped: faults({}),
    schedule: [],
    config: { 'replication.factor': '3' },
    variants: [],
    repro: `npm run sim -- --seed ${overrides.seed}`,
    system: 'ack-log',
    invariants: [],
    machines: [],
    faultPlan: 'crash,partition',
    summary: [],
    ...overrides,
  };
}

/** Three runs: a pass, a safety failure and a crash, given out of seed order on purpose. */
function fixture(): RunResult[] {
  const passing = run({
    seed: 7,
    verdict: 'pass',
    faults: faults({ crash: 2, partition: 1 }),
    invariants: [
      stats('acked-write-survives', 'always', { checked: 40, hit: 40 }),
      stats('torn-write-recovered', 'sometimes', { checked: 3, hit: 3 }),
      stats('unclean-election-loses-data', 'always', {
        checked: 40,
        hit: 39,
        violations: 1,
        applies: false,
        reason: 'unclean.leader.election.enable is true',
      }),
      stats('all-servers-running', 'eventually', { checked: 1, hit: 1 }),
      stats('never-checked', 'always', { checked: 0, hit: 0 }),
    ],
    machines: [machine(['running', 'crashed'], ['running --CRASH--> crashed'])],
  });
  const unsafe = run({
    seed: 3,
    verdict: 'safety',
    faults: faults({ 'power-loss': 1, crash: 1 }),
    violations: [
      { invariant: 'unclean-election-loses-data', atMs: 100, message: 'ignored, does not apply', applies: false },
      { invariant: 'acked-write-survives', atMs: 900, message: 'offset 12 lost', applies: true },
      { invariant: 'acked-write-survives', atMs: 400, message: 'offset 5 lost', applies: true },
    ],
    invariants: [
      stats('acked-write-survives', 'always', { checked: 30, hit: 28, violations: 2 }),
      stats('torn-write-recovered', 'sometimes', { checked: 0, hit: 0 }),
      stats('unclean-election-loses-data', 'always', {
        checked: 30,
        hit: 29,
        violations: 1,
        applies: false,
        reason: 'unclean.leader.election.enable is true',
      }),
      stats('all-servers-running', 'eventually', { checked: 1, hit: 1 }),
      stats('never-checked', 'always', { checked: 0, hit: 0 }),
    ],
    machines: [
      machine(['running', 'recovering'], ['crashed --RESTART--> recovering', 'recovering --RECOVERED--> running'], 1),
    ],
  });
  const crashed = run({
    seed: 11,
    verdict: 'crash',
    crash: { message: 'assertion failed: offset < 0', stack: 'AssertionError at /home/someone/refka/impl/x.ts:1' },
    // Only some invariants were reported before the crash; the rest must still be counted from
    // the other runs.
    invariants: [stats('acked-write-survives', 'always', { checked: 2, hit: 2 })],
    machines: [machine(['running'], [])],
  });
  return [passing, unsafe, crashed];
}

function invariant(report: CoverageReport, name: string) {
  const found = report.invariants.find((entry) => entry.name === name);
  expect(found, `invariant ${name} in report`).toBeDefined();
  return found!;
}

describe('buildCoverageReport', () => {
  it('summarizes seeds, verdicts and the worst verdict', () => {
    const report = buildCoverageReport(fixture());
    expect(report.system).toBe('ack-log');
    expect(report.seeds).toEqual({ count: 3, list: [3, 7, 11], truncated: false });
    expect(report.verdicts).toEqual({ pass: 1, liveness: 0, safety: 1, crash: 1 });
    expect(report.worstVerdict).toBe('crash');
  });

  it('lists every invariant from any run, sorted by name, with its status', () => {
    const report = buildCoverageReport(fixture());
    expect(report.invariants.map((entry) => entry.name)).toEqual([
      'acked-write-survives',
      'all-servers-running',
      'never-checked',
      'torn-write-recovered',
      'unclean-election-loses-data',
    ]);
    expect(report.invariants.map((entry) => entry.status)).toEqual([
      'violated',
      'held',
      'not-checked',
      'seen',
      'not-applicable',
    ]);
  });

  it('counts an always invariant over the runs it applies to', () => {
    const acked = invariant(buildCoverageReport(fixture()), 'acked-write-survives');
    expect(acked).toMatchObject({
      kind: 'always',
      source: 'source of acked-write-survives',
      statement: 'statement of acked-write-survives',
      runsChecked: 3,
      timesChecked: 72,
      timesHit: 70,
      runsHit: 3,
      violations: 2,
      runsViolated: 1,
      violatingSeeds: [3],
      notApplicableRuns: 0,
      ignoredViolations: 0,
    });
  });

  it('marks a sometimes invariant seen when only one run hit it', () => {
    const torn = invariant(buildCoverageReport(fixture()), 'torn-write-recovered');
    expect(torn).toMatchObject({ status: 'seen', runsChecked: 1, timesHit: 3, runsHit: 1 });
  });

  it('lists the seeds that hit a sometimes claim, and none for the other kinds', () => {
    const report = buildCoverageReport(fixture());
    expect(invariant(report, 'torn-write-recovered').hitSeeds).toEqual([7]);
    expect(invariant(report, 'acked-write-survives').hitSeeds).toEqual([]);
    expect(renderHtmlReport(report)).toMatch(/<td class="num">3<div class="small">seed 7<\/div><\/td>/);
  });

  it('gives each run a row: verdict, the faults that happened, the claims that applied, the sometimes claims seen', () => {
    const report = buildCoverageReport(fixture());
    expect(report.runs.map((row) => row.seed)).toEqual([3, 7, 11]);
    expect(report.runs[1]).toEqual({
      seed: 7,
      verdict: 'pass',
      faults: [
        { kind: 'crash', count: 2 },
        { kind: 'partition', count: 1 },
      ].sort((a, b) => FAULT_KINDS.indexOf(a.kind as FaultKind) - FAULT_KINDS.indexOf(b.kind as FaultKind)),
      faultPlan: 'crash,partition',
      claimsApplied: 4,
      claims: 5,
      claimsNotApplied: ['unclean-election-loses-data'],
      sometimesSeen: ['torn-write-recovered'],
    });
    // Seed 3 had the same sometimes claim applicable but never saw it; seed 11 crashed with one claim reported.
    expect(report.runs[0]?.sometimesSeen).toEqual([]);
    expect(report.runs[2]).toMatchObject({ verdict: 'crash', faults: [], claimsApplied: 1, claims: 1 });
    const html = renderHtmlReport(report, [{ seed: 3, verdict: 'safety', file: 'seed-3.html' }]);
    expect(html).toContain('<h2>Runs</h2>');
    expect(html).toContain('<td>4 of 5<details><summary>1 did not apply</summary><code>unclean-election-loses-data</code></details></td>');
    expect(html).toContain('<a href="seed-3.html">timeline</a>');
  });

  it('marks a sometimes invariant never-seen when no run hit it', () => {
    const runs = fixture().map((result) => ({
      ...result,
      invariants: result.invariants.map((entry) =>
        entry.name === 'torn-write-recovered' ? { ...entry, checked: 0, hit: 0 } : entry,
      ),
    }));
    expect(invariant(buildCoverageReport(runs), 'torn-write-recovered').status).toBe('never-seen');
  });

  it('keeps violations of a claim that does not apply out of its verdict', () => {
    const unclean = invariant(buildCoverageReport(fixture()), 'unclean-election-loses-data');
    expect(unclean).toMatchObject({
      status: 'not-applicable',
      runsChecked: 0,
      timesChecked: 0,
      violations: 0,
      violatingSeeds: [],
      notApplicableRuns: 2,
      notApplicableReasons: [{ reason: 'unclean.leader.election.enable is true', runs: 2, seeds: [3, 7] }],
      ignoredViolations: 2,
      excused: 0,
      runsExcused: 0,
    });
  });

  it('judges an invariant by the runs it applies to when it applies in only some', () => {
    const [passing, unsafe] = fixture();
    const notHere = {
      ...unsafe!,
      invariants: unsafe!.invariants.map((entry) =>
        entry.name === 'torn-write-recovered' ? { ...entry, applies: false, notApplicableReason: 'no disk faults' } : entry,
      ),
    };
    const torn = invariant(buildCoverageReport([passing!, notHere]), 'torn-write-recovered');
    expect(torn).toMatchObject({ status: 'seen', runsChecked: 1, notApplicableRuns: 1, notApplicableReasons: [{ reason: 'no disk faults', runs: 1, seeds: [3] }] });
  });

  it('reports a violated eventually invariant', () => {
    const runs = [
      run({
        seed: 1,
        verdict: 'liveness',
        liveness: 'broker 2 never rejoined the ISR',
        invariants: [stats('all-servers-running', 'eventually', { checked: 1, hit: 0, violations: 1 })],
      }),
    ];
    const report = buildCoverageReport(runs);
    expect(invariant(report, 'all-servers-running')).toMatchObject({ status: 'violated', violatingSeeds: [1] });
    expect(report.failures).toEqual([
      {
        seed: 1,
        verdict: 'liveness',
        repro: 'npm run sim -- --seed 1',
        faultPlan: 'crash,partition',
        liveness: 'broker 2 never rejoined the ISR',
      },
    ]);
  });

  it('unions machine coverage across runs', () => {
    const [entry] = buildCoverageReport(fixture()).machines;
    expect(entry).toEqual({
      machine: 'node-process',
      states: { reached: 3, total: 4, unreached: ['stopped'] },
      transitions: { taken: 3, total: 4, untaken: ['running --STOP--> stopped'] },
      rejected: 1,
    });
  });

  it('sorts machines by name', () => {
    const other: MachineCoverage = { ...machine([], []), machine: 'broker-registration' };
    const runs = [run({ seed: 1, verdict: 'pass', machines: [machine(['running'], []), other] })];
    expect(buildCoverageReport(runs).machines.map((entry) => entry.machine)).toEqual([
      'broker-registration',
      'node-process',
    ]);
  });

  it('totals faults over every kind, zero included', () => {
    const report = buildCoverageReport(fixture());
    expect(Object.keys(report.faults)).toEqual([...FAULT_KINDS]);
    expect(report.faults).toMatchObject({ crash: 3, partition: 1, 'power-loss': 1, bitflip: 0, 'disk-loss': 0 });
  });

  it('lists failures by seed with the earliest applicable violation', () => {
    const report = buildCoverageReport(fixture());
    expect(report.failures).toEqual([
      {
        seed: 3,
        verdict: 'safety',
        repro: 'npm run sim -- --seed 3',
        faultPlan: 'crash,partition',
        firstViolation: { invariant: 'acked-write-survives', atMs: 400, message: 'offset 5 lost' },
      },
      {
        seed: 11,
        verdict: 'crash',
        repro: 'npm run sim -- --seed 11',
        faultPlan: 'crash,partition',
        crash: 'assertion failed: offset < 0',
      },
    ]);
  });

  it('carries the first violation\'s explanation into the failures, shown folded in the HTML', () => {
    const explained = run({ seed: 4, verdict: 'safety', violations: [{ invariant: 'IsrHoldsCommitted', atMs: 9, message: 't-2 lost offset 5', applies: true, explanation: ['record      t-2 offset 5 <k>'] }] });
    const report = buildCoverageReport([explained]);
    expect(report.failures[0]?.firstViolation).toEqual({ invariant: 'IsrHoldsCommitted', atMs: 9, message: 't-2 lost offset 5', explanation: ['record      t-2 offset 5 <k>'] });
    expect(renderHtmlReport(report)).toContain('<details><summary>explanation</summary><pre>record      t-2 offset 5 &lt;k&gt;</pre></details>');
  });

  it('caps the seed list and the failures list', () => {
    const runs = Array.from({ length: MAX_SEEDS_LISTED + 5 }, (_, index) =>
      run({ seed: MAX_SEEDS_LISTED + 5 - index, verdict: index % 2 === 0 ? 'safety' : 'pass' }),
    );
    const report = buildCoverageReport(runs);
    expect(report.seeds.count).toBe(MAX_SEEDS_LISTED + 5);
    expect(report.seeds.list).toHaveLength(MAX_SEEDS_LISTED);
    expect(report.seeds.list.slice(0, 3)).toEqual([1, 2, 3]);
    expect(report.seeds.truncated).toBe(true);
    expect(report.failures).toHaveLength(MAX_FAILURES_LISTED);
    expect(report.runs).toHaveLength(MAX_RUNS_LISTED);
    expect(renderHtmlReport(report)).toContain(`The first ${MAX_RUNS_LISTED} of ${MAX_SEEDS_LISTED + 5} runs`);
    const seeds = report.failures.map((failure) => failure.seed);
    expect(seeds).toEqual([...seeds].sort((a, b) => a - b));
  });

  it('does not depend on the order runs are given in', () => {
    const forward = serializeCoverageReport(buildCoverageReport(fixture()));
    const backward = serializeCoverageReport(buildCoverageReport(fixture().reverse()));
    expect(backward).toBe(forward);
  });

  it('describes an empty sweep', () => {
    const report = buildCoverageReport([]);
    expect(report.seeds).toEqual({ count: 0, list: [], truncated: false });
    expect(report.worstVerdict).toBe('pass');
    expect(report.invariants).toEqual([]);
    expect(renderHtmlReport(report)).toContain('No run failed.');
  });
});

describe('renderHtmlReport', () => {
  it('names every invariant and machine, and shows the repro commands', () => {
    const report = buildCoverageReport(fixture());
    const html = renderHtmlReport(report);
    for (const entry of report.invariants) expect(html).toContain(entry.name);
    expect(html).toContain('node-process');
    expect(html).toContain('running --STOP--&gt; stopped');
    expect(html).toContain('npm run sim -- --seed 3');
    expect(html).toContain('npm run sim -- --seed 11');
  });

  it('escapes every string from the runs', () => {
    const hostile = '<script>alert("x")</script>';
    const runs = [
      run({
        seed: 1,
        verdict: 'safety',
        system: 'a&b',
        repro: `npm run sim -- --seed 1 --note '<b>'`,
        violations: [{ invariant: hostile, atMs: 5, message: '<img src=x>', applies: true }],
        invariants: [stats(hostile, 'always', { checked: 1, hit: 0, violations: 1 })],
        machines: [{ ...machine(['<i>'], []), machine: '<svg>' }],
      }),
    ];
    const html = renderHtmlReport(buildCoverageReport(runs));
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<svg>');
    expect(html).not.toContain('<i>');
    expect(html).not.toContain('<b>');
    expect(html).toContain(escapeHtml(hostile));
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('a&amp;b');
    expect(html).toContain('--note &#39;&lt;b&gt;&#39;');
  });

  it('is self-contained', () => {
    const html = renderHtmlReport(buildCoverageReport(fixture()));
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|src=|href=|@import|url\(/i);
  });

  it('renders the same report to the same bytes', () => {
    expect(renderHtmlReport(buildCoverageReport(fixture()))).toBe(renderHtmlReport(buildCoverageReport(fixture())));
    expect(renderHtmlReport(buildCoverageReport(fixture().reverse()))).toBe(
      renderHtmlReport(buildCoverageReport(fixture())),
    );
  });
});

describe('writeReport', () => {
  it('writes coverage.json and index.html into a new directory', () => {
    const base = mkdtempSync(join(tmpdir(), 'refka-report-'));
    try {
      const dir = join(base, 'nested', 'report');
      writeReport(dir, fixture());
      const json = readFileSync(join(dir, REPORT_FILES.json), 'utf8');
      const html = readFileSync(join(dir, REPORT_FILES.html), 'utf8');
      expect(json.endsWith('}\n')).toBe(true);
      expect(json).toBe(`${JSON.stringify(JSON.parse(json), null, 2)}\n`);
      expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(buildCoverageReport(fixture()))));
      expect(html).toBe(renderHtmlReport(buildCoverageReport(fixture())));

      // A second write of the same runs gives the same bytes.
      writeReport(dir, fixture());
      expect(readFileSync(join(dir, REPORT_FILES.json), 'utf8')).toBe(json);
      expect(readFileSync(join(dir, REPORT_FILES.html), 'utf8')).toBe(html);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
