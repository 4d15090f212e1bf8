import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { KAFKA_CONFIGS } from '../../impl/config/kafka-config.ts';
import type { ProtocolVariant } from '../../impl/variants/variant-registry.ts';
import { FAULT_KINDS } from '../nemesis/fault-kind.ts';
import { EXIT_CODES } from '../run/run-result.ts';
import {
  HELP_TEXT,
  SIM_DEFAULTS,
  SIM_LIMITS,
  helpText,
  parseSimArgs,
  reproArgs,
  reproCommand,
  shellQuote,
  type ParseOutcome,
  type SimCommand,
} from './args.ts';

const CHOSEN_SEED = 424242;
const choose = { chooseSeed: () => CHOSEN_SEED };

function parse(argv: readonly string[], variants?: readonly ProtocolVariant[]): ParseOutcome {
  return parseSimArgs(argv, variants === undefined ? choose : { ...choose, variants });
}

function run(argv: readonly string[], variants?: readonly ProtocolVariant[]): SimCommand {
  const outcome = parse(argv, variants);
  if (outcome.type !== 'run') {
    throw new Error(`expected ${JSON.stringify(argv)} to parse, got ${JSON.stringify(outcome)}`);
  }
  return outcome.command;
}

/** The error message for `argv`, checked to be a single non-empty line. */
function fail(argv: readonly string[], variants?: readonly ProtocolVariant[]): string {
  const outcome = parse(argv, variants);
  if (outcome.type !== 'error') {
    throw new Error(`expected ${JSON.stringify(argv)} to be rejected, got ${JSON.stringify(outcome)}`);
  }
  expectOneLine(outcome.message);
  return outcome.message;
}

function expectOneLine(message: string): void {
  expect(message.length).toBeGreaterThan(0);
  expect(message).not.toMatch(/[\p{Cc}\p{Zl}\p{Zp}]/u);
  expect(message).not.toMatch(/^\s|\s$/);
  expect(message).not.toMatch(/\bat .*\.ts:\d+/);
}

/** The part of a command that names the run: what a repro line must give back. */
function runIdentity(command: SimCommand, seed: number): SimCommand {
  const { traceFile: _trace, reportDir: _report, emitScheduleFile: _schedule, shrink: _shrink, emitScenario: _scenario, ...rest } = command;
  return { ...rest, json: false, seeds: [seed], seedSource: 'given' };
}

