import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunResult, Verdict } from '../run/run-result.ts';
import { runSeed, type SeedRun } from '../run/run-seed.ts';
import { workerSweepPool } from '../../bin/sweep-pool.ts';
import { main, type SweepPool } from './main.ts';

const scratch = mkdtempSync(join(tmpdir(), 'refka-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(argv: readonly string[], runner?: (run: SeedRun) => RunResult, stderrIsTty = false): Captured {
  let stdout = '';
  let stderr = '';
  const code = main(
    argv,
    {
      chooseSeed: () => 12_345,
      stdout: (text) => {
        stdout += text;
      },
      stderr: (text) => {
        stderr += text;
      },
      stderrIsTty,
    },
    runner,
  );
  if (typeof code !== 'number') throw new Error('a sweep on one thread answers at once');
  return { code, stdout, stderr };
}

/** The command line with `cores` cores, and a sweep pool (worker threads unless one is given). */
async function cliThreads(argv: readonly string[], cores: number, pool?: SweepPool): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const io = { chooseSeed: () => 12_345, stdout: (text: string) => void (stdout += text), stderr: (text: string) => void (stderr += text), stderrIsTty: false, cores, pool: pool ?? workerSweepPool };
  const code = await main(argv, io, runSeed);
  return { code, stdout, stderr };
}

/** A runner that runs the real simulation and then reports the verdict a test asks for per seed. */
function verdictRunner(verdicts: Readonly<Record<number, Verdict>>): (run: SeedRun) => RunResult {
  return (run) => {
    const result = runSeed(run);
    return { ...result, verdict: verdicts[run.seed] ?? 'pass' };
  };
}

const SHORT = ['--duration', '3s'];

describe('sim command line: one seed', () => {
  it('prints the seed, time, events, faults, invariants, verdict, digest and a repro line, and exits 0', () => {
    const { code, stdout, stderr } = cli(['--seed', '42', ...SHORT]);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    for (const label of ['seed        42', 'simulated   ', 'events      ', 'faults      ', 'invariants  ', 'verdict     PASS', 'digest      ', 'repro       npm run sim -- --seed 42 --duration 3s']) {
      expect(stdout).toContain(label);
    }
  });

  it('chooses, prints and runs a seed when none is given', () => {
    const { code, stdout } = cli(SHORT);
    expect(code).toBe(0);
    expect(stdout).toContain('no --seed given; chose seed 12345');
    expect(stdout).toContain('repro       npm run sim -- --seed 12345');
  });

  it('prints exactly one JSON object with the promised fields under --json', () => {
    const { code, stdout } = cli(['--seed', '7', ...SHORT, '--json']);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const json = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    for (const field of ['seed', 'digest', 'simulatedMs', 'events', 'verdict', 'violations', 'faults', 'config', 'variants', 'repro']) {
      expect(json).toHaveProperty(field);
    }
    expect(json['seed']).toBe(7);
    expect(json['verdict']).toBe('pass');
    expect(json['digest']).toMatch(/^[0-9a-f]{16}$/);
  });

  it('exits 1 and names the invariant when the run finds a safety violation', () => {
    // The self-test system's planted bug (acknowledge before fsync) under power loss.
    const planted = (run: SeedRun): RunResult => runSeed({ ...run, system: 'ack-log', plantedBug: 'ack-before-fsync' });
    const { code, stdout } = cli(['--seed', '3', '--duration', '20s', '--faults', 'power-loss'], planted);
    expect(code).toBe(1);
    expect(stdout).toContain('verdict     SAFETY');
    expect(stdout).toContain('violation AcknowledgedWritesDurable');
  });
});

