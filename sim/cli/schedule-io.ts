import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { scheduleFileText, SCHEDULE_FILE_VERSION } from '../nemesis/fault-schedule.ts';
import { checkScheduleTargets, parseScheduleFile } from '../nemesis/schedule-file.ts';
import type { FaultScript } from '../run/fault-injector.ts';
import type { RunResult } from '../run/run-result.ts';
import { seedSystem } from '../run/run-seed.ts';
import { seedRunOf } from '../scenario/seed-run-step.ts';
import { parseSimArgs, reproArgs, type SimCommand } from './args.ts';

// `--schedule FILE` and `--emit-schedule FILE`: the fault schedule of a run as a file a user can
// read, edit (delete a line: one fault and its repair go) and replay.

/** A schedule file, read and checked against the run its args describe. */
export interface LoadedSchedule {
  /** The run, as if its args had been given on the command line. */
  readonly command: SimCommand;
  readonly script: FaultScript;
}

/** Reads and checks `path`; a problem comes back as one line naming it. */
export function loadSchedule(path: string): LoadedSchedule | string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return `cannot read ${JSON.stringify(path)} (${errorCode(error)})`;
  }
  const file = parseScheduleFile(text);
  if (typeof file === 'string') return `${path}: ${file}`;
  // The args are the command line's own options, read by its own parser; `chooseSeed` is called
  // only when they give no seed, which is rejected below.
  const outcome = parseSimArgs(file.args, { chooseSeed: () => 0 });
  if (outcome.type === 'help') return `${path}: args: --help is not a run option`;
  if (outcome.type === 'replay') return `${path}: args: --schedule cannot be in a schedule's args`;
  if (outcome.type === 'error') return `${path}: args: ${outcome.message}`;
  const command = outcome.command;
  if (command.seedSource !== 'given' || command.seeds.length !== 1) return `${path}: args must give the run's seed, as --seed N`;
  const output = command.traceFile !== undefined ? '--trace' : command.reportDir !== undefined ? '--report' : command.json ? '--json'
    : command.fullChecks === true ? '--full-checks' : command.emitScheduleFile !== undefined ? '--emit-schedule' : undefined;
  if (output !== undefined) return `${path}: args: ${output} says where output goes; give it on the command line, not in the file`;
  const seed = command.seeds[0] as number;
  const system = seedSystem(seedRunOf(command, seed, file.entries));
  const problem = checkScheduleTargets(file.entries, {
    servers: system.servers,
    clients: system.clients,
    faultableClients: system.faultableClients ?? [],
    metadataSources: system.metadataSources ?? [],
    durationMs: command.durationMs,
  });
  if (problem !== undefined) return `${path}: ${problem}`;
  return { command, script: { entries: file.entries, plan: file.plan } };
}

/** A file opened for a run's schedule before the run, so a bad path costs nothing. */
export function openScheduleOutput(path: string): number | string {
  try {
    return openSync(path, 'w');
  } catch (error) {
    return `cannot write ${JSON.stringify(path)} (${errorCode(error)})`;
  }
}

/** Writes the schedule file of `result`, the run of `command` (the plan: the script's, if replayed). */
export function writeScheduleOutput(descriptor: number, command: SimCommand, result: RunResult, script: FaultScript | undefined): void {
  try {
    writeSync(descriptor, scheduleFileText({ version: SCHEDULE_FILE_VERSION, args: reproArgs(command, result.seed), plan: script?.plan ?? result.faultPlan, entries: result.schedule }));
  } finally {
    closeSync(descriptor);
  }
}

function errorCode(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'error';
}
