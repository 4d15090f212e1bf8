import { assertNever } from '../../impl/common/assert.ts';
import { KAFKA_CONFIGS, type KafkaConfigDef } from '../../impl/config/kafka-config.ts';
import { PROTOCOL_VARIANTS, type ProtocolVariant } from '../../impl/variants/variant-registry.ts';
import { FAULT_KINDS } from '../nemesis/fault-kind.ts';
import { EXIT_CODES } from '../run/run-result.ts';
import { SIM_DEFAULTS, SIM_LIMITS, formatDuration } from './cli-defaults.ts';

// `npm run sim -- --help`, built from the same constants the parser (args.ts) uses.

const EXIT_CODE_MEANINGS: Readonly<Record<keyof typeof EXIT_CODES, string>> = {
  pass: 'every run passed',
  safety: 'a safety invariant was violated',
  usage: 'usage error: the command line was not valid',
  liveness: 'liveness failure: the cluster did not converge after the faults healed',
  crash: 'crash: refka or the simulator threw (a failed assertion included)',
};

function describeConfigType(def: KafkaConfigDef): string {
  switch (def.type) {
    case 'int':
    case 'long': {
      if (def.min !== undefined && def.max !== undefined) {
        return `${def.type} ${def.min}..${def.max}`;
      }
      if (def.min !== undefined) {
        return `${def.type} >= ${def.min}`;
      }
      return def.type;
    }
    case 'boolean':
      return 'true|false';
    case 'enum':
      return [...def.values, ...Object.keys(def.aliases ?? {})].join('|');
    case 'list':
      return `list of ${def.values.join('|')}`;
    case 'string':
      return 'string';
    default:
      return assertNever(def, 'config type');
  }
}

function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') {
    lines.push(line);
  }
  return lines;
}

