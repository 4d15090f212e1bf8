import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../sim/cli/main.ts';
import type { RunResult } from '../../sim/run/run-result.ts';
import { runSeed, type SeedRun } from '../../sim/run/run-seed.ts';
import type { ClusterCase } from './arbitraries.ts';
import { caseArgs, runCase, scheduleFileOf } from './cluster-run.ts';

const scratch = mkdtempSync(join(tmpdir(), 'refka-cluster-case-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A small case: an 8 s run of three brokers, one partition, a crash of broker-0 and a one-way cut. */
const CASE: ClusterCase = {
  config: { brokers: 3, partitions: 1, replicationFactor: 3, minInsyncReplicas: 2, groups: false, durationMs: 8_000 },
  workload: { seed: 5 },
  schedule: [
    { at: 4_000, type: 'fault', kind: 'crash', node: 'broker-0', end: 6_000 },
    { at: 4_500, type: 'fault', kind: 'partition', shape: 'one-way', blocked: [['broker-1', 'broker-2']], end: 7_000 },
  ],
};

describe('a generated case as a run', () => {
  it('names its run with the command line\'s own options', () => {
    expect(caseArgs(CASE)).toEqual(['--seed', '5', '--duration', '8s', '--partitions', '1', '--config', 'min.insync.replicas=2', '--no-groups']);
  });

  it('replays, from its schedule file through `npm run sim -- --schedule FILE`, to the very run the properties judged', () => {
    const path = join(scratch, 'case.json');
    writeFileSync(path, scheduleFileOf(CASE));
    let stdout = '';
    let stderr = '';
    const io = { chooseSeed: () => 1, stdout: (text: string) => void (stdout += text), stderr: (text: string) => void (stderr += text), stderrIsTty: false };
    const code = main(['--schedule', path, '--json'], io, (run: SeedRun): RunResult => runSeed(run));
    expect(stderr).toBe('');
    const replayed = JSON.parse(stdout) as { digest: string; verdict: string; schedule: unknown[] };
    const outcome = runCase(CASE);
    expect(replayed.digest).toBe(outcome.digest);
    expect(replayed.verdict).toBe(outcome.verdict);
    expect(code).toBe(outcome.verdict === 'pass' ? 0 : 1);
    // Both faults struck: the case's schedule is the run's.
    expect(outcome.struck).toBe(2);
    expect(runCase(CASE)).toBe(outcome);
  });
});
