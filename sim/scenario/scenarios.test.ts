import { readdirSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataDrivenError } from '../testkit/datadriven.ts';
import { runScenarioFile } from './scenario-runner.ts';

// Every shipped scenario (sim/scenarios/*.txt) runs and matches its expected output: they are
// readable, replayable stories of the cluster, and regression tests at once.

const SCENARIOS = join(import.meta.dirname, '..', 'scenarios');
const scratch = mkdtempSync(join(tmpdir(), 'refka-scenario-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('shipped scenarios', () => {
  const files = readdirSync(SCENARIOS).filter((name) => name.endsWith('.txt')).sort();
  it('exist', () => {
    expect(files).toContain('quickstart.txt');
  });
  for (const name of files) {
    it(name, () => {
      const outcome = runScenarioFile(join(SCENARIOS, name), false);
      expect(outcome.mismatches.map((mismatch) => `line ${mismatch.line} ${mismatch.command}:\n${mismatch.actual}`)).toEqual([]);
      expect(outcome.cases).toBeGreaterThan(0);
    });
  }
});

describe('scenario script errors', () => {
  function attempt(text: string): string {
    const path = join(scratch, 'script.txt');
    writeFileSync(path, text);
    try {
      runScenarioFile(path, false);
      return 'no error';
    } catch (error) {
      if (error instanceof DataDrivenError) return error.message.slice(path.length);
      throw error;
    }
  }

  it('name the file, the line and the problem', () => {
    expect(attempt('describe\n----\n\n')).toBe(":1: 'describe' before 'cluster'");
    expect(attempt('cluster brokers=3\n----\n\nfrobnicate\n----\n\n')).toBe(":4: unknown command 'frobnicate'");
    expect(attempt('cluster brokers=3 no.such.key=1\n----\n\n')).toBe(":1: unknown argument or config key 'no.such.key'");
    expect(attempt('cluster brokers=3\n----\n\ncrash broker=7\n----\n\n')).toBe(':4: broker=7 is not one of the 3 brokers');
    expect(attempt('cluster brokers=3\n----\n\nproduce topic=t\n----\n\n')).toBe(":4: 'produce' needs value=...");
    expect(attempt('cluster brokers=3\nextra input')).toBe(":1: 'cluster' has no '----' line");
  });

  it('name a bad group consumer line, even one the script has not reached when the cluster starts', () => {
    const cluster = 'cluster brokers=1\n----\n\n';
    expect(attempt(`${cluster}group-consumer name=broker-9 group=g topic=t\n----\n\n`)).toMatch(/^:4: name=broker-9 is not a consumer name/);
    expect(attempt(`${cluster}group-consumer name=c1 group=g topic=t\n----\n\ngroup-consumer name=c1 group=g topic=t\n----\n\n`)).toBe(":7: consumer c1 is started twice (use 'restart consumer=c1' after a crash)");
    expect(attempt(`${cluster}group-consumer name=c1 group=g topic=t min.insync.replicas=2\n----\n\n`)).toBe(":4: 'min.insync.replicas' is not a consumer config key");
    expect(attempt(`${cluster}group-consumer name=c1 topic=t\n----\n\n`)).toBe(":4: 'group-consumer' needs group=...");
    expect(attempt(`${cluster}consumed name=c9\n----\n\n`)).toBe(":4: name=c9 is not a consumer the script starts with 'group-consumer'");
    expect(attempt(`${cluster}group-consumer name=c1 group=g topic=t\n----\n\nshutdown consumer=c1\n----\n\n`)).toBe(":7: 'shutdown' takes broker=N; a consumer can only crash and restart");
    expect(attempt(`${cluster}describe-groups state\n----\n\n`)).toBe(":4: describe-groups takes group=G and 'members', not 'state'");
  });

  it('report a mismatch without failing the run', () => {
    const path = join(scratch, 'mismatch.txt');
    writeFileSync(path, 'cluster brokers=1\n----\nsomething else\n\n');
    const outcome = runScenarioFile(path, false);
    expect(outcome.mismatches).toHaveLength(1);
    expect(outcome.mismatches[0]?.actual).toContain('cluster of 1 brokers');
  });
});
