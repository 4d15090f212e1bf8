import { readdirSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataDrivenError } from '../testkit/datadriven.ts';
import { runScenarioFile, type ScenarioRunOptions } from './scenario-runner.ts';

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
  function attempt(text: string, options: ScenarioRunOptions = {}): string {
    const path = join(scratch, 'script.txt');
    writeFileSync(path, text);
    try {
      runScenarioFile(path, false, options);
      return 'no error';
    } catch (error) {
      if (error instanceof DataDrivenError) return error.message.slice(path.length);
      throw error;
    }
  }

  // Each kind of script error has its test in scenario-validate.test.ts; here, that a run checks
  // the whole script before it starts the cluster.
  it('name the file and line of a bad script before the cluster runs', () => {
    const steps = Array.from({ length: 30 }, () => 'wait ms=3600000\n----\n\n').join('');
    const started = performance.now();
    expect(attempt(`cluster brokers=9\n----\n\n${steps}crash brokr=1\n----\n\n`)).toBe(":94: unknown argument 'brokr' for 'crash' (did you mean 'broker'?)");
    // Thirty hours of a 9-broker cluster would take minutes; the error comes before any of it.
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(attempt('cluster brokers=3\nextra input')).toBe(":1: 'cluster' has no '----' line");
  });

  it('end a client step still retrying after its minute, so the next step runs (it crashed the runner)', () => {
    const path = join(scratch, 'busy.txt');
    const steps = ['cluster brokers=2', 'create-topic name=t partitions=1 replication-factor=2', 'partition broker=0 from=script', 'partition broker=1 from=script', 'produce topic=t value=a', 'heal', 'produce topic=t value=b', 'consume topic=t'];
    writeFileSync(path, steps.map((step) => `${step}\n----\n\n`).join(''));
    const outcome = runScenarioFile(path, false);
    expect(outcome.mismatches.slice(4).map((mismatch) => mismatch.actual)).toEqual(['no answer within 60000 ms', 'healed the network', 'ok partition 0 offset 0', '0: _=b\nhigh watermark 1']);
  });

  it('name the step that exhausts the event budget, as a script error', () => {
    const problem = attempt('cluster brokers=1\n----\n\nwait ms=1000\n----\n\nwait ms=3600000\n----\n\n', { eventBudget: 20_000 });
    expect(problem).toMatch(/^:7: 'wait' took the simulation past its budget of 20000 events at \d+ ms: the script asks for more simulated time than a scenario holds, or the cluster ran away$/);
  });

  it('report a mismatch without failing the run', () => {
    const path = join(scratch, 'mismatch.txt');
    writeFileSync(path, 'cluster brokers=1\n----\nsomething else\n\n');
    const outcome = runScenarioFile(path, false);
    expect(outcome.mismatches).toHaveLength(1);
    expect(outcome.mismatches[0]?.actual).toContain('cluster of 1 brokers');
  });
});