/** Splits a POSIX shell line as `reproCommand` writes it: bare words and single-quoted parts. */
function splitShellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let index = 0; index < line.length; index += 1) {
    const char = line[index] ?? '';
    if (char === ' ') {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (char === "'") {
      const end = line.indexOf("'", index + 1);
      if (end < 0) throw new Error(`unterminated quote in ${line}`);
      word = (word ?? '') + line.slice(index + 1, end);
      index = end;
    } else if (char === '\\') {
      word = (word ?? '') + (line[index + 1] ?? '');
      index += 1;
    } else {
      word = (word ?? '') + char;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

const VARIANTS: readonly ProtocolVariant[] = [
  { name: 'alpha', summary: 'A test variant.', source: 'KIP-1', configOverrides: { 'unclean.leader.election.enable': 'true' }, rules: { highWatermarkNeedsMinIsr: false } },
  { name: 'beta', summary: 'A test variant.', source: 'KAFKA-2', configOverrides: {}, rules: { highWatermarkNeedsMinIsr: false } },
  { name: 'gamma', summary: 'A test variant.', source: 'KIP-3', configOverrides: { 'unclean.leader.election.enable': 'false' }, rules: { highWatermarkNeedsMinIsr: false } },
  { name: 'delta', summary: 'A test variant.', source: 'KIP-4', configOverrides: { 'min.insync.replicas': '3' }, rules: { highWatermarkNeedsMinIsr: false } },
];

describe('parseSimArgs: defaults and seeds', () => {
  it('fills in every default and asks the caller for a seed when none is given', () => {
    let calls = 0;
    const outcome = parseSimArgs([], {
      chooseSeed: () => {
        calls += 1;
        return 17;
      },
    });
    expect(outcome).toEqual({
      type: 'run',
      command: {
        seeds: [17],
        seedSource: 'chosen',
        durationMs: 60_000,
        brokers: 3,
        controllers: 3,
        partitions: 3,
        replicationFactor: 3,
        config: {},
        runConfig: {},
        variants: [],
        faults: { type: 'swarm' },
        json: false,
        stopOnFailure: false,
        groups: true,
      },
    });
    expect(calls).toBe(1);
  });

  it('does not ask for a seed when one is given, or when the command line is rejected', () => {
    let calls = 0;
    const options = {
      chooseSeed: () => {
        calls += 1;
        return 1;
      },
    };
    expect(parseSimArgs(['--seed', '5'], options).type).toBe('run');
    expect(parseSimArgs(['--seeds', '1..2'], options).type).toBe('run');
    expect(parseSimArgs(['--brokers', '0'], options).type).toBe('error');
    expect(parseSimArgs(['--help'], options).type).toBe('help');
    expect(calls).toBe(0);
  });

  it('takes --seed N', () => {
    expect(run(['--seed', '42'])).toMatchObject({ seeds: [42], seedSource: 'given' });
    expect(run(['--seed', '0']).seeds).toEqual([0]);
    expect(run(['--seed=7']).seeds).toEqual([7]);
    expect(run(['--seed', '9007199254740991']).seeds).toEqual([Number.MAX_SAFE_INTEGER]);
  });

  it('rejects a seed that is not a non-negative safe integer in decimal digits', () => {
    for (const raw of ['1e3', '-1', '1.5', '0x10', '', ' 1', '+1', '9007199254740992', '99999999999999999999', 'NaN', '١']) {
      expect(fail([`--seed=${raw}`])).toBe(
        `--seed must be a whole number from 0 to 9007199254740991 in decimal digits, got '${raw}'`,
      );
    }
  });

  it('takes --seeds A..B as an inclusive range', () => {
    expect(run(['--seeds', '3..6'])).toMatchObject({ seeds: [3, 4, 5, 6], seedSource: 'given' });
    expect(run(['--seeds', '0..0']).seeds).toEqual([0]);
    expect(run(['--seeds', '1..1000000']).seeds).toHaveLength(SIM_LIMITS.maxSeedsPerSweep);
    expect(run(['--seeds', '9007199254740990..9007199254740991']).seeds).toEqual([
      Number.MAX_SAFE_INTEGER - 1,
      Number.MAX_SAFE_INTEGER,
    ]);
  });

  it('takes --seeds COUNT, starting at --seed or else at 1', () => {
    expect(run(['--seeds', '3'])).toMatchObject({ seeds: [1, 2, 3], seedSource: 'given' });
    expect(run(['--seeds', '3', '--seed', '10']).seeds).toEqual([10, 11, 12]);
    expect(run(['--seed', '0', '--seeds', '2']).seeds).toEqual([0, 1]);
    expect(SIM_DEFAULTS.firstSeedOfCount).toBe(1);
  });

  it('rejects bad --seeds', () => {
    expect(fail(['--seeds', '6..3'])).toBe("--seeds range '6..3' is empty: its start is after its end");
    expect(fail(['--seeds', '0..1000000'])).toBe("--seeds range '0..1000000' has 1000001 seeds; at most 1000000 are allowed");
    expect(fail(['--seeds', '1..x'])).toBe("--seeds range end must be a whole number from 0 to 9007199254740991 in decimal digits, got 'x'");
    expect(fail(['--seeds', '..2'])).toMatch(/^--seeds range start must be a whole number .* got ''$/);
    expect(fail(['--seeds', '1...3'])).toBe("--seeds must be a range A..B or a count from 1 to 1000000, got '1...3'");
    expect(fail(['--seeds', '0'])).toBe("--seeds must be a range A..B or a count from 1 to 1000000, got '0'");
    expect(fail(['--seeds', '1000001'])).toMatch(/^--seeds must be a range A\.\.B or a count .* got '1000001'$/);
    expect(fail(['--seeds', ''])).toMatch(/^--seeds must be .* got ''$/);
    expect(fail(['--seed', '9007199254740991', '--seeds', '2'])).toBe(
      '--seeds 2 starting at --seed 9007199254740991 runs past the largest seed, 9007199254740991',
    );
  });

  it('rejects --seed together with --seeds A..B', () => {
    expect(fail(['--seed', '1', '--seeds', '1..5'])).toBe(
      '--seed cannot be combined with --seeds A..B; put the whole range in --seeds',
    );
  });
});

describe('parseSimArgs: cluster options', () => {
  it('takes --duration with a unit', () => {
    expect(run(['--duration', '60s']).durationMs).toBe(60_000);
    expect(run(['--duration', '1500ms']).durationMs).toBe(1500);
    expect(run(['--duration', '2m']).durationMs).toBe(120_000);
    expect(run(['--duration', '1ms']).durationMs).toBe(1);
    expect(run(['--duration', '1440m']).durationMs).toBe(86_400_000);
    expect(run(['--duration', '86400000ms']).durationMs).toBe(86_400_000);
  });

  it('rejects a duration without a unit, of zero, or over 24 hours', () => {
    for (const raw of ['60', '1h', '1.5s', '-5s', '', '60 s', 's', '1e3ms', '60S']) {
      expect(fail([`--duration=${raw}`])).toBe(
        `--duration must be a whole number with a unit (ms, s or m), such as 60s; got '${raw}'`,
      );
    }
    expect(fail(['--duration', '0s'])).toBe("--duration must be more than zero, got '0s'");
    expect(fail(['--duration', '0ms'])).toBe("--duration must be more than zero, got '0ms'");
    expect(fail(['--duration', '86400001ms'])).toBe("--duration must be at most 24 hours (1440m), got '86400001ms'");
    expect(fail(['--duration', '99999999999999999999999m'])).toMatch(/^--duration must be at most 24 hours/);
  });

  it('takes --brokers and --partitions within their limits', () => {
    expect(run(['--brokers', '1']).brokers).toBe(1);
    expect(run(['--brokers', '64']).brokers).toBe(64);
    expect(run(['--partitions', '1']).partitions).toBe(1);
    expect(run(['--partitions', '1000']).partitions).toBe(1000);
    expect(fail(['--brokers', '0'])).toBe("--brokers must be a whole number from 1 to 64, got '0'");
    expect(fail(['--brokers', '65'])).toBe("--brokers must be a whole number from 1 to 64, got '65'");
    expect(fail(['--brokers', 'three'])).toBe("--brokers must be a whole number from 1 to 64, got 'three'");
    expect(fail(['--partitions', '1001'])).toBe("--partitions must be a whole number from 1 to 1000, got '1001'");
    expect(fail(['--partitions', '2.0'])).toBe("--partitions must be a whole number from 1 to 1000, got '2.0'");
  });

  it('takes --controllers as a KRaft quorum of 1, 3 or 5 voters', () => {
    expect(run([]).controllers).toBe(3);
    expect(run(['--controllers', '1']).controllers).toBe(1);
    expect(run(['--controllers', '5']).controllers).toBe(5);
    expect(fail(['--controllers', '2'])).toBe('--controllers must be 1, 3 or 5 (a KRaft quorum of voters), got 2');
    expect(fail(['--controllers', '0'])).toBe("--controllers must be a whole number from 1 to 5, got '0'");
    expect(fail(['--controllers', 'x'])).toBe("--controllers must be a whole number from 1 to 5, got 'x'");
  });

  it('defaults the replication factor to the smaller of 3 and --brokers', () => {
    expect(run(['--brokers', '1']).replicationFactor).toBe(1);
    expect(run(['--brokers', '2']).replicationFactor).toBe(2);
    expect(run(['--brokers', '5']).replicationFactor).toBe(3);
    expect(run(['--brokers', '5', '--replication-factor', '5']).replicationFactor).toBe(5);
    expect(run(['--replication-factor', '1']).replicationFactor).toBe(1);
  });

  it('rejects a replication factor above the number of brokers, naming both', () => {
    expect(fail(['--brokers', '2', '--replication-factor', '3'])).toBe('--replication-factor 3 is more than --brokers 2');
    expect(fail(['--replication-factor', '4'])).toBe('--replication-factor 4 is more than --brokers 3 (the default)');
    expect(fail(['--replication-factor', '0'])).toBe("--replication-factor must be a whole number from 1 to 64, got '0'");
  });
});

describe('parseSimArgs: --config', () => {
  it('keeps only the overrides, canonical, with sorted keys', () => {
    const command = run([
      '--config',
      'min.insync.replicas=2',
      '--config',
      'acks=-1',
      '--config',
      'cleanup.policy=delete,compact',
      '--config=enable.idempotence=TRUE',
      '--config',
      'retention.ms=-1',
      '--config',
      'flush.messages=9223372036854775807',
    ]);
    expect(command.config).toEqual({
      acks: 'all',
      'cleanup.policy': 'compact,delete',
      'enable.idempotence': 'true',
      'flush.messages': '9223372036854775807',
      'min.insync.replicas': '2',
      'retention.ms': '-1',
    });
    expect(Object.keys(command.config)).toEqual([...Object.keys(command.config)].sort());
  });

  it('rejects unknown keys, suggesting a close one', () => {
    expect(fail(['--config', 'no.such.key=1'])).toBe("--config: unknown config key 'no.such.key'");
    expect(fail(['--config', 'min.insync.replica=2'])).toBe(
      "--config: unknown config key 'min.insync.replica' (did you mean 'min.insync.replicas'?)",
    );
    expect(fail(['--config', 'toString=1'])).toBe("--config: unknown config key 'toString'");
    expect(fail(['--config', '__proto__=1'])).toBe("--config: unknown config key '__proto__'");
  });

  it('rejects a setting that is not KEY=VALUE', () => {
    expect(fail(['--config', 'acks'])).toBe("--config must be KEY=VALUE, such as min.insync.replicas=2; got 'acks'");
    expect(fail(['--config', '=1'])).toBe("--config must be KEY=VALUE, such as min.insync.replicas=2; got '=1'");
    expect(fail(['--config', ''])).toBe("--config must be KEY=VALUE, such as min.insync.replicas=2; got ''");
  });

  it('rejects invalid values with the key and the value', () => {
    expect(fail(['--config', 'acks=2'])).toBe("--config: acks must be one of all, 0, 1, -1; got '2'");
    expect(fail(['--config', 'min.insync.replicas=0'])).toBe(
      "--config: min.insync.replicas must be an integer from 1 to 2147483647, got '0'",
    );
    expect(fail(['--config', 'linger.ms='])).toBe("--config: linger.ms must be an integer from 0 to 9223372036854775807, got ''");
  });

  it('rejects a key set twice, even when the spellings differ', () => {
    expect(fail(['--config', 'acks=1', '--config', 'acks=1'])).toBe('--config sets acks more than once');
    expect(fail(['--config', 'acks=-1', '--config', 'acks=all'])).toBe('--config sets acks more than once');
  });

  it('rejects min.insync.replicas above the replication factor, naming both numbers', () => {
    expect(run(['--config', 'min.insync.replicas=3']).config).toEqual({ 'min.insync.replicas': '3' });
    expect(fail(['--config', 'min.insync.replicas=4'])).toBe(
      'min.insync.replicas 4 is more than --replication-factor 3 (the default)',
    );
    expect(fail(['--brokers', '5', '--replication-factor', '2', '--config', 'min.insync.replicas=3'])).toBe(
      'min.insync.replicas 3 is more than --replication-factor 2',
    );
  });
});

describe('parseSimArgs: --variant', () => {
  it('knows the historical variants and names them when rejecting another', () => {
    expect(run(['--variant', 'pre-kip-101']).variants).toEqual(['pre-kip-101']);
    expect(fail(['--variant', 'pre-kip-42'])).toBe(
      "--variant: unknown variant 'pre-kip-42'; known variants: kafka-12984, kafka-15489, kafka-7128, kafka-8500, kip-497-expand-on-commit, no-generation-check, pre-kip-101, pre-kip-279, pre-kip-320, pre-kip-497, pre-kip-903, pre-kip-966, pre-kip-996",
    );
    expect(run(['--variant', 'pre-kip-279']).runConfig).toEqual({ acks: '1', 'min.insync.replicas': '1', 'unclean.leader.election.enable': 'true' });
  });

  it('takes known variants, sorted', () => {
    expect(run(['--variant', 'beta', '--variant', 'alpha'], VARIANTS).variants).toEqual(['alpha', 'beta']);
    expect(run([], VARIANTS).variants).toEqual([]);
  });

  it("puts the variants' config into the run's config, under the --config overrides", () => {
    const command = run(['--variant', 'alpha', '--variant', 'delta', '--config', 'acks=1'], VARIANTS);
    expect(command.config).toEqual({ acks: '1' });
    expect(command.runConfig).toEqual({ acks: '1', 'min.insync.replicas': '3', 'unclean.leader.election.enable': 'true' });
    expect(Object.keys(command.runConfig)).toEqual(['acks', 'min.insync.replicas', 'unclean.leader.election.enable']);
  });

  it('rejects unknown and repeated variants', () => {
    expect(fail(['--variant', 'omega'], VARIANTS)).toBe(
      "--variant: unknown variant 'omega'; known variants: alpha, beta, gamma, delta",
    );
    expect(fail(['--variant', 'beta', '--variant', 'beta'], VARIANTS)).toBe('--variant beta is given more than once');
  });

  it('rejects variants and --config that contradict one another', () => {
    expect(fail(['--variant', 'gamma', '--variant', 'alpha'], VARIANTS)).toBe(
      '--variant alpha and --variant gamma set unclean.leader.election.enable to different values (true and false)',
    );
    expect(fail(['--variant', 'alpha', '--config', 'unclean.leader.election.enable=false'], VARIANTS)).toBe(
      '--config unclean.leader.election.enable=false contradicts --variant alpha, which needs unclean.leader.election.enable=true',
    );
    expect(run(['--variant', 'alpha', '--config', 'unclean.leader.election.enable=TRUE'], VARIANTS).config).toEqual({
      'unclean.leader.election.enable': 'true',
    });
  });

  it("checks a variant's min.insync.replicas against the replication factor", () => {
    expect(run(['--variant', 'delta'], VARIANTS).variants).toEqual(['delta']);
    expect(fail(['--variant', 'delta', '--brokers', '2'], VARIANTS)).toBe(
      'min.insync.replicas 3 (set by --variant delta) is more than --replication-factor 2 (the default)',
    );
  });
});

describe('parseSimArgs: --faults', () => {
  it('takes none, swarm, or a list of kinds in canonical order', () => {
    expect(run([]).faults).toEqual({ type: 'swarm' });
    expect(run(['--faults', 'swarm']).faults).toEqual({ type: 'swarm' });
    expect(run(['--faults', 'none']).faults).toEqual({ type: 'none' });
    expect(run(['--faults', 'partition,crash']).faults).toEqual({ type: 'kinds', kinds: ['crash', 'partition'] });
    expect(run(['--faults', [...FAULT_KINDS].reverse().join(',')]).faults).toEqual({ type: 'kinds', kinds: FAULT_KINDS });
  });

  it('rejects unknown, empty and repeated items', () => {
    const kinds = FAULT_KINDS.join(', ');
    expect(fail(['--faults', 'crash,meteor'])).toBe(
      `--faults: unknown fault kind 'meteor'; use none, swarm, swarm-beyond or a comma list of ${kinds}`,
    );
    expect(fail(['--faults', 'none,crash'])).toBe(
      `--faults: unknown fault kind 'none' ('none' must stand alone); use none, swarm, swarm-beyond or a comma list of ${kinds}`,
    );
    expect(fail(['--faults', 'Crash'])).toMatch(/^--faults: unknown fault kind 'Crash';/);
    expect(fail(['--faults', 'crash, partition'])).toMatch(/^--faults: unknown fault kind ' partition';/);
    expect(fail(['--faults', ''])).toBe("--faults has an empty item in ''");
    expect(fail(['--faults', 'crash,'])).toBe("--faults has an empty item in 'crash,'");
    expect(fail(['--faults', 'crash,,bitflip'])).toBe("--faults has an empty item in 'crash,,bitflip'");
    expect(fail(['--faults', 'crash,bitflip,crash'])).toBe('--faults lists crash more than once');
  });
});

describe('parseSimArgs: output options and help', () => {
  it('takes --trace, --report and --json', () => {
    const command = run(['--trace', 'out/trace.jsonl', '--report', 'reports/run 1', '--json']);
    expect(command.traceFile).toBe('out/trace.jsonl');
    expect(command.reportDir).toBe('reports/run 1');
    expect(command.json).toBe(true);
    expect(run([]).json).toBe(false);
    expect('traceFile' in run([])).toBe(false);
    expect(run(['--trace=-odd name']).traceFile).toBe('-odd name');
  });

  it('takes --jobs and --stop-on-failure for sweeps', () => {
    expect(run(['--seeds', '10', '--jobs', '4']).jobs).toBe(4);
    expect('jobs' in run(['--seeds', '10'])).toBe(false);
    expect(run(['--seeds', '10', '--stop-on-failure']).stopOnFailure).toBe(true);
    expect(run(['--seed', '3', '--full-checks']).fullChecks).toBe(true);
    expect(run(['--seed', '3']).fullChecks).toBeUndefined();
    expect(fail(['--jobs', '0'])).toBe("--jobs must be a whole number from 1 to 64, got '0'");
    expect(fail(['--jobs', '65'])).toBe("--jobs must be a whole number from 1 to 64, got '65'");
    expect(fail(['--jobs', 'all'])).toBe("--jobs must be a whole number from 1 to 64, got 'all'");
  });

  it('takes --shard I/N: the I-th of N interleaved slices of --seeds', () => {
    expect(run(['--seeds', '1..10', '--shard', '0/3']).seeds).toEqual([1, 4, 7, 10]);
    expect(run(['--seeds', '1..10', '--shard', '2/3']).seeds).toEqual([3, 6, 9]);
    expect(run(['--seeds', '1..10', '--shard', '2/3']).shard).toEqual({ index: 2, count: 3 });
    expect(run(['--seeds', '2', '--shard', '4/5']).seeds).toEqual([]);
    expect(fail(['--shard', '0/2'])).toBe("--shard slices a sweep: give the whole sweep's --seeds too");
    for (const bad of ['3/3', '0/0', '1', '1/-2', 'a/b', '1/2/3']) {
      expect(fail(['--seeds', '10', '--shard', bad])).toBe(`--shard must be I/N with N from 1 to 1000000 and I from 0 to N - 1, got '${bad}'`);
    }
  });

  it('takes --emit-schedule, and --schedule with output options only: the file says what run to make', () => {
    expect(run(['--seed', '3', '--emit-schedule', 's.json']).emitScheduleFile).toBe('s.json');
    expect('emitScheduleFile' in run(['--seed', '3'])).toBe(false);
    expect(parse(['--schedule', 's.json'])).toEqual({ type: 'replay', replay: { scheduleFile: 's.json', json: false } });
    expect(parse(['--json', '--schedule', 's.json', '--trace', 't', '--report', 'r', '--full-checks', '--emit-schedule', 'e.json'])).toEqual({
      type: 'replay',
      replay: { scheduleFile: 's.json', traceFile: 't', reportDir: 'r', json: true, fullChecks: true, emitScheduleFile: 'e.json' },
    });
    for (const option of [['--seed', '1'], ['--seeds', '3'], ['--duration', '5s'], ['--brokers', '5'], ['--config', 'acks=1'], ['--variant', 'alpha'], ['--faults', 'none'], ['--no-groups'], ['--jobs', '2']]) {
      expect(fail(['--schedule', 's.json', ...option], VARIANTS)).toBe(`--schedule FILE replays the run its file describes; ${option[0] ?? ''} cannot be given with it (edit the file's args instead)`);
    }
    expect(fail(['--schedule', ''])).toBe('--schedule needs a file name, got an empty string');
    expect(fail(['--schedule', 'a', '--schedule', 'b'])).toBe("option '--schedule' is given more than once");
  });

  it('rejects empty names and names with control characters', () => {
    expect(fail(['--trace', ''])).toBe('--trace needs a file name, got an empty string');
    expect(fail(['--report', ''])).toBe('--report needs a directory, got an empty string');
    expect(fail(['--trace', 'a\nb'])).toBe("--trace 'a\\u{a}b' contains a control character or line break");
  });

  it('answers --help and -h with the help text, whatever else is given', () => {
    expect(parse(['--help'])).toEqual({ type: 'help', text: HELP_TEXT });
    expect(parse(['-h'])).toEqual({ type: 'help', text: HELP_TEXT });
    expect(parse(['--brokers', '0', '--help']).type).toBe('help');
  });

  it('documents every option, default, exit code, fault kind and config key', () => {
    for (const option of ['--seed', '--seeds', '--jobs', '--stop-on-failure', '--shard', '--duration', '--brokers', '--partitions', '--replication-factor', '--config', '--variant', '--faults', '--schedule', '--emit-schedule', '--trace', '--report', '--json', '--full-checks', '--groups', '--help']) {
      expect(HELP_TEXT).toContain(`${option} `);
    }
    for (const [name, code] of Object.entries(EXIT_CODES)) {
      expect(HELP_TEXT, name).toMatch(new RegExp(`^  ${code}  .*${name === 'pass' ? 'passed' : name}`, 'm'));
    }
    for (const kind of FAULT_KINDS) {
      expect(HELP_TEXT).toContain(kind);
    }
    for (const def of KAFKA_CONFIGS) {
      expect(HELP_TEXT).toMatch(new RegExp(`^  ${def.key.replaceAll('.', '\\.')} +${def.scope} +default ${def.defaultValue} `, 'm'));
    }
    expect(HELP_TEXT).toContain('-h, --help');
    expect(HELP_TEXT).toContain('Default: 60s.');
    expect(HELP_TEXT).toContain('Known: kafka-12984, kafka-15489, kafka-7128, kafka-8500, kip-497-expand-on-commit, no-generation-check, pre-kip-101, pre-kip-279, pre-kip-320, pre-kip-497, pre-kip-903, pre-kip-966, pre-kip-996.');
    expect(helpText(VARIANTS)).toContain('Known: alpha, beta, gamma, delta.');
    expect(parse(['--help'], VARIANTS)).toEqual({ type: 'help', text: helpText(VARIANTS) });
  });
});

describe('parseSimArgs: what parseArgs rejects, on one line', () => {
  it('names unknown options, with a suggestion when one is close', () => {
    expect(fail(['--foo'])).toBe("unknown option '--foo'");
    expect(fail(['--foo=bar'])).toBe("unknown option '--foo'");
    expect(fail(['-x'])).toBe("unknown option '-x'");
    expect(fail(['-hx'])).toBe("unknown option '-x'");
    expect(fail(['--seeed', '1'])).toBe("unknown option '--seeed' (did you mean '--seed'?)");
    expect(fail(['--replication_factor', '2'])).toBe("unknown option '--replication_factor' (did you mean '--replication-factor'?)");
    expect(fail(['--scenario', 'x.json'])).toBe("unknown option '--scenario'");
    expect(fail(['--rewrite'])).toBe("unknown option '--rewrite'");
    expect(fail(['--no-json'])).toBe("unknown option '--no-json'");
    expect(fail(['--jsno'])).toBe("unknown option '--jsno' (did you mean '--json'?)");
    expect(fail(['--__proto__'])).toBe("unknown option '--__proto__'");
    expect(fail(['--foo\nbar'])).toBe("unknown option '--foo\\u{a}bar'");
  });

  it('rejects positional arguments, before or after --', () => {
    expect(fail(['42'])).toBe("unexpected argument '42': npm run sim takes options only");
    expect(fail(['--', '--seed'])).toBe("unexpected argument '--seed': npm run sim takes options only");
    expect(fail(['-'])).toBe("unexpected argument '-': npm run sim takes options only");
    expect(run(['--']).seedSource).toBe('chosen');
  });

  it('names an option that is missing its value, or has one it should not', () => {
    expect(fail(['--seed'])).toBe("option '--seed' needs a value");
    expect(fail(['--config'])).toBe("option '--config' needs a value");
    expect(fail(['--seed', '--json'])).toBe(
      "option '--seed' needs a value, but the next argument '--json' looks like an option; write --seed=VALUE for a value that starts with '-'",
    );
    expect(fail(['--seed', '-1'])).toMatch(/^option '--seed' needs a value, but the next argument '-1' looks like an option/);
    expect(fail(['--json=yes'])).toBe("option '--json' does not take a value");
    expect(fail(['--help=1'])).toBe("option '--help' does not take a value");
  });

  it('rejects a single-valued option given twice', () => {
    expect(fail(['--seed', '1', '--seed', '2'])).toBe("option '--seed' is given more than once");
    expect(fail(['--json', '--json'])).toBe("option '--json' is given more than once");
    expect(fail(['--faults', 'none', '--faults=swarm'])).toBe("option '--faults' is given more than once");
  });
});

describe('reproCommand', () => {
  it('gives just the seed for an all-default command', () => {
    expect(reproCommand(run([]), 42)).toBe('npm run sim -- --seed 42');
    expect(reproCommand(run(['--seed', '7', '--duration', '1m', '--faults', 'swarm', '--brokers', '3']), 7)).toBe(
      'npm run sim -- --seed 7',
    );
  });

  it('lists the non-default options in a canonical order', () => {
    const argv = [
      '--json',
      '--faults',
      'partition,crash',
      '--variant',
      'beta',
      '--config',
      'min.insync.replicas=2',
      '--report',
      "out/it's here",
      '--config',
      'acks=-1',
      '--variant',
      'alpha',
      '--trace=-t.jsonl',
      '--replication-factor',
      '2',
      '--partitions',
      '7',
      '--brokers',
      '5',
      '--duration',
      '1500ms',
      '--seeds',
      '10..20',
    ];
    const line =
      "npm run sim -- --seed 12 --duration 1500ms --brokers 5 --partitions 7 --replication-factor 2 " +
      '--config acks=all --config min.insync.replicas=2 --variant alpha --variant beta --faults crash,partition';
    // Output options (--trace, --report, --json) name no part of the run and stay out of the line.
    expect(reproCommand(run(argv, VARIANTS), 12)).toBe(line);
    // Shuffling the options does not change the line.
    const shuffled = [...argv.slice(20), ...argv.slice(0, 20)];
    expect(reproCommand(run(shuffled, VARIANTS), 12)).toBe(line);
  });

  it('runs the consumer groups unless --no-groups, which the repro line keeps', () => {
    expect(run(['--seed', '3']).groups).toBe(true);
    expect(run(['--seed', '3', '--groups']).groups).toBe(true);
    expect(run(['--seed', '3', '--no-groups']).groups).toBe(false);
    expect(reproArgs(run(['--seed', '3', '--groups']), 3)).toEqual(['--seed', '3']);
    expect(reproCommand(run(['--no-groups', '--brokers', '5']), 3)).toBe('npm run sim -- --seed 3 --brokers 5 --no-groups');
    expect(fail(['--groups', '--no-groups'])).toBe('--groups and --no-groups contradict each other; give one');
    expect(fail(['--no-groups', '--variant', 'no-generation-check'])).toBe('--no-groups: variant no-generation-check lives in the consumer groups and needs them');
  });

  it('writes seconds when they are whole, and milliseconds otherwise', () => {
    expect(reproArgs(run(['--duration', '2m']), 1)).toEqual(['--seed', '1', '--duration', '120s']);
    expect(reproArgs(run(['--duration', '61001ms']), 1)).toEqual(['--seed', '1', '--duration', '61001ms']);
  });

  it('round-trips: parsing the repro line gives back the command for that seed', () => {
    const command = run(
      ['--seeds', '5', '--config', 'retention.ms=-1', '--faults', 'none', '--report', 'r d', '--brokers', '1', '--variant', 'beta'],
      VARIANTS,
    );
    for (const seed of command.seeds) {
      const words = splitShellWords(reproCommand(command, seed));
      expect(words.slice(0, 4)).toEqual(['npm', 'run', 'sim', '--']);
      expect(run(words.slice(4), VARIANTS)).toEqual(runIdentity(command, seed));
    }
  });

  it('quotes for a POSIX shell', () => {
    expect(shellQuote('plain-word_1.2/x=y,z')).toBe('plain-word_1.2/x=y,z');
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('$HOME;rm')).toBe("'$HOME;rm'");
  });
});

/** Random but valid option sets, each as the argument groups a user could type in any order. */
const validArgv = fc
  .record({
    seed: fc.option(fc.oneof(fc.nat(), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })), { nil: undefined }),
    duration: fc.option(
      fc.oneof(
        fc.integer({ min: 1, max: 86_400_000 }).map((ms) => `${ms}ms`),
        fc.integer({ min: 1, max: 86_400 }).map((s) => `${s}s`),
        fc.integer({ min: 1, max: 1440 }).map((m) => `${m}m`),
      ),
      { nil: undefined },
    ),
    brokers: fc.option(fc.integer({ min: 1, max: 64 }), { nil: undefined }),
    partitions: fc.option(fc.integer({ min: 1, max: 1000 }), { nil: undefined }),
    rfFraction: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
    misFraction: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
    configs: fc.uniqueArray(
      fc.constantFrom(
        'acks=-1',
        'acks=0',
        'enable.idempotence=false',
        'linger.ms=0',
        'flush.messages=1',
        'flush.ms=9223372036854775807',
        'retention.ms=-1',
        'cleanup.policy=delete,compact',
        'unclean.leader.election.enable=TRUE',
        'segment.bytes=14',
      ),
      { selector: (setting) => setting.split('=')[0] },
    ),
    variants: fc.uniqueArray(fc.constantFrom('alpha', 'beta')),
    faults: fc.option(
      fc.oneof(fc.constantFrom('none', 'swarm'), fc.shuffledSubarray([...FAULT_KINDS], { minLength: 1 }).map((kinds) => kinds.join(','))),
      { nil: undefined },
    ),
    trace: fc.option(fc.string({ minLength: 1 }).filter((name) => !/[\p{Cc}\p{Zl}\p{Zp}\p{Cs}]/u.test(name)), { nil: undefined }),
    report: fc.option(fc.string({ unit: 'grapheme', minLength: 1 }).filter((name) => !/[\p{Cc}\p{Zl}\p{Zp}\p{Cs}]/u.test(name)), {
      nil: undefined,
    }),
    json: fc.boolean(),
  })
  .chain((choice) => {
    const groups: string[][] = [];
    const brokers = choice.brokers ?? 3;
    const add = (flag: string, value: string | number | undefined): void => {
      if (value !== undefined) groups.push([`${flag}=${value}`]);
    };
    add('--seed', choice.seed);
    add('--duration', choice.duration);
    add('--brokers', choice.brokers);
    add('--partitions', choice.partitions);
    const rf = choice.rfFraction === undefined ? Math.min(3, brokers) : 1 + Math.floor(choice.rfFraction * (brokers - 1));
    if (choice.rfFraction !== undefined) add('--replication-factor', rf);
    if (choice.misFraction !== undefined) add('--config', `min.insync.replicas=${1 + Math.floor(choice.misFraction * (rf - 1))}`);
    for (const setting of choice.configs) add('--config', setting);
    for (const variant of choice.variants) add('--variant', variant);
    add('--faults', choice.faults);
    add('--trace', choice.trace);
    add('--report', choice.report);
    if (choice.json) groups.push(['--json']);
    return fc.shuffledSubarray(groups, { minLength: groups.length, maxLength: groups.length }).map((order) => order.flat());
  });

