import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KAFKA_CONFIG_KEYS } from '../../impl/config/kafka-config.ts';
import { DataDrivenError } from '../testkit/datadriven.ts';
import { COMMAND_NAMES, SCENARIO_COMMANDS, SCENARIO_LIMITS, type CommandSpec, type StepOf } from './scenario-commands.ts';
import { produceSettings, validateScenario, type ScenarioScript } from './scenario-validate.ts';

// The scenario language's validation pass (spec/scenario-language.md): every script either passes
// as typed steps or fails with one DataDrivenError naming the file and line, before any simulation.

const CLUSTER = 'cluster brokers=3\n----\n\n';

/** A script of these command lines, each with an empty expected output. */
function script(...lines: string[]): string {
  return lines.map((line) => `${line}\n----\n\n`).join('');
}

function validate(text: string): ScenarioScript {
  return validateScenario('s.txt', text);
}

/** The error a script gets, without the file name; 'valid' when it passes. */
function problem(text: string): string {
  try {
    validate(text);
    return 'valid';
  } catch (error) {
    if (error instanceof DataDrivenError) return error.message.slice('s.txt'.length);
    throw error;
  }
}

/** The error of one line after `cluster brokers=3` (line 4). */
function lineProblem(line: string): string {
  return problem(CLUSTER + script(line));
}

describe('scenario validation: the problems users hit (issue 14)', () => {
  it('an unknown argument is an error, not a default (crash brokr=1 crashed broker 0)', () => {
    expect(lineProblem('crash brokr=1')).toBe(":4: unknown argument 'brokr' for 'crash' (did you mean 'broker'?)");
  });

  it('a misspelt partition is an error, not partition 0', () => {
    expect(lineProblem('produce topic=t value=v partiton=1')).toBe(":4: unknown argument 'partiton' for 'produce' (did you mean 'partition'?)");
  });

  it('a node that does not exist is an error', () => {
    expect(lineProblem('crash broker=7')).toBe(':4: broker=7 is not one of the 3 brokers (0 to 2)');
    expect(lineProblem('partition broker=1 from=broker-3')).toBe(':4: from=broker-3 is not a node of the cluster: broker-0 to broker-2, controller-0, script, or a consumer the script starts');
    expect(lineProblem('lag from=controller-1 to=broker-0 ms=10')).toMatch(/^:4: from=controller-1 is not a node of the cluster/);
    expect(lineProblem('consumed name=c9')).toBe(":4: name=c9 is not a consumer the script starts with 'group-consumer'");
    expect(lineProblem('restart consumer=c9')).toBe(":4: consumer=c9 is not a consumer the script starts with 'group-consumer'");
  });

  it('a controller quorum is 1, 3 or 5 voters, and a controller or node beyond it is an error', () => {
    const three = 'cluster brokers=3 controllers=3\n----\n\n';
    expect(problem(script('cluster controllers=2'))).toBe(':1: controllers=2 is not a KRaft quorum size: 1, 3, 5');
    expect(problem(script('cluster controllers=7'))).toBe(':1: controllers=7 is out of range: 1 to 5 (KRaft controllers: 1, 3 or 5)');
    expect(validate(three + script('partition controller=2 from=controller-0', 'describe-quorum')).controllers).toBe(3);
    expect(validate(CLUSTER).controllers).toBe(1);
    expect(problem(three + script('partition controller=3'))).toBe(':4: controller=3 is not one of the 3 controllers (0 to 2)');
    expect(problem(three + script('partition controller=1 from=controller-1'))).toBe(':4: controller-1 cannot be cut off from itself');
    expect(problem(three + script('partition broker=1 controller=1'))).toBe(":4: 'partition' takes broker=N or controller=N, not both");
    expect(problem(three + script('partition'))).toBe(":4: 'partition' needs broker=N or controller=N");
    expect(problem(three + script('lag from=controller-3 to=broker-0'))).toBe(':4: from=controller-3 is not a node of the cluster: broker-0 to broker-2, controller-0 to controller-2, script, or a consumer the script starts');
    expect(lineProblem('partition controller=1')).toBe(':4: controller=1 is not one of the 1 controllers (0 to 0)');
  });

  it('brokers out of 1..9 are errors (brokers=100 was accepted, brokers=0 threw a stack trace)', () => {
    expect(problem(script('cluster brokers=100'))).toBe(':1: brokers=100 is out of range: 1 to 9 (brokers)');
    expect(problem(script('cluster brokers=0'))).toBe(':1: brokers=0 is out of range: 1 to 9 (brokers)');
  });

  it('a wait of more than an hour is an error (wait ms=90000000 threw a stack trace after two minutes)', () => {
    expect(lineProblem('wait ms=90000000')).toBe(':4: ms=90000000 is out of range: 0 to 3600000 (milliseconds)');
    expect(lineProblem(`wait ms=${SCENARIO_LIMITS.maxWaitMs}`)).toBe('valid');
  });

  it('a quoted value keeps its spaces (value="hello world" was read as "hello)', () => {
    const produce = validate(CLUSTER + script('produce topic=t value="hello world" key="k 1"')).steps[1] as StepOf<'produce'>;
    expect(produce.args.value).toBe('hello world');
    expect(produce.args.key).toBe('k 1');
  });

  it('an empty script is an error (it passed with 0 steps)', () => {
    expect(problem('')).toBe(":1: the script has no commands: a scenario starts with a 'cluster' line");
    expect(problem('# only a comment\n\n')).toBe(":1: the script has no commands: a scenario starts with a 'cluster' line");
  });
});