/** The `--help` text, built from the same constants the parser uses. */
export function helpText(variants: readonly ProtocolVariant[] = PROTOCOL_VARIANTS): string {
  const option = (name: string, text: string): string => `  ${name.padEnd(26)}${text}`;
  const knownVariants = variants.length === 0 ? '(none yet)' : variants.map((variant) => variant.name).join(', ');
  const configKeys = [...KAFKA_CONFIGS].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const keyWidth = Math.max(...configKeys.map((def) => def.key.length)) + 2;
  const lines = [
    'Usage: npm run sim -- [options]',
    '',
    "Runs refka's simulated Kafka cluster under faults, once per seed, and checks every invariant.",
    'The same seed and options always give the same run.',
    '',
    'Seeds:',
    option('--seed N', `Run seed N, a whole number from 0 to ${SIM_LIMITS.maxSeed}.`),
    option('', 'Default: a seed is chosen for you and printed with the result.'),
    option('--seeds A..B', `Run every seed from A to B inclusive (at most ${SIM_LIMITS.maxSeedsPerSweep} seeds).`),
    option('--seeds COUNT', `Run COUNT seeds, starting at --seed if given, else at ${SIM_DEFAULTS.firstSeedOfCount}.`),
    option('--jobs N', `Run a sweep on N worker threads, 1 to ${SIM_LIMITS.maxJobs}. Default: one per core.`),
    option('', 'The output (in seed order), the report and the exit code are those of --jobs 1.'),
    option('', 'A sweep prints a repro line under each failing seed and a closing summary'),
    option('', '(passed, failed by verdict and by claim, the failing seeds).'),
    option('--stop-on-failure', 'End a sweep at the first seed, in seed order, that does not pass.'),
    option('--shard I/N', 'Run only the I-th (0 to N-1) of N interleaved slices of --seeds, for one'),
    option('', 'machine of many; merge the shards\' --report directories with'),
    option('', '`npm run report -- merge`.'),
    '',
    'Cluster and workload:',
    option('--duration D', 'Simulated time per run: Nms, Ns or Nm, more than 0, at most 24 hours.'),
    option('', `Default: ${formatDuration(SIM_DEFAULTS.durationMs)}.`),
    option('--brokers N', `Brokers, 1 to ${SIM_LIMITS.maxBrokers}. Default: ${SIM_DEFAULTS.brokers}.`),
    option('--controllers N', `KRaft controllers (the Raft quorum's voters): 1, 3 or 5. Default: ${SIM_DEFAULTS.controllers}.`),
    option('--partitions N', `Partitions of the workload topic, 1 to ${SIM_LIMITS.maxPartitions}. Default: ${SIM_DEFAULTS.partitions}.`),
    option('--replication-factor N', `Replicas per partition, 1 to --brokers. Default: ${SIM_DEFAULTS.replicationFactor}, or --brokers if fewer.`),
    option('--config KEY=VALUE', 'Set a Kafka config key (repeatable; keys and defaults below).'),
    option('--variant NAME', `Switch on a historical protocol variant (repeatable). Known: ${knownVariants}.`),
    option('--no-groups', 'Leave out the consumer-group workload, which runs by default: group g1,'),
    option('', 'dynamic members on cooperative-sticky (4 at first, one more than the default'),
    option('', '3 partitions, so one idles; one joins late, one leaves, one joins in its'),
    option('', 'place), and group g2, static members (group.instance.id) on Kafka\'s default'),
    option('', 'assignors (range, eager), one replaced by a rolling update and one'),
    option('', 'restarted; both subscribed to the workload topic, faulted by the client'),
    option('', 'fault kinds, and checked by SingleConsumerPerPartition, NoZombieCommit, the'),
    option('', 'group models and group liveness after the heal. The end-of-run describe adds'),
    option('', 'each group as kafka-consumer-groups.sh --describe prints it. A variant whose'),
    option('', 'bug lives in the groups (kafka-12984, kafka-8500, no-generation-check)'),
    option('', 'needs them.'),
    option('--groups', 'Run the consumer-group workload (the default).'),
    option('--faults F', 'none; swarm (each seed picks its own mix of faults); or a comma list'),
    ...wrapWords(`of ${FAULT_KINDS.join(', ')}. Both keep data-destroying faults within what the configuration promises to survive (power loss, disk loss: never more replicas than min.insync.replicas - 1 at once; bit flips only where a checksum looks) and count those held back. swarm-beyond lifts that budget, to see what Kafka loses beyond its promise.`, 70).map((line) => option('', line)),
    option('', 'Default: swarm.'),
    '',
    'Scenarios (instead of random faults; no other option but --trace may be given):',
    option('--scenario FILE', 'Run a scenario script (cluster steps, faults, waits, expected output).'),
    option('--rewrite', 'With --scenario: write the actual outputs into FILE as the expected ones.'),
    option('', 'Exit 0 when every output matches, 1 when one differs, 2 for a script error,'),
    option('', '4 when refka crashed on the script.'),
    option('', 'The script language: spec/scenario-language.md.'),
    '',
    'Fault schedules (spec/simulator.md, "Fault schedules"):',
    option('--emit-schedule FILE', "Write the run's fault schedule to FILE (one seed only): its args (the"),
    option('', 'run), then one entry per line: each fault with its time, kind, targets and'),
    option('', 'repair time (end), and the faults held back, skipped or idle.'),
    option('--schedule FILE', 'Replay a schedule file instead of drawing faults. The run (seed, cluster,'),
    option('', "workload) is the one the file's args give; only --trace, --report, --json,"),
    option('', "--full-checks and --emit-schedule may be added. A seed's schedule replays"),
    option('', 'to the same run, digest and all. Delete an entry to drop a fault with its'),
    option('', 'repair; a fault whose target cannot take it when due (a crash of a node'),
    option('', 'that is down) is skipped, counted and traced; one over the fault budget is'),
    option('', 'held back. A bad file is one line and exit 2.'),
    '',
    'Shrinking (spec/simulator.md, "Shrinking"):',
    option('--shrink', 'After the runs, shrink each failing seed to a smallest run that fails the'),
    option('', 'same way (the same claim first): its schedule replayed, delta debugging'),
    option('', '(ddmin) over its faults to a 1-minimal set, then no groups, one partition and'),
    option('', 'a shorter run where it still fails. Each step is printed; with variants, the'),
    option('', 'shrunk faults are also run under the fixed protocol. Not with --json.'),
    option('--emit-scenario PATH', 'With --shrink: write each shrunk run as a scenario (a seed-run step)'),
    option('', 'that --scenario replays, and with variants its -fixed twin; PATH is a file'),
    option('', 'for one seed, a directory (seed-N.txt) for a sweep.'),
    '',
    'Output:',
    option('--trace FILE', 'Write the event trace to FILE as JSON lines (one --seed, or a --scenario):'),
    option('', 'a header (version, seed, options), every entry with a message summary,'),
    option('', 'leader / ISR / high watermark changes and violations (none of these in the'),
    option('', 'digest). Read it with `npm run trace -- FILE` (--node, --partition, --kind,'),
    option('', '--from/--to, --grep).'),
    option('--report DIR', 'Write reports to DIR.'),
    option('--json', 'Print results as JSON. Default: off. A sweep\'s closing summary then goes'),
    option('', 'to stderr.'),
    option('--full-checks', 'Debug: run every state check after every event, not only after events'),
    option('', 'a broker or the controller handled, over every partition. Same verdicts;'),
    option('', 'slower (seed 42: 1.6x; with --partitions 48: 4x).'),
    option('-h, --help', 'Print this help and exit.'),
    '',
    'Exit codes (a sweep exits with the worst verdict seen):',
    ...(Object.keys(EXIT_CODES) as Array<keyof typeof EXIT_CODES>)
      .sort((a, b) => EXIT_CODES[a] - EXIT_CODES[b])
      .map((name) => `  ${EXIT_CODES[name]}  ${EXIT_CODE_MEANINGS[name]}`),
    '',
    "Config keys for --config (Kafka's names and Kafka 4 defaults):",
    '  The Kafka run sets min.insync.replicas=2, replica.lag.time.max.ms=10000,',
    '  leader.imbalance.check.interval.seconds=5 and log.retention.check.interval.ms=5000 for a',
    '  one-minute run; --config overrides them.',
    '  Each seed draws the workload topic\'s own configs (shown in the run header):',
    '  min.insync.replicas (2, sometimes 3), segment.bytes (4096..65536), flush.messages (sometimes',
    '  1), retention.ms and retention.bytes (sometimes a bound), cleanup.policy (delete, sometimes',
    '  compact or compact,delete). A --config (or --variant) setting for one of these keys wins',
    '  over the drawn value: that key is not drawn.',
    ...configKeys.map(
      (def) => `  ${def.key.padEnd(keyWidth)}${def.scope.padEnd(10)}default ${def.defaultValue}  (${describeConfigType(def)})`,
    ),
    '',
  ];
  return lines.join('\n');
}

/** The help text for the built-in variant registry. */
export const HELP_TEXT: string = helpText();