const FLAGS = [
  '--seed',
  '--seeds',
  '--duration',
  '--brokers',
  '--partitions',
  '--replication-factor',
  '--config',
  '--variant',
  '--faults',
  '--trace',
  '--report',
  '--json',
  '--schedule',
  '--emit-schedule',
  '--help',
  '-h',
  '--scenario',
  '--rewrite',
  '--',
  '-',
  '=',
];

const VALUES = [
  '',
  '0',
  '1',
  '-1',
  '42',
  '1e3',
  '0x10',
  '9007199254740992',
  '1..3',
  '3..1',
  '5',
  '60s',
  '0s',
  '1500ms',
  'min.insync.replicas=2',
  'min.insync.replicas=9',
  'acks=all',
  'acks=-1',
  'flush.messages=9223372036854775807',
  'crash,partition',
  'none',
  'swarm',
  'alpha',
  'pre-kip-101',
  'x\ny',
  '\u2028',
  '\u001b[2J',
  '\ud800',
];

const randomArg = fc.oneof(
  fc.constantFrom(...FLAGS),
  fc.constantFrom(...VALUES),
  fc.tuple(fc.constantFrom(...FLAGS), fc.oneof(fc.constantFrom(...VALUES), fc.string())).map(([flag, value]) => `${flag}=${value}`),
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }).map((text) => `--${text}`),
  fc.string({ unit: 'grapheme-ascii' }).map((text) => `-${text}`),
);