describe('sim command line: sweeps', () => {
  it('prints one line per seed, or one JSON line per seed, and exits with the worst verdict', () => {
    const human = cli(['--seeds', '1..3', ...SHORT]);
    expect(human.code).toBe(0);
    expect(human.stdout.trimEnd().split('\n')).toEqual([...[1, 2, 3].map((seed) => expect.stringMatching(new RegExp(`^seed +${seed} +pass`))), 'sweep       3 seeds: 3 passed, 0 failed']);
    const json = cli(['--seeds', '3', ...SHORT, '--json']);
    const lines = json.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as { seed: number });
    expect(lines.map((line) => line.seed)).toEqual([1, 2, 3]);
    // The summary goes to stderr under --json: stdout stays one JSON object per seed.
    expect(json.stderr).toBe('sweep       3 seeds: 3 passed, 0 failed\n');

    expect(cli(['--seeds', '1..3', ...SHORT], verdictRunner({ 2: 'liveness' })).code).toBe(3);
    expect(cli(['--seeds', '1..3', ...SHORT], verdictRunner({ 1: 'liveness', 3: 'safety' })).code).toBe(1);
    expect(cli(['--seeds', '1..3', ...SHORT], verdictRunner({ 1: 'crash', 2: 'safety' })).code).toBe(4);
  });

  it('prints a repro line under each failing seed and a closing summary by verdict and by claim', () => {
    const violating = (claims: Readonly<Record<number, readonly string[]>>): ((run: SeedRun) => RunResult) => (run) => {
      const result = runSeed(run);
      const broken = claims[run.seed] ?? [];
      if (broken.length === 0) return result;
      return { ...result, verdict: 'safety', violations: broken.map((invariant) => ({ invariant, atMs: 1, message: 'broken', applies: true })) };
    };
    const sweep = cli(['--seeds', '1..4', ...SHORT, '--variant', 'pre-kip-101'], violating({ 2: ['StrongIsr'], 4: ['IsrHoldsCommitted', 'StrongIsr'] }));
    expect(sweep.code).toBe(1);
    const lines = sweep.stdout.trimEnd().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/^seed +1 +pass/),
      expect.stringMatching(/^seed +2 +safety .* StrongIsr: broken$/),
      '  repro     npm run sim -- --seed 2 --duration 3s --variant pre-kip-101',
      expect.stringMatching(/^seed +3 +pass/),
      expect.stringMatching(/^seed +4 +safety .* IsrHoldsCommitted: broken$/),
      '  repro     npm run sim -- --seed 4 --duration 3s --variant pre-kip-101',
      'sweep       4 seeds: 2 passed, 2 failed (safety 2)',
      '  by claim  StrongIsr in 2 seeds, IsrHoldsCommitted in 1 seed (a seed may break several)',
      '  failing   2 4',
    ]);
    const liveness = cli(['--seeds', '1..2', ...SHORT], verdictRunner({ 1: 'liveness', 2: 'crash' }));
    expect(liveness.stdout.trimEnd().split('\n').slice(-2)).toEqual(['sweep       2 seeds: 0 passed, 2 failed (liveness 1, crash 1)', '  failing   1 2']);
  });

  it('shows progress on stderr only when it is a terminal', () => {
    expect(cli(['--seeds', '2', ...SHORT], undefined, false).stderr).toBe('');
    const tty = cli(['--seeds', '2', ...SHORT], verdictRunner({ 2: 'safety' }), true);
    expect(tty.stderr).toContain('\r2/2 seeds, 1 failed, worst verdict so far: safety');
  });
});

describe('sim command line: sweeps on worker threads', () => {
  it('prints the same lines, writes the same report and exits with the same code as one thread', async () => {
    const one = await cliThreads(['--seeds', '1..4', ...SHORT, '--jobs', '1', '--report', join(scratch, 'jobs-1')], 2);
    const two = await cliThreads(['--seeds', '1..4', ...SHORT, '--jobs', '2', '--report', join(scratch, 'jobs-2')], 1);
    // Without --jobs a sweep takes one thread per core.
    const cores = await cliThreads(['--seeds', '1..4', ...SHORT], 2);
    expect(two.code).toBe(one.code);
    expect(two.stdout.replaceAll('jobs-2', 'jobs-1')).toBe(one.stdout);
    expect(`${cores.stdout}report written to ${join(scratch, 'jobs-1')}/index.html and coverage.json\n`).toBe(one.stdout);
    expect(one.stdout.trimEnd().split('\n')).toHaveLength(6);
    expect(one.stdout).toContain('sweep       4 seeds: ');
    expect(readFileSync(join(scratch, 'jobs-2', 'coverage.json'), 'utf8')).toBe(readFileSync(join(scratch, 'jobs-1', 'coverage.json'), 'utf8'));
  });

  it('puts results that finish out of order back in seed order, and stops at the first failure in seed order', async () => {
    // A pool that finishes the seeds backwards, and fails seeds 2 and 3.
    const backwards: SweepPool = async (runs, _jobs, result) => {
      for (let index = runs.length - 1; index >= 0; index--) {
        const run = runs[index] as SeedRun;
        const outcome = runSeed(run);
        if (result(index, { ...outcome, verdict: run.seed === 2 || run.seed === 3 ? 'safety' : 'pass' }) === 'stop') return;
      }
    };
    const all = await cliThreads(['--seeds', '1..4', ...SHORT, '--jobs', '2'], 1, backwards);
    expect(all.stdout.trimEnd().split('\n').filter((line) => line.startsWith('seed ')).map((line) => Number(line.split(/\s+/)[1]))).toEqual([1, 2, 3, 4]);
    expect(all.stdout).toContain('  failing   2 3\n');
    expect(all.code).toBe(1);
    const stopped = await cliThreads(['--seeds', '1..4', ...SHORT, '--jobs', '2', '--stop-on-failure'], 1, backwards);
    expect(stopped.stdout.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^seed +1 +pass/),
      expect.stringMatching(/^seed +2 +safety/),
      '  repro     npm run sim -- --seed 2 --duration 3s',
      'stopped at the first failing seed (--stop-on-failure)',
      'sweep       2 of 4 seeds: 1 passed, 1 failed (safety 1)',
      '  failing   2',
    ]);
    expect(stopped.code).toBe(1);
  });

  it('stops a one-thread sweep at the first failing seed with --stop-on-failure', () => {
    const stopped = cli(['--seeds', '1..4', ...SHORT, '--stop-on-failure'], verdictRunner({ 3: 'liveness' }));
    expect(stopped.stdout.trimEnd().split('\n').filter((line) => line.startsWith('seed '))).toHaveLength(3);
    expect(stopped.stdout).toContain('stopped at the first failing seed');
    expect(stopped.stdout).toContain('sweep       3 of 4 seeds: 2 passed, 1 failed (liveness 1)');
    expect(stopped.code).toBe(3);
    // A failure at the last seed leaves nothing unrun: the sweep just ends.
    const last = cli(['--seeds', '1..2', ...SHORT, '--stop-on-failure'], verdictRunner({ 2: 'safety' }));
    expect(last.stdout).not.toContain('stopped at the first failing seed');
    expect(last.code).toBe(1);
  });
});

