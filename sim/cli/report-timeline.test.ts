import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../run/run-result.ts';
import { runSeed, type SeedRun } from '../run/run-seed.ts';
import { main } from './main.ts';

const scratch = mkdtempSync(join(tmpdir(), 'refka-cli-timeline-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs the command line on the self-test system; seed 3 fails (planted bug), the others pass. */
function cli(argv: readonly string[], seen: SeedRun[]): { code: number; stdout: string } {
  let stdout = '';
  const runner = (run: SeedRun): RunResult => {
    seen.push(run);
    return runSeed({ ...run, system: 'ack-log', ...(run.seed === 3 ? { plantedBug: 'ack-before-fsync' as const } : {}) });
  };
  const code = main(argv, { chooseSeed: () => 1, stdout: (text) => void (stdout += text), stderr: () => undefined, stderrIsTty: false }, runner);
  if (typeof code !== 'number') throw new Error('a sweep on one thread answers at once');
  return { code, stdout };
}

describe('--report timelines', () => {
  it('records no timeline without --report', () => {
    const seen: SeedRun[] = [];
    cli(['--seed', '1', '--duration', '5s', '--faults', 'power-loss'], seen);
    expect(seen[0]?.timeline).toBeUndefined();
  });

  it('writes timeline.html for a single seed', () => {
    const dir = join(scratch, 'one');
    const seen: SeedRun[] = [];
    cli(['--seed', '1', '--duration', '5s', '--faults', 'power-loss', '--report', dir], seen);
    expect(seen[0]?.timeline).toBe(true);
    expect(readFileSync(join(dir, 'timeline.html'), 'utf8')).toContain('<g class="lane node" data-node="server-0"');
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).toContain('<a href="timeline.html">seed 1</a>');
  });

  it('writes seed-N.html for the failing seeds of a sweep only, and keeps timelines out of --json', () => {
    const dir = join(scratch, 'sweep');
    const { code, stdout } = cli(['--seeds', '1..3', '--duration', '20s', '--faults', 'power-loss', '--report', dir, '--json'], []);
    expect(code).toBe(1);
    expect(stdout).not.toContain('"timeline"');
    expect(existsSync(join(dir, 'seed-3.html'))).toBe(true);
    expect(existsSync(join(dir, 'seed-1.html'))).toBe(false);
    expect(existsSync(join(dir, 'seed-2.html'))).toBe(false);
    expect(existsSync(join(dir, 'timeline.html'))).toBe(false);
    expect(readFileSync(join(dir, 'seed-3.html'), 'utf8')).toContain('<g class="violation" data-invariant="AcknowledgedWritesDurable"');
  });
});
