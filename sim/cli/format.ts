import { FAULT_KINDS } from '../nemesis/fault-kind.ts';
import { describeEntry } from '../nemesis/fault-schedule.ts';
import type { RunResult } from '../run/run-result.ts';

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** The human summary of one run: what happened, whether it passed, and how to replay it. */
export function formatRun(result: RunResult): string {
  const faults = FAULT_KINDS.filter((kind) => result.faults[kind] > 0).map((kind) => `${kind} ${result.faults[kind]}`);
  const heldBack = FAULT_KINDS.filter((kind) => result.faultsHeldBack[kind] > 0).map((kind) => `${kind} ${result.faultsHeldBack[kind]}`);
  const skipped = FAULT_KINDS.filter((kind) => result.faultsSkipped[kind] > 0).map((kind) => `${kind} ${result.faultsSkipped[kind]}`);
  const applicable = result.invariants.filter((stats) => stats.applies);
  const violated = result.invariants.filter((stats) => stats.violations > 0 && stats.applies);
  const notApplicableFindings = result.invariants.filter((stats) => stats.violations > 0 && !stats.applies);
  const lines = [
    `refka sim: ${result.system}`,
    `seed        ${result.seed}`,
    `simulated   ${seconds(result.simulatedMs)}`,
    `events      ${result.events} (${result.traceEntries} trace entries)`,
    `faults      ${faults.length === 0 ? 'none' : faults.join(', ')}  (plan: ${result.faultPlan})`,
    ...(heldBack.length === 0 ? [] : [`held back   ${heldBack.join(', ')}  (over the fault budget: they would leave min.insync.replicas brokers, or half the controllers, impaired at once)`]),
    ...(skipped.length === 0 ? [] : [`skipped     ${skipped.join(', ')}  (scheduled faults their targets could not take when due)`]),
    `schedule    ${scheduleLine(result)}`,
    `invariants  ${result.invariants.length} registered, ${applicable.length} apply, ${violated.length} violated${notApplicableFindings.length > 0 ? ` (${notApplicableFindings.length} that do not apply found something)` : ''}`,
  ];
  for (const stats of result.invariants) {
    const held = stats.excused > 0 ? `held, ${stats.excused} excused` : 'held';
    const status = stats.violations > 0 ? `VIOLATED x${stats.violations}${stats.excused > 0 ? `, ${stats.excused} excused` : ''}` : stats.kind === 'sometimes' ? (stats.hit > 0 ? 'seen' : 'not seen') : held;
    const note = stats.applies ? '' : ` (does not apply: ${stats.notApplicableReason ?? 'by configuration'})`;
    lines.push(`  ${stats.name.padEnd(28)} ${stats.kind.padEnd(10)} checked ${String(stats.checked).padStart(7)}  hit ${String(stats.hit).padStart(7)}  ${status}${note}`);
  }
  for (const violation of limitPerInvariant(result.violations, HUMAN_VIOLATIONS_PER_INVARIANT)) {
    lines.push(`  violation ${violation.invariant} at ${violation.atMs} ms${violation.applies ? '' : ' (not applicable)'}: ${violation.message}`);
    // The first violation of each claim (a few claims per run) comes with its explanation.
    for (const line of violation.explanation ?? []) lines.push(`    ${line}`);
  }
  const hidden = result.violations.length - limitPerInvariant(result.violations, HUMAN_VIOLATIONS_PER_INVARIANT).length;
  if (hidden > 0) lines.push(`  ... and ${hidden} more (all in --json, up to ${JSON_VIOLATIONS_PER_INVARIANT} per invariant)`);
  for (const excused of limitPerInvariant(result.excused, 1)) {
    lines.push(`  excused ${excused.invariant} at ${excused.atMs} ms: ${excused.message} [${excused.faults.join('; ')}]`);
  }
  if (result.summary.length > 0) lines.push('describe', ...result.summary.map((line) => `  ${line}`));
  if (result.liveness !== undefined) lines.push(`liveness    ${result.liveness}`, ...(result.livenessExplanation ?? []).map((line) => `    ${line}`));
  if (result.crash !== undefined) lines.push(`crash       ${result.crash.message}`, indent(result.crash.stack));
  lines.push(`verdict     ${result.verdict.toUpperCase()}`, `digest      ${result.digest}`, `repro       ${result.repro}`);
  return `${lines.join('\n')}\n`;
}

/** Schedule entries the human output lists; the rest are counted (all are in --json). */
const HUMAN_SCHEDULE_ENTRIES = 10;

/** The faults that happened, in time order, in a few words each (idle entries left out). */
function scheduleLine(result: RunResult): string {
  const shown = result.schedule.filter((entry) => entry.type !== 'idle');
  if (shown.length === 0) return 'no faults';
  const listed = shown.slice(0, HUMAN_SCHEDULE_ENTRIES).map(describeEntry).join(', ');
  const more = shown.length - HUMAN_SCHEDULE_ENTRIES;
  return more > 0 ? `${listed}, and ${more} more (all in --json and --emit-schedule)` : listed;
}

/** One line of a sweep. */
export function formatSweepLine(result: RunResult): string {
  const first = result.violations.find((violation) => violation.applies);
  const why = first !== undefined ? ` ${first.invariant}: ${first.message}` : result.liveness ?? result.crash?.message ?? '';
  return `seed ${String(result.seed).padStart(10)}  ${result.verdict.padEnd(8)} ${result.digest}  ${seconds(result.simulatedMs).padStart(8)}  ${String(result.events).padStart(9)} events${why === '' ? '' : `  ${why}`}\n`;
}

/** The JSON line of one run (`--json`): the fields the issue promises, and a few more. */
export function runJson(result: RunResult): string {
  const json = {
    seed: result.seed,
    digest: result.digest,
    simulatedMs: result.simulatedMs,
    events: result.events,
    traceEntries: result.traceEntries,
    verdict: result.verdict,
    violations: limitPerInvariant(result.violations, JSON_VIOLATIONS_PER_INVARIANT),
    violationsOmitted: result.violations.length - limitPerInvariant(result.violations, JSON_VIOLATIONS_PER_INVARIANT).length,
    excused: result.excused,
    faults: result.faults,
    faultsHeldBack: result.faultsHeldBack,
    faultsSkipped: result.faultsSkipped,
    schedule: result.schedule,
    config: result.config,
    variants: result.variants,
    repro: result.repro,
    system: result.system,
    faultPlan: result.faultPlan,
    describe: result.summary,
    invariants: result.invariants,
    ...(result.liveness === undefined ? {} : { liveness: result.liveness }),
    ...(result.livenessExplanation === undefined ? {} : { livenessExplanation: result.livenessExplanation }),
    ...(result.crash === undefined ? {} : { crash: result.crash }),
  };
  return `${JSON.stringify(json)}\n`;
}

/** Violations printed per invariant; the counts are always complete. */
const HUMAN_VIOLATIONS_PER_INVARIANT = 3;
const JSON_VIOLATIONS_PER_INVARIANT = 50;

/** The first `limit` violations of each invariant, in their original order. */
function limitPerInvariant<T extends { readonly invariant: string }>(violations: readonly T[], limit: number): readonly T[] {
  const counts = new Map<string, number>();
  return violations.filter((violation) => {
    const count = counts.get(violation.invariant) ?? 0;
    counts.set(violation.invariant, count + 1);
    return count < limit;
  });
}

function indent(text: string): string {
  return text.split('\n').map((line) => `    ${line}`).join('\n');
}
