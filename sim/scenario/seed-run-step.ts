import { toVariantNames } from '../../impl/variants/variant-registry.ts';
import { parseSimArgs, reproArgs, type SimCommand } from '../cli/args.ts';
import { SCHEDULE_FILE_VERSION, type ScheduleEntry } from '../nemesis/fault-schedule.ts';
import { checkScheduleTargets, parseScheduleFile } from '../nemesis/schedule-file.ts';
import type { RunResult } from '../run/run-result.ts';
import { runSeed, seedSystem, type SeedRun } from '../run/run-seed.ts';

/**
 * A scenario's `seed-run` step: one seeded run of the default system (its workload, network and
 * randomness are the seed's) with the given fault schedule instead of drawn faults. The run is
 * named by the command line's own options (`args="--seed 1 --variant pre-kip-101 --no-groups"`),
 * read by the command line's own parser, and the faults are the step's input lines, one schedule
 * entry (as `--emit-schedule` writes them) per line. This is how a shrunk failure is written down
 * (`--shrink --emit-scenario FILE`): the smallest run refka found that still fails, replayed
 * exactly, judged by every claim.
 */
export interface SeedRunStep {
  readonly command: SimCommand;
  readonly entries: readonly ScheduleEntry[];
}

/** Reads a step's args and input lines; a problem is one sentence (the caller adds file:line). */
export function parseSeedRunStep(args: string, input: readonly string[]): SeedRunStep | { readonly problem: string; readonly inputLine?: number } {
  const words = args.trim() === '' ? [] : args.trim().split(/\s+/);
  const outcome = parseSimArgs(words, { chooseSeed: () => 0 });
  if (outcome.type === 'help') return { problem: 'args: --help is not a run option' };
  if (outcome.type === 'replay') return { problem: 'args: --schedule cannot be given here; the faults are the input lines' };
  if (outcome.type === 'error') return { problem: `args: ${outcome.message}` };
  const command = outcome.command;
  if (command.seedSource !== 'given' || command.seeds.length !== 1) return { problem: 'args must give one seed, as --seed N' };
  const output = command.traceFile !== undefined ? '--trace' : command.reportDir !== undefined ? '--report' : command.json ? '--json'
    : command.emitScheduleFile !== undefined ? '--emit-schedule' : command.fullChecks === true ? '--full-checks' : command.jobs !== undefined ? '--jobs' : undefined;
  if (output !== undefined) return { problem: `args: ${output} is not a run option` };
  const entries: ScheduleEntry[] = [];
  for (const [index, line] of input.entries()) {
    const file = parseScheduleFile(`{"version":${SCHEDULE_FILE_VERSION},"args":[],"plan":"","entries":[${line}]}`);
    if (typeof file === 'string') return { problem: `fault line: ${file.replace('entries[0]', 'the entry')}`, inputLine: index };
    const entry = file.entries[0];
    if (file.entries.length !== 1 || entry === undefined) return { problem: 'fault line: one schedule entry per line', inputLine: index };
    const before = entries.at(-1);
    if (before !== undefined && entry.at < before.at) return { problem: `fault line: at ${entry.at} is before the line above's ${before.at}: faults go in time order`, inputLine: index };
    entries.push(entry);
  }
  const seed = command.seeds[0] as number;
  const system = seedSystem(seedRunOf(command, seed, entries));
  const problem = checkScheduleTargets(entries, {
    servers: system.servers,
    clients: system.clients,
    faultableClients: system.faultableClients ?? [],
    metadataSources: system.metadataSources ?? [],
    durationMs: command.durationMs,
  });
  if (problem !== undefined) {
    const match = /^entries\[(\d+)\]/.exec(problem);
    return { problem: `fault line: ${problem.replace(/^entries\[\d+\]/, 'the entry')}`, ...(match === null ? {} : { inputLine: Number(match[1]) }) };
  }
  return { command, entries };
}

/** The run `command` names for `seed`; with `entries`, playing them instead of drawing faults. */
export function seedRunOf(command: SimCommand, seed: number, entries?: readonly ScheduleEntry[]): SeedRun {
  return {
    seed,
    durationMs: command.durationMs,
    brokers: command.brokers,
    controllers: command.controllers,
    partitions: command.partitions,
    replicationFactor: command.replicationFactor,
    faults: command.faults,
    config: command.runConfig,
    variants: toVariantNames(command.variants),
    repro: `seed-run ${reproArgs(command, seed).join(' ')}`,
    groups: command.groups,
    ...(entries === undefined ? {} : { schedule: { entries, plan: 'a seed-run step' } }),
  };
}

export function runSeedRunStep(step: SeedRunStep): RunResult {
  return runSeed(seedRunOf(step.command, step.command.seeds[0] as number, step.entries));
}

/**
 * What a `seed-run` step prints: the verdict, then the first violation of each claim that failed
 * (applicable ones), or the liveness message. No counts that a harmless change would move: the
 * step's expected output is the failure, which is what the script pins.
 */
export function seedRunOutput(result: RunResult): string[] {
  const lines = [`verdict ${result.verdict.toUpperCase()}`];
  const seen = new Set<string>();
  for (const violation of result.violations) {
    if (!violation.applies || seen.has(violation.invariant)) continue;
    seen.add(violation.invariant);
    lines.push(`violation ${violation.invariant} at ${violation.atMs} ms: ${violation.message}`);
  }
  if (result.verdict === 'liveness' && result.liveness !== undefined) lines.push(`liveness: ${result.liveness}`);
  return lines;
}