describe('parseSimArgs properties', () => {
  it('never throws; errors are one non-empty line; runs are valid, deterministic and reproducible', () => {
    fc.assert(
      fc.property(fc.array(randomArg, { maxLength: 10 }), fc.boolean(), (argv, withVariants) => {
        const variants = withVariants ? VARIANTS : undefined;
        const outcome = parse(argv, variants);
        expect(parse(argv, variants)).toEqual(outcome);
        switch (outcome.type) {
          case 'error':
            expectOneLine(outcome.message);
            break;
          case 'help':
            expect(outcome.text).toBe(helpText(variants));
            break;
          case 'replay':
            expect(outcome.replay.scheduleFile).not.toBe('');
            expect(argv.some((word) => word.startsWith('--schedule'))).toBe(true);
            break;
          case 'run': {
            const command = outcome.command;
            expect(command.seeds.length).toBeGreaterThan(0);
            expect(command.seeds.length).toBeLessThanOrEqual(SIM_LIMITS.maxSeedsPerSweep);
            expect(command.replicationFactor).toBeLessThanOrEqual(command.brokers);
            const seed = command.seeds[command.seeds.length - 1] ?? 0;
            expect(run(reproArgs(command, seed), variants)).toEqual(runIdentity(command, seed));
            break;
          }
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('round-trips every valid command through its repro line, whatever the option order', () => {
    fc.assert(
      fc.property(validArgv, (argv) => {
        const command = run(argv, VARIANTS);
        const seed = command.seeds[0] ?? 0;
        const line = reproCommand(command, seed);
        expect(line).not.toMatch(/[\n\r]/);
        const words = splitShellWords(line);
        expect(words.slice(0, 4)).toEqual(['npm', 'run', 'sim', '--']);
        expect(words.slice(4)).toEqual(reproArgs(command, seed));
        expect(run(words.slice(4), VARIANTS)).toEqual(runIdentity(command, seed));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('--shrink and --emit-scenario', () => {
  it('are read', () => {
    const command = run(['--seed', '1', '--shrink', '--emit-scenario', 's1.txt']);
    expect(command.shrink).toBe(true);
    expect(command.emitScenario).toBe('s1.txt');
    expect(run(['--seed', '1']).shrink).toBeUndefined();
  });

  it('refuse what they cannot do, in one line', () => {
    expect(fail(['--seed', '1', '--emit-scenario', 's1.txt'])).toBe('--emit-scenario writes a shrunk run: give --shrink too');
    expect(fail(['--seed', '1', '--shrink', '--json'])).toBe('--shrink prints a human account of each shrink; it cannot be given with --json');
    expect(fail(['--schedule', 's.json', '--shrink'])).toBe("--shrink shrinks a seed's own run: give --seed N --shrink, not --schedule");
  });
});
