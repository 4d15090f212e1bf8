import fc from 'fast-check';
import { assertNever } from '../../impl/common/assert.ts';
import type { MutantName } from '../../sim/mutants/mutant-catalogue.ts';
import { clusterCaseArbitrary, type ClusterCase } from './arbitraries.ts';
import { caseArgs, runCase, scheduleFileOf, type CaseOutcome } from './cluster-run.ts';

/**
 * fast-check properties over whole clusters (issue 14): each draws a cluster configuration, a
 * workload seed and a fault schedule (`arbitraries.ts`), runs the real simulator on them
 * (`cluster-run.ts`), and asserts one of the mission's guarantees over the run's claims. A claim
 * counts only where it applies (acks=all and `min.insync.replicas` >= 2 are always drawn, so the
 * durability claims always do) and only as the run found it: the run stops at its first safety
 * violation, whichever claim it is, and so every property's claims are judged up to then.
 */

export type GuaranteeName = 'order' | 'no-loss' | 'single-consumer' | 'other-always';

export interface Guarantee {
  readonly name: GuaranteeName;
  /** What the property asserts, in a few words. */
  readonly title: string;
  /** The claims it holds the run to; for `other-always`, every always claim the others leave. */
  readonly claims: readonly string[];
}

/**
 * Kafka's ordering guarantee (docs §1.2 "Guarantees"): records a producer sends to a partition
 * are appended in the order they were sent (`nonmonotonic-send`; with idempotence a retried batch
 * is never appended a second time after later ones, `duplicate`), and a consumer sees them in the
 * order the log holds them, none skipped (`poll-skip`).
 */
const ORDER: Guarantee = {
  name: 'order',
  title: 'order per partition',
  claims: ['nonmonotonic-send', 'duplicate', 'poll-skip'],
};

/**
 * No acknowledged write is lost, with acks=all and `min.insync.replicas` >= 2: read back at its
 * offset (`lost-write`), never replaced there by another value (`inconsistent-offsets`), and the
 * replication state that promises it: committed only on `min.insync.replicas` copies
 * (`HighWatermarkOnMinIsr`), held by every ISR member (`StrongIsr`, `IsrHoldsCommitted`), and
 * in the log of every next leader (`CommittedRecordsSurvive`).
 */
const NO_LOSS: Guarantee = {
  name: 'no-loss',
  title: 'no loss of acknowledged writes (acks=all, min.insync.replicas >= 2)',
  claims: ['lost-write', 'inconsistent-offsets', 'HighWatermarkOnMinIsr', 'StrongIsr', 'IsrHoldsCommitted', 'CommittedRecordsSurvive'],
};

/** One consumer per partition in a group (it applies to runs with the consumer groups only). */
const SINGLE_CONSUMER: Guarantee = {
  name: 'single-consumer',
  title: 'one consumer per partition in a group',
  claims: ['SingleConsumerPerPartition'],
};

const OTHER_ALWAYS: Guarantee = {
  name: 'other-always',
  title: 'every other always claim that applies, and no crash',
  claims: [],
};

export const GUARANTEES: readonly Guarantee[] = [ORDER, NO_LOSS, SINGLE_CONSUMER, OTHER_ALWAYS];

export function guaranteeByName(name: GuaranteeName): Guarantee {
  switch (name) {
    case 'order':
      return ORDER;
    case 'no-loss':
      return NO_LOSS;
    case 'single-consumer':
      return SINGLE_CONSUMER;
    case 'other-always':
      return OTHER_ALWAYS;
    default:
      return assertNever(name, 'guarantee');
  }
}

/** The claims of the three mission guarantees; `other-always` holds a run to every other one. */
const MISSION_CLAIMS: ReadonlySet<string> = new Set([...ORDER.claims, ...NO_LOSS.claims, ...SINGLE_CONSUMER.claims]);

/** Whether the guarantee holds the run to `claim` (an always claim of the run). */
export function judges(guarantee: Guarantee, claim: string): boolean {
  return guarantee.name === 'other-always' ? !MISSION_CLAIMS.has(claim) : guarantee.claims.includes(claim);
}

/** Why the run breaks the guarantee, or undefined if it keeps it (as far as the run got). */
export function guaranteeFailure(guarantee: Guarantee, outcome: CaseOutcome): string | undefined {
  const always = new Set(outcome.claims.filter((claim) => claim.kind === 'always').map((claim) => claim.name));
  const violation = outcome.violations.find((found) => always.has(found.invariant) && judges(guarantee, found.invariant));
  if (violation !== undefined) return `claim ${violation.invariant} violated at ${violation.atMs} ms: ${violation.message}`;
  // A crash stops every check: the other-always property fails on it, since nothing else names it.
  if (guarantee.name === 'other-always' && outcome.verdict === 'crash') return `the run crashed: ${outcome.crash ?? 'no message'}`;
  return undefined;
}

/** A property's counterexample, said so that a user can replay it. */
export class ClusterPropertyFailure extends Error {
  override readonly name = 'ClusterPropertyFailure';
  constructor(
    readonly guarantee: Guarantee,
    readonly testCase: ClusterCase,
    readonly reason: string,
    readonly mutants: readonly MutantName[],
  ) {
    super(failureText(guarantee, testCase, reason, mutants));
    // Where the predicate threw says nothing: the failure is the run's, told by the message.
    this.stack = `${this.name}: ${this.message}`;
  }
}

function failureText(guarantee: Guarantee, testCase: ClusterCase, reason: string, mutants: readonly MutantName[]): string {
  const planted = mutants.length === 0
    ? 'replay: save the schedule file below and run `npm run sim -- --schedule FILE`'
    : `with the test-only mutant ${mutants.join(', ')} planted (the command line offers no mutants: the schedule file below replays the run without it)`;
  return [
    `${guarantee.title}: ${reason}`,
    `run: ${caseArgs(testCase).join(' ')}, with the ${testCase.schedule.length} fault(s) of the schedule file below instead of drawn ones`,
    planted,
    scheduleFileOf(testCase).trimEnd(),
  ].join('\n');
}

export interface ClusterPropertyOptions {
  /** Test-only bugs to plant in every run (`sim/mutants/`), to show the property failing. */
  readonly mutants?: readonly MutantName[];
  /** The arbitrary of the cases (the default: `clusterCaseArbitrary()`). */
  readonly cases?: fc.Arbitrary<ClusterCase>;
}

/** The property of one guarantee: every generated run keeps it. */
export function clusterProperty(guarantee: Guarantee, options: ClusterPropertyOptions = {}): fc.IPropertyWithHooks<[ClusterCase]> {
  const mutants = options.mutants ?? [];
  return fc.property(options.cases ?? clusterCaseArbitrary(), (testCase) => {
    const reason = guaranteeFailure(guarantee, runCase(testCase, mutants));
    if (reason !== undefined) throw new ClusterPropertyFailure(guarantee, testCase, reason, mutants);
  });
}