describe('sim command line: files', () => {
  it('writes the trace as JSON lines: a header, one line per trace entry, state lines, and one note per schedule entry', () => {
    const path = join(scratch, 'trace.jsonl');
    const { code, stdout } = cli(['--seed', '5', ...SHORT, '--trace', path, '--json']);
    expect(code).toBe(0);
    const json = JSON.parse(stdout) as { events: number; traceEntries: number; schedule: unknown[] };
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as { kind: string; detail: string; header?: Record<string, unknown> });
    expect(lines[0]).toMatchObject({ kind: 'header', header: { seed: 5, durationMs: 3000, repro: 'npm run sim -- --seed 5 --duration 3s' } });
    // Lines that describe the run (header, state changes, violations, schedule entries) are not
    // trace entries: not digested, not counted.
    const notes = lines.filter((line) => line.kind === 'schedule');
    expect(lines.filter((line) => !['header', 'state', 'violation', 'schedule'].includes(line.kind))).toHaveLength(json.traceEntries);
    expect(notes.map((note) => JSON.parse(note.detail) as unknown)).toEqual(json.schedule);
    expect(json.schedule.length).toBeGreaterThan(0);
    expect(lines.some((line) => line.kind === 'state')).toBe(true);
    expect(json.traceEntries).toBeGreaterThan(json.events);
  });

  it('writes coverage.json and index.html with --report', () => {
    const dir = join(scratch, 'report');
    const { code, stdout } = cli(['--seeds', '2', ...SHORT, '--report', dir]);
    expect(code).toBe(0);
    expect(stdout).toContain(`report written to ${dir}/index.html`);
    const report = JSON.parse(readFileSync(join(dir, 'coverage.json'), 'utf8')) as { seeds: unknown };
    expect(report).toHaveProperty('seeds');
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).toContain('<html');
  });

  it('refuses a --trace or --report it cannot write with one line and exit 2, before running anything', () => {
    let ran = 0;
    const counting = (run: SeedRun): RunResult => {
      ran += 1;
      return runSeed(run);
    };
    const trace = cli(['--seed', '1', ...SHORT, '--trace', join(scratch, 'no-such-dir', 'trace.jsonl')], counting);
    expect(trace.code).toBe(2);
    expect(trace.stderr).toMatch(/^refka sim: --trace: cannot write ".*no-such-dir\/trace.jsonl" \(ENOENT\)\n$/);

    const file = join(scratch, 'a-file');
    writeFileSync(file, 'not a directory');
    const report = cli(['--seed', '1', ...SHORT, '--report', join(file, 'sub')], counting);
    expect(report.code).toBe(2);
    expect(report.stderr).toMatch(/^refka sim: --report: cannot write ".*a-file\/sub" \(ENOTDIR\)\n$/);
    expect(ran).toBe(0);
  });

  it('answers bad input with one line naming the problem and exit 2', () => {
    const bad = cli(['--seed', '-1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.split('\n')).toHaveLength(2);
    expect(bad.stderr).toContain('--seed');
    expect(bad.stdout).toBe('');
    const two = cli(['--seeds', '2', '--trace', join(scratch, 't.jsonl')]);
    expect(two.code).toBe(2);
  });

  it('prints help and exits 0', () => {
    const help = cli(['--help']);
    expect(help.code).toBe(0);
    for (const option of ['--seed', '--seeds', '--duration', '--brokers', '--partitions', '--replication-factor', '--config', '--variant', '--faults', '--schedule', '--trace', '--report', '--json', '--emit-schedule']) {
      expect(help.stdout).toContain(option);
    }
  });
});
