import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from '../run/run-result.ts';
import { runSeed, type SeedRun } from '../run/run-seed.ts';
import { seedRunOf } from '../scenario/seed-run-step.ts';
import { shrinkSeed, failureOf, sameFailure, type ShrinkOutcome } from '../shrink/shrink-run.ts';
import { shrunkScenarioText } from '../shrink/shrunk-scenario.ts';
import { reproArgs, reproCommand, type SimCommand } from './args.ts';
import { fileProblem } from './file-output.ts';
import { formatDuration } from './cli-defaults.ts';

/**
 * `--shrink`: after the runs, each failing seed (in seed order) is shrunk to a smallest run that
 * fails the same way (`sim/shrink/shrink-run.ts`), told step by step; with `--emit-scenario` the
 * result is written as a scenario, and, when the run has variants, its twin under the fixed
 * protocol (`-fixed`), each with the outcome it has. Returns false when a file could not be written.
 */
export function shrinkFailures(command: SimCommand, failing: readonly { readonly seed: number; readonly run: SeedRun }[], out: (text: string) => void, err: (text: string) => void): boolean {
  if (failing.length === 0) {
    out('--shrink: no seed failed, nothing to shrink\n');
    return true;
  }
  const sweep = command.seeds.length > 1 || command.shard !== undefined;
  if (sweep && command.emitScenario !== undefined) {
    try {
      mkdirSync(command.emitScenario, { recursive: true });
    } catch (error) {
      err(`refka sim: --emit-scenario: ${fileProblem(command.emitScenario, error)}\n`);
      return false;
    }
  }
  for (const { seed, run } of failing) {
    out(`shrink of seed ${seed}\n`);
    const outcome = shrinkSeed(run, undefined, (line) => out(`  ${line}\n`));
    if (typeof outcome === 'string') {
      out(`  ${outcome}\n`);
      continue;
    }
    const shrunk: SimCommand = { ...command, seeds: [seed], durationMs: outcome.after.shape.durationMs, partitions: outcome.after.shape.partitions, groups: outcome.after.shape.groups };
    out(`  ${summary(outcome)}\n`);
    const fixed = command.variants.length === 0 ? undefined : fixedCommand(shrunk);
    let fixedResult: RunResult | undefined;
    if (fixed !== undefined) {
      fixedResult = runSeed(seedRunOf(fixed, seed, outcome.after.entries));
      out(`  the fixed protocol (${reproArgs(fixed, seed).join(' ')}) on the same faults: ${fixedResult.verdict}${sameFailure(failureOf(fixedResult), outcome.failure) ? ', the same failure: the variant is not what fails' : ''}\n`);
    }
    if (command.emitScenario === undefined) {
      out(`  write it as a scenario: ${reproCommand(command, seed)} --shrink --emit-scenario FILE\n`);
      continue;
    }
    const path = sweep ? join(command.emitScenario, `seed-${seed}.txt`) : command.emitScenario;
    const notes = [
      `The seed's run failed ${outcome.failure.invariant ?? outcome.failure.verdict} with ${outcome.before.faults} faults over ${formatDuration(outcome.before.shape.durationMs)}; this run keeps ${outcome.after.faults} over ${formatDuration(outcome.after.shape.durationMs)} (${outcome.runs} runs).`,
      `Replay: npm run sim -- --scenario ${path}${fixed === undefined ? '' : `; the fixed protocol: ${fixedPath(path)}`}`,
    ];
    const files: [string, string][] = [[path, shrunkScenarioText({ shrunkFrom: reproCommand(command, seed), args: reproArgs(shrunk, seed), entries: outcome.after.entries, result: outcome.after.result, notes })]];
    if (fixed !== undefined && fixedResult !== undefined) {
      files.push([fixedPath(path), shrunkScenarioText({ shrunkFrom: reproCommand(command, seed), args: reproArgs(fixed, seed), entries: outcome.after.entries, result: fixedResult, notes: [`The twin of ${path}: the same run and faults under the fixed protocol (the variant's configs kept).`] })]);
    }
    for (const [file, text] of files) {
      try {
        writeFileSync(file, text, 'utf8');
      } catch (error) {
        err(`refka sim: --emit-scenario: ${fileProblem(file, error)}\n`);
        return false;
      }
      out(`  scenario written to ${file}\n`);
    }
  }
  return true;
}

function summary(outcome: ShrinkOutcome): string {
  const { before, after } = outcome;
  const shape = (of: ShrinkOutcome['before']['shape']): string => `${formatDuration(of.durationMs)}, ${of.partitions} partition${of.partitions === 1 ? '' : 's'}, ${of.groups ? 'with' : 'no'} consumer groups`;
  return `shrunk: ${before.faults} -> ${after.faults} faults; ${shape(before.shape)} -> ${shape(after.shape)}; ${outcome.runs} runs${outcome.exhausted ? ' (run budget spent: maybe not the smallest)' : ''}`;
}

/** The same run without its variants, their configs kept as plain configs: the fixed protocol. */
function fixedCommand(command: SimCommand): SimCommand {
  return { ...command, variants: [], config: command.runConfig };
}

function fixedPath(path: string): string {
  return path.endsWith('.txt') ? `${path.slice(0, -'.txt'.length)}-fixed.txt` : `${path}-fixed`;
}