describe('scenario validation: every other kind of error names the file and line', () => {
  it('commands: unknown, before cluster, cluster twice, input lines', () => {
    expect(lineProblem('frobnicate')).toBe(":4: unknown command 'frobnicate'");
    expect(lineProblem('waitt ms=1')).toBe(":4: unknown command 'waitt' (did you mean 'wait'?)");
    expect(problem(script('describe'))).toBe(":1: 'describe' before 'cluster'");
    expect(problem(CLUSTER + CLUSTER)).toBe(":4: 'cluster' may appear only once");
    expect(problem(`${CLUSTER}describe\nan input line\n----\n\n`)).toBe(":5: 'describe' takes no input lines; its '----' line comes next");
  });

  it('arguments: missing, repeated, wrong type, out of range, bare or valued the wrong way', () => {
    expect(lineProblem('produce topic=t')).toBe(":4: 'produce' needs value=...");
    expect(lineProblem('produce topic=t value=a value=b')).toBe(":4: argument 'value' given twice");
    expect(problem(script('cluster brokers=three'))).toBe(':1: brokers=three is not a whole number (brokers: 1 to 9)');
    expect(lineProblem('consume topic=t partition=-1')).toBe(':4: partition=-1 is not a whole number (the partition: 0 to 999)');
    expect(lineProblem('consume topic=t offset=99999999999999999999')).toBe(':4: offset=99999999999999999999 is out of range: 0 to 9007199254740991 (the first offset)');
    expect(lineProblem('create-topic name=t replication-factor=4')).toBe(":4: replication-factor=4 is out of range: 1 to 3 (replicas per partition, at most the cluster's 3 brokers)");
    expect(lineProblem('create-topic name=t partitions=0')).toBe(':4: partitions=0 is out of range: 1 to 1000 (partitions)');
    expect(lineProblem('describe-groups members=yes')).toBe(':4: members takes no value: write it as a bare word');
    expect(lineProblem('consume topic partition=1')).toBe(':4: topic needs a value: topic=...');
    expect(lineProblem('produce topic=t value=')).toBe(':4: value needs a value: value=...');
    expect(lineProblem('describe verbose')).toBe(":4: unknown argument 'verbose' for 'describe', which takes no arguments");
    expect(lineProblem('describe-groups state')).toBe(":4: unknown argument 'state' for 'describe-groups', which takes group, members");
    expect(lineProblem('shutdown consumer=c1')).toBe(":4: unknown argument 'consumer' for 'shutdown', which takes broker, controller");
  });

  it('exactly one of broker, controller and consumer; no node faulted by itself', () => {
    expect(lineProblem('crash')).toBe(":4: 'crash' needs broker=N or controller=N or consumer=NAME");
    const withConsumer = `${CLUSTER}${script('group-consumer name=c1 group=g topic=t')}`;
    expect(problem(`${withConsumer}${script('crash broker=0 consumer=c1')}`)).toBe(":7: 'crash' takes broker=N or controller=N or consumer=NAME, not both");
    expect(lineProblem('partition broker=1 from=broker-1')).toBe(':4: broker-1 cannot be cut off from itself');
    expect(lineProblem('disk-loss')).toBe(":4: 'disk-loss' needs broker=N or controller=N");
    // A cluster has one controller unless its line says otherwise; 1, 3 or 5.
    expect(lineProblem('disk-loss controller=1')).toBe(':4: controller=1 is not one of the 1 controllers (0 to 0)');
    expect(problem(script('cluster controllers=3', 'partition controller=2 from=controller-2'))).toBe(':4: controller-2 cannot be cut off from itself');
    expect(problem(script('cluster controllers=3', 'lag from=controller-3 to=broker-0'))).toMatch(/^:4: from=controller-3 is not a node of the cluster: broker-0 to broker-2, controller-0 to controller-2, script/);
    expect(validate(script('cluster controllers=5', 'crash controller=4', 'restart controller=4', 'describe-quorum')).controllers).toBe(5);
    expect(lineProblem('lag from=script to=script')).toBe(':4: from=script and to=script are the same node');
  });

  it('consumers: names, starting twice, and a line the cluster has not reached yet', () => {
    expect(lineProblem('group-consumer name=broker-9 group=g topic=t')).toBe(":4: name=broker-9 is not a consumer name (lower-case letters, digits and '-'; not script, broker-N or controller-N)");
    expect(problem(CLUSTER + script('group-consumer name=c1 group=g topic=t', 'group-consumer name=c1 group=g topic=t'))).toBe(":7: consumer c1 is started twice (use 'restart consumer=c1' after a crash)");
    expect(lineProblem('group-consumer name=c1 topic=t')).toBe(":4: 'group-consumer' needs group=...");
    // A consumer may be named before its own line: the simulator declares every consumer up front.
    expect(problem(CLUSTER + script('crash consumer=c1', 'group-consumer name=c1 group=g topic=t'))).toBe('valid');
  });

  it('Kafka configs go through the config registry, in the commands and scopes that use them', () => {
    expect(problem(script('cluster brokers=3 no.such.key=1'))).toBe(":1: unknown argument or config key 'no.such.key' for 'cluster', which takes brokers, controllers, variant and cluster configs");
    expect(problem(script('cluster min.insync.replica=2'))).toBe(":1: unknown argument or config key 'min.insync.replica' for 'cluster' (did you mean 'min.insync.replicas'?)");
    expect(problem(script('cluster min.insync.replicas=0'))).toBe(":1: min.insync.replicas must be an integer from 1 to 2147483647, got '0'");
    expect(problem(script('cluster linger.ms=5'))).toBe(":1: 'linger.ms' is a producer config the scenario's produce does not use (it takes acks and enable.idempotence)");
    expect(lineProblem('group-consumer name=c1 group=g topic=t min.insync.replicas=2')).toBe(":4: 'min.insync.replicas' is not a consumer config key");
    expect(lineProblem('group-consumer name=c1 group=g topic=t group.id=h')).toBe(":4: the group is group=G on 'group-consumer', not group.id");
    expect(lineProblem('create-topic name=t session.timeout.ms=6000')).toBe(":4: 'session.timeout.ms' is not a topic config key");
    expect(lineProblem('produce topic=t value=v linger.ms=5')).toBe(":4: unknown argument 'linger.ms' for 'produce', which takes topic, value, key, partition, acks, enable.idempotence");
    expect(lineProblem('produce topic=t value=v acks=2')).toMatch(/^:4: acks must be one of/);
    expect(lineProblem('produce topic=t value=v acks=1 enable.idempotence=true')).toBe(':4: enable.idempotence=true needs acks=all, not acks=1 (Kafka: "Must set acks to all in order to use the idempotent producer")');
    expect(problem(script('cluster variant=pre-kip-101,nope'))).toMatch(/^:1: unknown variant 'nope' \(known: /);
    expect(problem(script('cluster variant=pre-kip-101,pre-kip-101'))).toBe(':1: variant=pre-kip-101,pre-kip-101 names a variant twice');
  });
});

describe('scenario validation: valid scripts', () => {
  it('accepts every shipped scenario', () => {
    for (const dir of [join(import.meta.dirname, '..', 'scenarios'), join(import.meta.dirname, '..', 'mutants', 'scenarios')]) {
      for (const name of readdirSync(dir).filter((file) => file.endsWith('.txt'))) {
        const path = join(dir, name);
        const parsed = validateScenario(path, readFileSync(path, 'utf8'));
        // A cluster script tells a story in steps; a seed-run script (a shrunk failure) is one run.
        if (parsed.seedRuns.length > 0) expect(parsed.steps).toEqual([]);
        else expect(parsed.steps.length).toBeGreaterThan(1);
      }
    }
  });

  it('types every argument, with the defaults of the table', () => {
    const valid = validate(script('cluster variant=pre-kip-101,pre-kip-320 min.insync.replicas=2', 'produce topic=t value=v', 'heal lags', 'wait'));
    expect(valid.brokers).toBe(3);
    expect(valid.variants).toEqual(['pre-kip-101', 'pre-kip-320']);
    // The script's config over its variants' (pre-kip-320 brings min.insync.replicas=1 and unclean elections).
    expect(valid.config).toEqual({ 'min.insync.replicas': '2', 'unclean.leader.election.enable': 'true' });
    expect(valid.steps.map((step) => step.args)).toEqual([
      { brokers: 3, controllers: 1, variant: ['pre-kip-101', 'pre-kip-320'] },
      { topic: 't', value: 'v', key: undefined, partition: 0, acks: undefined, 'enable.idempotence': undefined },
      { partitions: false, lags: true },
      { ms: 1000 },
    ]);
  });

  it("produce is Kafka's idempotent producer unless acks or enable.idempotence say otherwise, here or on the cluster line", () => {
    const settings = (cluster: string, produce: string) => produceSettings(validate(script(cluster, produce)).steps[1] as StepOf<'produce'>, validate(script(cluster)).config);
    expect(settings('cluster', 'produce topic=t value=v')).toEqual({ acks: -1, idempotent: true });
    expect(settings('cluster', 'produce topic=t value=v acks=-1')).toEqual({ acks: -1, idempotent: true });
    expect(settings('cluster', 'produce topic=t value=v acks=1')).toEqual({ acks: 1, idempotent: false });
    expect(settings('cluster', 'produce topic=t value=v enable.idempotence=false')).toEqual({ acks: -1, idempotent: false });
    expect(settings('cluster acks=1', 'produce topic=t value=v')).toEqual({ acks: 1, idempotent: false });
    expect(settings('cluster variant=pre-kip-279', 'produce topic=t value=v')).toEqual({ acks: 1, idempotent: false });
    expect(settings('cluster acks=1', 'produce topic=t value=v acks=all')).toEqual({ acks: -1, idempotent: true });
    expect(settings('cluster enable.idempotence=false', 'produce topic=t value=v')).toEqual({ acks: -1, idempotent: false });
  });
});

describe('the spec', () => {
  it('documents every command and every argument of the table (spec/scenario-language.md)', () => {
    const spec = readFileSync(join(import.meta.dirname, '..', '..', 'spec', 'scenario-language.md'), 'utf8');
    for (const command of COMMAND_NAMES) {
      expect(spec, command).toContain(`\`${command}\``);
      for (const key of Object.keys(SCENARIO_COMMANDS[command].args)) expect(spec, `${command} ${key}`).toContain(`\`${key}\``);
    }
    expect(spec).toContain(`1 to ${SCENARIO_LIMITS.maxBrokers}`);
    expect(spec).toContain(`0 to ${SCENARIO_LIMITS.maxWaitMs}`);
  });
});

// ---- Fuzzing: no script makes validation throw anything but a file:line DataDrivenError ----

const ARG_NAMES = [...new Set(Object.values(SCENARIO_COMMANDS).flatMap((spec) => Object.keys(spec.args)))];
const CONFIG_KEYS = ['min.insync.replicas', 'acks', 'enable.idempotence', 'session.timeout.ms', 'linger.ms', 'group.id', 'segment.bytes', KAFKA_CONFIG_KEYS[0] ?? 'x'];
/** Values just past a bound, of the wrong type, quoted well and badly, and junk. */
const BAD_VALUES = [
  '-1', '10', '1000', '3600001', '99999999999999999999', '1e3', '0x10', '', 'broker-9', 'controller-1', 'c9',
  '"hello world"', '"', '"unterminated', 'a"b', '"a"b', '"\\"q\\""', '"\\x"', '"tab\there"', '=', 'a=b', '\u2028', '\u001b[2J', '\ud800',
];
/** Values each argument accepts on a 3-broker cluster whose script starts consumers c1 and c2. */
const GOOD_VALUES: Readonly<Record<string, readonly string[]>> = {
  brokers: ['1', '3', '9'], variant: ['pre-kip-101', 'pre-kip-101,pre-kip-279'], name: ['t', 'c1', 'c2'], partitions: ['1', '3'], 'replication-factor': ['1', '3'],
  topic: ['t', '"a b"'], value: ['v', '"hello world"', '"say \\"hi\\""'], key: ['k', '"k 1"'], partition: ['0', '1'], acks: ['all', '-1', '1', '0'], 'enable.idempotence': ['true', 'false'],
  offset: ['0', '7'], group: ['g', 'h'], broker: ['0', '2'], controllers: ['1', '3'], controller: ['0', '2'], consumer: ['c1', 'c2'], from: ['broker-0', 'controller-0', 'script', 'c1'], to: ['broker-1', 'script'], ms: ['0', '1000', '3600000'],
  'min.insync.replicas': ['1', '2'], 'session.timeout.ms': ['6000'], 'segment.bytes': ['4096'],
};
const valueFor = (key: string) => fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(...(GOOD_VALUES[key] ?? ['1'])) },
  { weight: 2, arbitrary: fc.constantFrom(...BAD_VALUES) },
  { weight: 1, arbitrary: fc.oneof(fc.string(), fc.bigInt().map(String)) },
);
/** Junk words; a newline in one (rarely) breaks the case's structure as a careless edit would. */
const junk = fc.oneof(
  { weight: 9, arbitrary: fc.oneof(fc.string(), fc.string({ unit: 'binary' })).map((text) => text.replace(/\n/g, ' ')) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary' }) },
);
/** A word for a command: mostly its own arguments with likely values, sometimes anything. */
const wordFor = (names: readonly string[]) => fc.oneof(
  { weight: 16, arbitrary: fc.constantFrom(...names).chain((key) => valueFor(key).map((text) => `${key}=${text}`)) },
  { weight: 2, arbitrary: fc.constantFrom(...names) },
  { weight: 1, arbitrary: fc.constantFrom(...ARG_NAMES, ...CONFIG_KEYS).chain((key) => valueFor(key).map((text) => `${key}=${text}`)) },
  { weight: 1, arbitrary: junk },
);
/** A line the validator should accept: the command's required arguments and some optional ones, with good values. */
const goodLine = fc.constantFrom(...COMMAND_NAMES.filter((command) => command !== 'cluster')).chain((command) => {
  const specs = Object.entries(SCENARIO_COMMANDS[command].args) as [string, { readonly required?: true }][];
  const required = specs.filter(([, spec]) => spec.required === true).map(([key]) => key);
  const optional = specs.filter(([, spec]) => spec.required !== true).map(([key]) => key);
  return fc.tuple(fc.subarray(optional), fc.constant(required)).chain(([some, needed]) =>
    fc.tuple(...[...needed, ...some].map((key) => fc.constantFrom(...(GOOD_VALUES[key] ?? ['1'])).map((text) => (text === '1' && !(key in GOOD_VALUES) ? key : `${key}=${text}`)))).map((words) => [command, ...words].join(' ')),
  );
});
/** Any line: built from the command and argument vocabulary, or junk. */
const anyLine = fc.oneof(
  { weight: 20, arbitrary: fc.constantFrom(...COMMAND_NAMES).chain((command) => {
    const spec: CommandSpec = SCENARIO_COMMANDS[command];
    const names = [...Object.keys(spec.args), ...(spec.configs === undefined ? [] : CONFIG_KEYS)];
    return fc.tuple(fc.uniqueArray(wordFor(names.length > 0 ? names : ARG_NAMES), { maxLength: 5, selector: (text) => text.split('=')[0] }), fc.constantFrom(' ', '\t', '  ')).map(([words, space]) => [command, ...words].join(space));
  }) },
  { weight: 1, arbitrary: fc.tuple(fc.oneof(fc.constantFrom('frobnicate', '#', '----', '', 'clusterr'), junk), fc.array(junk, { maxLength: 3 })).map(([command, words]) => [command, ...words].join(' ')) },
);
const commandLine = fc.oneof({ weight: 9, arbitrary: goodLine }, { weight: 2, arbitrary: anyLine });
/** A case: mostly well formed (line, '----', output, blank line); sometimes input lines or a missing part. */
const testCase = fc.tuple(
  commandLine,
  fc.oneof({ weight: 40, arbitrary: fc.constant([]) }, fc.array(fc.oneof(fc.constant(''), junk), { minLength: 1, maxLength: 2 })),
  fc.oneof({ weight: 40, arbitrary: fc.constant(true) }, fc.constant(false)),
  fc.constantFrom('', 'some output', '----'),
).map(([line, input, separator, expected]) => [line, ...input, ...(separator ? ['----'] : []), expected, ''].join('\n'));
const scriptText = fc.tuple(
  fc.oneof({ weight: 6, arbitrary: fc.constant(`${CLUSTER}${script('group-consumer name=c1 group=g topic=t', 'group-consumer name=c2 group=g topic=t from-beginning')}`) }, fc.constant(CLUSTER), fc.constant('')),
  fc.array(testCase, { maxLength: 8 }),
  fc.oneof({ weight: 12, arbitrary: fc.constant('\n') }, fc.constantFrom('', '\r\n', '# end')),
).map(([cluster, cases, end]) => `${cluster}${cases.join('\n')}${end}`);

describe('scenario validation properties', () => {
  it('accepts a script or throws a one-line DataDrivenError naming the file and a line of it; nothing else', () => {
    fc.assert(
      fc.property(scriptText, (text) => {
        let outcome: string;
        try {
          const valid = validate(text);
          outcome = 'valid';
          expect(valid.steps.length).toBe(valid.cases.length);
          expect(valid.steps[0]?.command).toBe('cluster');
          expect(valid.brokers).toBeGreaterThanOrEqual(1);
          expect(valid.brokers).toBeLessThanOrEqual(SCENARIO_LIMITS.maxBrokers);
          for (const step of valid.steps) {
            if ('broker' in step.args && step.args.broker !== undefined) expect(step.args.broker).toBeLessThan(valid.brokers);
            if ('controller' in step.args && step.args.controller !== undefined) expect(step.args.controller).toBeLessThan(valid.controllers);
            if (step.command === 'wait') expect(step.args.ms).toBeLessThanOrEqual(SCENARIO_LIMITS.maxWaitMs);
          }
        } catch (error) {
          if (!(error instanceof DataDrivenError)) throw error;
          outcome = error.message;
          const match = /^s\.txt:(\d+): \S/.exec(error.message);
          expect(match, error.message).not.toBeNull();
          expect(Number(match?.[1])).toBeGreaterThanOrEqual(1);
          expect(Number(match?.[1])).toBeLessThanOrEqual(Math.max(1, text.split('\n').length));
          expect(error.message).not.toMatch(/[\n\r\u2028\u2029]/);
        }
        // Deterministic: the same text, the same outcome.
        expect(problem(text)).toBe(outcome === 'valid' ? 'valid' : outcome.slice('s.txt'.length));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('scenario validation: seed-run steps (a shrunk run, --shrink --emit-scenario)', () => {
  const FAULT = '{"at":4770,"type":"fault","kind":"power-loss","node":"broker-2","end":7684}';
  const seedRun = (args: string, ...input: string[]): string => [`seed-run ${args}`, ...input, '----', '', ''].join('\n');

  it('reads the run from the command line options and the faults from the input lines', () => {
    const parsed = validate(seedRun('args="--seed 1 --duration 10s --variant pre-kip-101 --no-groups"', FAULT));
    expect(parsed.seedRuns).toHaveLength(1);
    const step = parsed.seedRuns[0];
    expect(step?.command.seeds).toEqual([1]);
    expect(step?.command.durationMs).toBe(10_000);
    expect(step?.command.variants).toEqual(['pre-kip-101']);
    expect(step?.command.groups).toBe(false);
    expect(step?.entries).toEqual([{ at: 4770, type: 'fault', kind: 'power-loss', node: 'broker-2', end: 7684 }]);
  });

  it('names the line of each problem', () => {
    expect(problem(seedRun('args="--seed 1 --durtion 10s"'))).toBe(":1: args: unknown option '--durtion' (did you mean '--duration'?)");
    expect(problem(seedRun('args="--duration 10s"'))).toBe(':1: args must give one seed, as --seed N');
    expect(problem(seedRun('args="--seed 1" seed=2'))).toBe(`:1: unknown argument 'seed' for 'seed-run': it takes args="--seed N ..." only`);
    expect(problem(seedRun('args="--seed 1 --json"'))).toBe(':1: args: --json is not a run option');
    expect(problem(seedRun('args="--seed 1 --duration 10s"', FAULT, '{"at":1,"type":"fault","kind":"crash","node":"broker-9","end":2}'))).toMatch(/^:3: fault line: /);
    expect(problem(seedRun('args="--seed 1 --duration 10s"', 'not json'))).toMatch(/^:2: fault line: not JSON/);
    expect(problem(seedRun('args="--seed 1"', FAULT.replace('4770', '90000').replace('7684', '95000')))).toMatch(/^:2: fault line: the entry\.at 90000 is not before the heal/);
    expect(problem(CLUSTER + seedRun('args="--seed 1"'))).toBe(":4: 'seed-run' is a whole run of its own: a script of seed-run steps has no 'cluster' line");
    expect(problem(seedRun('args="--seed 1"') + CLUSTER)).toBe(":4: 'cluster' in a script of seed-run steps: each step of it is a 'seed-run'");
  });
});
