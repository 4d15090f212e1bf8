import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// Determinism is refka's first promise: the same seed, code and options give a byte-identical
// trace and digest in any process on any machine. Running in-process twice would miss state that
// leaks through module globals, so these tests start fresh Node processes, and give them
// different time zones, locales and environment sizes, which must not matter.

const root = join(import.meta.dirname, '..', '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');
const scratch = mkdtempSync(join(tmpdir(), 'refka-determinism-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface ProcessRun {
  readonly json: { seed: number; digest: string; events: number; traceEntries: number; verdict: string };
  readonly trace: Buffer;
}

/** A run from source under tsx, or (`bundle`) of the bundle `npm run sim` runs (`bin/build.mjs`). */
function runInProcess(seed: number, name: string, env: Readonly<Record<string, string>>, bundle = false): ProcessRun {
  const tracePath = join(scratch, `${name}.jsonl`);
  const args = ['--seed', String(seed), '--duration', '20s', '--json', '--trace', tracePath];
  const child = spawnSync(bundle ? process.execPath : tsx, bundle ? [join(root, '.build', 'sim.mjs'), ...args] : ['bin/sim.ts', ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(child.stderr).toBe('');
  expect(child.status).toBe(0);
  const lines = child.stdout.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  return { json: JSON.parse(lines[0] ?? '') as ProcessRun['json'], trace: readFileSync(tracePath) };
}

describe('determinism across processes', () => {
  it('gives the same digest and a byte-identical trace for the same seed in two processes', () => {
    const first = runInProcess(31, 'first', { TZ: 'UTC', LANG: 'C' });
    const second = runInProcess(31, 'second', { TZ: 'Pacific/Chatham', LANG: 'de_DE.UTF-8', REFKA_PADDING: 'x'.repeat(10_000) });
    expect(second.json).toEqual(first.json);
    expect(first.trace.length).toBeGreaterThan(0);
    expect(second.trace.equals(first.trace)).toBe(true);
  }, 240_000);

  it('gives the same digest, trace and sweep lines from the bundle npm run sim runs as from the source', () => {
    const build = spawnSync(process.execPath, ['bin/build.mjs'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    expect(build.stderr).toBe('');
    expect(build.status).toBe(0);
    const source = runInProcess(31, 'source', {});
    const bundled = runInProcess(31, 'bundled', {}, true);
    expect(bundled.json).toEqual(source.json);
    expect(bundled.trace.equals(source.trace)).toBe(true);
    // A sweep on worker threads: the bundle starts its own bundled worker, not tsx.
    const sweep = (command: string, args: readonly string[]): string => {
      const child = spawnSync(command, [...args, '--seeds', '1..2', '--jobs', '2', '--duration', '5s', '--json'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
      expect(child.status).toBe(0);
      return child.stdout;
    };
    expect(sweep(process.execPath, [join(root, '.build', 'sim.mjs')])).toBe(sweep(tsx, ['bin/sim.ts']));
  }, 240_000);

  it('gives different digests and traces for different seeds', () => {
    const a = runInProcess(31, 'seed-31', {});
    const b = runInProcess(32, 'seed-32', {});
    expect(b.json.digest).not.toBe(a.json.digest);
    expect(b.trace.equals(a.trace)).toBe(false);
  }, 240_000);
});
