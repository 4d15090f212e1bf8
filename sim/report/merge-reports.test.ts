import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { workerSweepPool } from '../../bin/sweep-pool.ts';
import { main } from '../cli/main.ts';
import type { RunResult } from '../run/run-result.ts';
import { runSeed, type SeedRun } from '../run/run-seed.ts';
import { buildCoverageReport } from './coverage-report.ts';
import { mergeCoverageReports } from './merge-reports.ts';
import { reportMain } from './report-main.ts';
import { serializeCoverageReport } from './write-report.ts';

const scratch = mkdtempSync(join(tmpdir(), 'refka-merge-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function short(seed: number, config: Record<string, string> = {}): RunResult {
  const run: SeedRun = { seed, durationMs: 3_000, brokers: 3, faults: { type: 'swarm' }, config, variants: [], repro: `seed ${seed}` };
  return runSeed(run);
}

describe('merging shard reports', () => {
  // Real runs, some under a configuration where lost-write does not apply (a reason with seeds),
  // two marked failed with a violation (failures, violating seeds).
  const runs: RunResult[] = [1, 2, 3, 4, 5, 6, 7].map((seed) => short(seed, seed % 3 === 0 ? { 'min.insync.replicas': '1' } : {}));
  const failed = runs.map((run) => (run.seed === 2 || run.seed === 5 ? { ...run, verdict: 'safety' as const, violations: [{ invariant: 'lost-write', atMs: 1_000, message: 'planted', applies: true }], invariants: run.invariants.map((stats) => (stats.name === 'lost-write' ? { ...stats, violations: 1 } : stats)) } : run));

  it.each([1, 2, 3, 7])('gives the whole sweep\'s report from %i interleaved shards', (count) => {
    const whole = serializeCoverageReport(buildCoverageReport(failed));
    const shards = Array.from({ length: count }, (_, index) => buildCoverageReport(failed.filter((_, position) => position % count === index)));
    expect(serializeCoverageReport(mergeCoverageReports(shards))).toBe(whole);
    // In any order.
    expect(serializeCoverageReport(mergeCoverageReports([...shards].reverse()))).toBe(whole);
  });

  it('merges the --report directories of `npm run sim -- --shard I/N` into the report of the whole sweep', async () => {
    const io = { chooseSeed: () => 1, stdout: () => undefined, stderr: () => undefined, stderrIsTty: false, cores: 2, pool: workerSweepPool };
    const args = ['--seeds', '1..5', '--duration', '3s'];
    await main([...args, '--report', join(scratch, 'whole')], io);
    for (const index of [0, 1]) await main([...args, '--shard', `${index}/2`, '--report', join(scratch, `shard-${index}`)], io);
    let out = '';
    const code = reportMain(['merge', '--report', join(scratch, 'merged'), join(scratch, 'shard-0'), join(scratch, 'shard-1')], { stdout: (text) => void (out += text), stderr: () => undefined });
    expect(code).toBe(0);
    expect(out).toMatch(/^merged 2 reports \(5 seeds, worst verdict pass\)/);
    for (const file of ['coverage.json', 'index.html']) {
      expect(readFileSync(join(scratch, 'merged', file), 'utf8')).toBe(readFileSync(join(scratch, 'whole', file), 'utf8'));
    }
  });

  it('carries the failing seeds\' timeline pages, so a failing sweep merges to its whole report too', async () => {
    const io = { chooseSeed: () => 1, stdout: () => undefined, stderr: () => undefined, stderrIsTty: false, cores: 2, pool: workerSweepPool };
    const args = ['--seeds', '3..6', '--duration', '10s', '--variant', 'pre-kip-101', '--no-groups'];
    await main([...args, '--report', join(scratch, 'failing-whole')], io);
    for (const index of [0, 1]) await main([...args, '--shard', `${index}/2`, '--report', join(scratch, `failing-shard-${index}`)], io);
    const code = reportMain(['merge', '--report', join(scratch, 'failing-merged'), join(scratch, 'failing-shard-0'), join(scratch, 'failing-shard-1')], { stdout: () => undefined, stderr: () => undefined });
    expect(code).toBe(0);
    const pages = readdirSync(join(scratch, 'failing-whole')).filter((file) => file.startsWith('seed-')).sort();
    // Seeds 3, 4 and 6 fail under pre-kip-101 at 10 s (three controllers; seed 4 since brokers
    // refuse clients until first unfenced, 2026-12-03): each has its page, in both reports.
    expect(pages).toEqual(['seed-3.html', 'seed-4.html', 'seed-6.html']);
    expect(readdirSync(join(scratch, 'failing-merged')).filter((file) => file.startsWith('seed-')).sort()).toEqual(pages);
    for (const file of ['coverage.json', 'index.html', ...pages]) {
      expect(readFileSync(join(scratch, 'failing-merged', file), 'utf8')).toBe(readFileSync(join(scratch, 'failing-whole', file), 'utf8'));
    }
  });

  it('answers bad input with one line and exit 2', () => {
    const cases: [string[], RegExp][] = [
      [[], /name what to do: merge/],
      [['join', 'a'], /unknown command "join"/],
      [['merge', join(scratch, 'shard-0')], /merge needs --report OUT/],
      [['merge', '--report', join(scratch, 'x')], /the shards' report directories/],
      [['merge', '--report', join(scratch, 'x'), join(scratch, 'nowhere')], /nowhere\/coverage.json: no such file/],
      [['merge', '--bogus'], /Unknown option '--bogus'/],
    ];
    for (const [argv, message] of cases) {
      let err = '';
      expect(reportMain(argv, { stdout: () => undefined, stderr: (text) => void (err += text) })).toBe(2);
      expect(err).toMatch(message);
      expect(err.trimEnd().split('\n')).toHaveLength(1);
    }
  });
});
