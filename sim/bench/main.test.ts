import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The bench end to end in its quick mode, as a child process the way `npm run bench` starts it:
 * it must run, print its sections and write a report of the promised shape. Timings are never
 * asserted (they depend on the machine's load); only the report's structure and the arithmetic
 * that holds whatever the timings are.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'refka-bench-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function bench(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const child = spawnSync(process.execPath, ['--import', 'tsx', 'sim/bench/main.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

interface Figure {
  name: string;
  value: number;
  unit: string;
  note: string;
  min?: number;
  max?: number;
  pairs?: number;
}

describe('npm run bench -- --quick', () => {
  it('runs end to end and writes a report of the promised shape', () => {
    const out = join(scratch, 'bench.json');
    const run = bench(['--quick', '--out', out]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    for (const title of ['Simulator overhead', 'Shares of a default run', 'Seeds per minute', 'Partition log', 'Kafka cluster', 'Memory']) {
      expect(run.stdout).toContain(title);
    }
    const report = JSON.parse(readFileSync(out, 'utf8')) as {
      options: { pairs: number; quick: boolean };
      cores: number;
      shares: { percent: Record<string, number>; samples: number; seeds: number[] };
      sweep: { seeds: number; wallMs: { jobs1: number[]; jobsAll: number[] } };
      figures: Figure[];
    };
    expect(report.options).toMatchObject({ pairs: 1, quick: true });
    expect(Object.keys(report.shares.percent).sort()).toEqual(['checkers', 'gc', 'kafka', 'other', 'simCore']);
    const shareTotal = Object.values(report.shares.percent).reduce((sum, percent) => sum + percent, 0);
    expect(Math.abs(shareTotal - 100)).toBeLessThan(0.5);
    expect(report.shares.samples).toBeGreaterThan(0);
    expect(report.sweep.wallMs.jobs1).toHaveLength(1);
    expect(report.sweep.wallMs.jobsAll).toHaveLength(1);

    const names = report.figures.map((figure) => figure.name);
    for (const name of [
      'overheadRatio',
      'ticks.overheadRatio',
      'share.checkers',
      'share.kafka',
      'share.simCore',
      'share.gc',
      'sweep.jobs1.seedsPerMinute',
      `sweep.jobs${report.cores}.seedsPerMinute`,
      'sweep.jobs1.simulatedPerWall',
      `sweep.jobs${report.cores}OverJobs1`,
      'log.appendOverheadRatio',
      'log.readOverheadRatio',
      'log.recoveryMsPer100MB',
      'cluster.seed42.wallMs',
      'memory.peakRssShort',
      'memory.peakRssLong',
    ]) {
      expect(names).toContain(name);
    }
    // Every comparison carries its spread over the rounds; the median lies within it.
    const ratios = report.figures.filter((figure) => figure.pairs !== undefined);
    expect(ratios.map((figure) => figure.name).sort()).toEqual(
      ['log.appendOverheadRatio', 'log.readOverheadRatio', 'overheadRatio', `sweep.jobs${report.cores}OverJobs1`, 'ticks.overheadRatio'].sort(),
    );
    for (const figure of ratios) {
      expect(figure.pairs).toBe(1);
      expect(figure.min).toBeLessThanOrEqual(figure.value);
      expect(figure.max).toBeGreaterThanOrEqual(figure.value);
    }
    for (const figure of report.figures) expect(Number.isFinite(figure.value), figure.name).toBe(true);
    // A Node process with the simulator loaded holds tens of MiB at least: a peak read off the OS.
    for (const name of ['memory.peakRssShort', 'memory.peakRssLong']) expect(report.figures.find((figure) => figure.name === name)?.value).toBeGreaterThan(20);
  });

  it('answers a bad flag with one line and exit code 2', () => {
    const run = bench(['--pairs', '0']);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('refka bench: --pairs must be a whole number from 1 to 100, got 0 (see --help)\n');
  });
});
