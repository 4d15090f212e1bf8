import { availableParallelism } from 'node:os';
import { parseSimArgs, type SimCommand } from '../cli/args.ts';
import { seedRunOf } from '../scenario/seed-run-step.ts';
import { EXIT_CODES } from '../run/run-result.ts';
import { InOrder, runOnWorkers } from '../run/worker-pool.ts';
import { auditSeed, type AuditOutcome } from './checks-audit-run.ts';

/**
 * `npm run checks-audit -- --seeds A..B [run options]`: runs each seed twice, with the incremental
 * state checks and with `--full-checks` (every check after every event, over every partition), and
 * says per seed whether both recorded the same verdict, digest, violations and excuses at the same
 * times (`checks-comparison.ts`). The test `checks-incremental.test.ts` pins a few such runs; this
 * audits as many as one asks for, under any run options (issue 12: the skipping must change no
 * verdict). A full-checks run costs several times the plain one, so this is opt-in.
 */

const USAGE = `Usage: npm run checks-audit -- --seed N | --seeds A..B|COUNT [run options]

Runs each seed twice, with the incremental state checks and with --full-checks, and reports per seed
whether both found the same verdict, digest, violations and excuses at the same times. The run
options are npm run sim's (--duration, --brokers, --controllers, --partitions, --replication-factor,
--config, --variant, --faults, --groups, --no-groups, --jobs); see npm run sim -- --help.

Exit codes: 0 every seed agrees, 1 a seed differs, 2 bad input, 4 a run crashed.
`;

/** Options of npm run sim that name an output or another mode, not a run. */
const NOT_AUDITED: readonly [keyof SimCommand, string][] = [
  ['traceFile', '--trace'],
  ['reportDir', '--report'],
  ['fullChecks', '--full-checks'],
  ['emitScheduleFile', '--emit-schedule'],
  ['shrink', '--shrink'],
  ['emitScenario', '--emit-scenario'],
  ['shard', '--shard'],
];

function parse(argv: readonly string[]): SimCommand | { readonly error: string } | 'help' {
  if (argv.some((word) => word === '--scenario' || word.startsWith('--scenario=') || word === '--rewrite')) return { error: '--scenario is not a seed run: audit seeds with --seed or --seeds' };
  const outcome = parseSimArgs(argv, { chooseSeed: () => 0 });
  switch (outcome.type) {
    case 'help':
      return 'help';
    case 'error':
      return { error: outcome.message };
    case 'replay':
      return { error: '--schedule replays one run: audit seeds with --seed or --seeds' };
    case 'run':
      break;
  }
  const command = outcome.command;
  if (command.seedSource === 'chosen') return { error: 'give the seeds to audit: --seed N or --seeds A..B' };
  if (command.json) return { error: '--json is not an output of the audit' };
  if (command.stopOnFailure) return { error: '--stop-on-failure is not an option of the audit' };
  for (const [field, option] of NOT_AUDITED) if (command[field] !== undefined && command[field] !== false) return { error: `${option} is not an option of the audit` };
  return command;
}

function line(outcome: AuditOutcome): string {
  const seed = `seed ${String(outcome.seed).padStart(10)}  ${outcome.verdict.padEnd(8)}`;
  if (outcome.difference !== undefined) return `${seed} DIFFERS  ${outcome.difference}`;
  return `${seed} agrees   ${outcome.findings} finding(s) kept; StrongIsr checked ${outcome.checks.incremental} times, ${outcome.checks.full} with --full-checks`;
}

function main(argv: readonly string[]): void {
  const parsed = parse(argv);
  if (parsed === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  if ('error' in parsed) {
    process.stderr.write(`refka checks-audit: ${parsed.error} (see --help)\n`);
    process.exitCode = EXIT_CODES.usage;
    return;
  }
  const runs = parsed.seeds.map((seed) => seedRunOf(parsed, seed));
  const threads = Math.max(1, Math.min(parsed.jobs ?? availableParallelism(), runs.length));
  // Printed in seed order as they come, as npm run sim's sweep prints (`InOrder`).
  const done: AuditOutcome[] = [];
  const ordered = new InOrder<AuditOutcome>((_index, outcome) => {
    done.push(outcome);
    process.stdout.write(`${line(outcome)}\n`);
    return 'continue';
  });
  const finish = (error?: Error): void => {
    if (error !== undefined) {
      process.stderr.write(`refka checks-audit: a run crashed: ${error.message}\n`);
      process.exitCode = EXIT_CODES.crash;
      return;
    }
    const differ = done.filter((outcome) => outcome.difference !== undefined).map((outcome) => outcome.seed);
    process.stdout.write(`audit       ${done.length} seeds: ${done.length - differ.length} agree, ${differ.length} differ${differ.length === 0 ? '' : ` (seeds ${differ.join(' ')})`}\n`);
    process.exitCode = differ.length === 0 ? 0 : 1;
  };
  runOnWorkers<(typeof runs)[number], AuditOutcome>(new URL('./checks-audit-worker.ts', import.meta.url), runs, threads, {
    result: (index, outcome) => ordered.push(index, outcome),
    done: finish,
  });
}

main(process.argv.slice(2));
