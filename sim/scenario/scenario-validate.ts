import { assertNever } from '../../impl/common/assert.ts';
import { closest } from '../../impl/config/closest-name.ts';
import { findConfig, KAFKA_CONFIG_KEYS, parseConfigValueFor, type KafkaConfigDef } from '../../impl/config/kafka-config.ts';
import { quoteForMessage } from '../../impl/config/quote-for-message.ts';
import { isVariantName, PROTOCOL_VARIANTS, type VariantName } from '../../impl/variants/variant-registry.ts';
import type { ScenarioGroupConsumer } from '../kafka/kafka-system.ts';
import { DataDrivenError, parseDataDriven, type ParsedCase } from '../testkit/datadriven.ts';
import { parseSeedRunStep, type SeedRunStep } from './seed-run-step.ts';
import { isCommandName, SCENARIO_COMMANDS, SCENARIO_CONTROLLER_COUNTS, type ArgSpec, type CommandName, type CommandSpec, type ConfigSlot, type ScenarioStep, type StepOf } from './scenario-commands.ts';

/**
 * The validation pass of a scenario script (`spec/scenario-language.md`): it checks every line
 * against the command table before the cluster starts, so a script error costs no simulation and
 * comes before any output, and it turns each line into a typed step for the runner. Every problem
 * is a `DataDrivenError` naming the file and line; nothing else is thrown for any text.
 */

/** A script that passed validation: its steps, with what the cluster is built from. */
export interface ScenarioScript {
  readonly file: string;
  readonly text: string;
  /** The parsed cases (expected outputs, for comparing and rewriting), one per step. */
  readonly cases: readonly ParsedCase[];
  readonly steps: readonly ScenarioStep[];
  readonly brokers: number;
  /** The KRaft controllers (`controller-0` ..), the metadata quorum's voters: 1, 3 or 5. */
  readonly controllers: number;
  readonly variants: readonly VariantName[];
  /** The cluster line's Kafka configs, over its variants' overrides: the run's config. */
  readonly config: Readonly<Record<string, string>>;
  /** Every consumer the script starts, declared with the cluster (the simulator knows its nodes up front). */
  readonly consumers: readonly ScenarioGroupConsumer[];
  /**
   * A seed-run script's runs, one per step (`seed-run`: a seeded run of the default system with
   * the step's fault schedule); empty for a cluster script, whose `steps` are then the script.
   */
  readonly seedRuns: readonly SeedRunStep[];
}

/** The command of a seed-run script (`seed-run-step.ts`): it stands apart from the cluster commands. */
export const SEED_RUN_COMMAND = 'seed-run';

/** The node ids a script's consumer may not take (`kafka-system.ts` names the others so). */
const RESERVED_NODE_PREFIXES = ['broker-', 'controller-'];
const CONSUMER_NAME = /^[a-z][a-z0-9-]*$/;
/** The scenario client's node id. */
const SCRIPT_NODE = 'script';
/**
 * Producer configs the scenario's `produce` honours; the cluster line may set them as its defaults.
 * Other producer keys configure nothing a scenario runs, so a script may not set them.
 */
const SCENARIO_PRODUCER_KEYS = ['acks', 'enable.idempotence'];

/** Parses and validates a scenario script; throws `DataDrivenError` (file:line) for any problem. */
export function validateScenario(file: string, text: string): ScenarioScript {
  const cases = parseDataDriven(file, text);
  if (cases.length === 0) throw new DataDrivenError(file, 1, "the script has no commands: a scenario starts with a 'cluster' line");
  if ((cases[0] as ParsedCase).command === SEED_RUN_COMMAND) return validateSeedRuns(file, text, cases);
  for (const testCase of cases) {
    if (testCase.command === SEED_RUN_COMMAND) throw new DataDrivenError(file, testCase.line, `'${SEED_RUN_COMMAND}' is a whole run of its own: a script of seed-run steps has no 'cluster' line`);
    if (!isCommandName(testCase.command)) {
      const suggestion = closest(testCase.command, Object.keys(SCENARIO_COMMANDS));
      throw new DataDrivenError(file, testCase.line, `unknown command ${quoteForMessage(testCase.command)}${suggestion === undefined ? '' : ` (did you mean '${suggestion}'?)`}`);
    }
    if (testCase === cases[0] && testCase.command !== 'cluster') throw new DataDrivenError(file, testCase.line, `'${testCase.command}' before 'cluster'`);
    if (testCase.input.length > 0) throw new DataDrivenError(file, testCase.line + 1, `'${testCase.command}' takes no input lines; its '----' line comes next`);
  }
  // Arguments that name a consumer may come before the consumer's own line, so the names are
  // gathered first; each `group-consumer` line is then checked in its turn.
  const consumerNames = new Set(cases.filter((testCase) => testCase.command === 'group-consumer').map((testCase) => testCase.args.get('name') ?? ''));
  const validator = new Validator(file, consumerNames);
  const steps = cases.map((testCase) => validator.step(testCase));
  const cluster = steps[0] as StepOf<'cluster'>;
  return { file, text, cases, steps, brokers: cluster.args.brokers, controllers: cluster.args.controllers, variants: cluster.args.variant, config: clusterConfig(cluster), consumers: validator.consumers, seedRuns: [] };
}

/**
 * A script of `seed-run` steps: each `seed-run args="--seed N ..."`, with its faults as input
 * lines, one schedule entry per line (`spec/scenario-language.md`, "Seed runs").
 */
function validateSeedRuns(file: string, text: string, cases: readonly ParsedCase[]): ScenarioScript {
  const seedRuns: SeedRunStep[] = [];
  for (const testCase of cases) {
    if (testCase.command !== SEED_RUN_COMMAND) throw new DataDrivenError(file, testCase.line, `'${testCase.command}' in a script of seed-run steps: each step of it is a 'seed-run'`);
    for (const key of testCase.args.keys()) {
      if (key !== 'args') throw new DataDrivenError(file, testCase.line, `unknown argument ${quoteForMessage(key)} for 'seed-run': it takes args="--seed N ..." only`);
    }
    const args = testCase.args.get('args');
    if (args === undefined || testCase.bare.has('args')) throw new DataDrivenError(file, testCase.line, `'seed-run' needs args="--seed N ...": the run's command-line options`);
    const parsed = parseSeedRunStep(args, testCase.input);
    if ('problem' in parsed) throw new DataDrivenError(file, testCase.line + (parsed.inputLine === undefined ? 0 : parsed.inputLine + 1), parsed.problem);
    seedRuns.push(parsed);
  }
  return { file, text, cases, steps: [], brokers: 0, controllers: 0, variants: [], config: {}, consumers: [], seedRuns };
}

/** The run's config: the cluster line's Kafka configs over its variants' overrides. */
function clusterConfig(cluster: StepOf<'cluster'>): Record<string, string> {
  const config: Record<string, string> = {};
  for (const name of cluster.args.variant) Object.assign(config, PROTOCOL_VARIANTS.find((variant) => variant.name === name)?.configOverrides);
  return Object.assign(config, cluster.configs);
}

/** How the scenario's `produce` sends: Kafka's producer with these two configs. */
export interface ProduceSettings {
  readonly acks: 0 | 1 | -1;
  readonly idempotent: boolean;
}

/**
 * The effective acks and idempotence of a `produce`: its own arguments, else the cluster line's
 * (or its variant's) producer configs, else Kafka's defaults (acks=all, idempotence on). As Kafka's
 * `ProducerConfig.postProcessAndValidateIdempotenceConfigs` (3.2+, KAFKA-13598) does, idempotence
 * left at its default is switched off by acks other than all, and asked for explicitly with them is
 * an error (Kafka's ConfigException); the string is that error.
 */
export function produceSettings(step: StepOf<'produce'>, config: Readonly<Record<string, string>>): ProduceSettings | string {
  const acks = step.args.acks ?? config['acks'] ?? 'all';
  const explicit = step.args['enable.idempotence'] ?? config['enable.idempotence'];
  const ackCount = acks === 'all' ? -1 : acks === '1' ? 1 : 0;
  if (explicit === 'true' && ackCount !== -1) return `enable.idempotence=true needs acks=all, not acks=${acks} (Kafka: "Must set acks to all in order to use the idempotent producer")`;
  return { acks: ackCount, idempotent: explicit === undefined ? ackCount === -1 : explicit === 'true' };
}

class Validator {
  private brokers = 0;
  private controllers = 0;
  private clusterConfig: Record<string, string> = {};
  readonly consumers: ScenarioGroupConsumer[] = [];

  constructor(
    private readonly file: string,
    private readonly consumerNames: ReadonlySet<string>,
  ) {}

  private error(testCase: ParsedCase, message: string): DataDrivenError {
    return new DataDrivenError(this.file, testCase.line, message);
  }

  step(testCase: ParsedCase): ScenarioStep {
    const command = testCase.command as CommandName;
    const spec: CommandSpec = SCENARIO_COMMANDS[command];
    if (command === 'cluster' && this.brokers > 0) throw this.error(testCase, "'cluster' may appear only once");
    const args: Record<string, unknown> = {};
    const configs: Record<string, string> = {};
    for (const [key, raw] of testCase.args) {
      const argSpec = Object.hasOwn(spec.args, key) ? spec.args[key] : undefined;
      if (argSpec !== undefined) args[key] = this.value(testCase, key, raw, argSpec);
      else configs[key] = this.config(testCase, command, spec, key, raw);
    }
    for (const [key, argSpec] of Object.entries(spec.args)) {
      if (testCase.args.has(key)) continue;
      if (argSpec.required === true) throw this.error(testCase, `'${command}' needs ${key}=${placeholder(argSpec)}`);
      args[key] = argSpec.type === 'flag' ? false : argSpec.type === 'variants' ? [] : 'default' in argSpec ? argSpec.default : undefined;
    }
    if (spec.oneOf !== undefined) {
      const given = spec.oneOf.filter((key) => testCase.args.has(key));
      const choices = spec.oneOf.map((key) => `${key}=${placeholder(spec.args[key] as ArgSpec)}`).join(' or ');
      if (given.length === 0) throw this.error(testCase, `'${command}' needs ${choices}`);
      if (given.length > 1) throw this.error(testCase, `'${command}' takes ${choices}, not both`);
    }
    const step = { command, line: testCase.line, args, configs } as ScenarioStep;
    this.check(testCase, step);
    return step;
  }

  /** The rules a command adds to its arguments' own. */
  private check(testCase: ParsedCase, step: ScenarioStep): void {
    switch (step.command) {
      case 'cluster':
        if (!SCENARIO_CONTROLLER_COUNTS.includes(step.args.controllers)) throw this.error(testCase, `controllers=${step.args.controllers} is not a KRaft quorum size: ${SCENARIO_CONTROLLER_COUNTS.join(', ')}`);
        this.brokers = step.args.brokers;
        this.controllers = step.args.controllers;
        this.clusterConfig = clusterConfig(step);
        return;
      case 'produce': {
        const settings = produceSettings(step, this.clusterConfig);
        if (typeof settings === 'string') throw this.error(testCase, settings);
        return;
      }
      case 'group-consumer': {
        const name = step.args.name;
        if (this.consumers.some((consumer) => consumer.name === name)) throw this.error(testCase, `consumer ${name} is started twice (use 'restart consumer=${name}' after a crash)`);
        this.consumers.push({ name, groupId: step.args.group, topic: step.args.topic, fromBeginning: step.args['from-beginning'], config: step.configs });
        return;
      }
      case 'partition': {
        const node = step.args.broker !== undefined ? `broker-${step.args.broker}` : `controller-${step.args.controller ?? 0}`;
        if (step.args.from === node) throw this.error(testCase, `${node} cannot be cut off from itself`);
        return;
      }
      case 'lag':
        if (step.args.from === step.args.to) throw this.error(testCase, `from=${step.args.from} and to=${step.args.to} are the same node`);
        return;
      case 'create-topic':
      case 'consume':
      case 'describe':
      case 'describe-quorum':
      case 'consumed':
      case 'describe-groups':
      case 'crash':
      case 'restart':
      case 'power-loss':
      case 'disk-loss':
      case 'shutdown':
      case 'heal':
      case 'wait':
        return;
      default:
        assertNever(step, 'scenario command');
    }
  }

  /** One argument's value, checked against its type and range. */
  private value(testCase: ParsedCase, key: string, raw: string, spec: ArgSpec): unknown {
    const bare = testCase.bare.has(key);
    if (spec.type === 'flag') {
      if (!bare) throw this.error(testCase, `${key} takes no value: write it as a bare word`);
      return true;
    }
    if (bare || raw === '') throw this.error(testCase, `${key} needs a value: ${key}=${placeholder(spec)}`);
    const shown = showArg(key, raw);
    switch (spec.type) {
      case 'int': {
        const max = spec.max === 'brokers' ? this.brokers : spec.max;
        if (!/^[0-9]+$/.test(raw)) throw this.error(testCase, `${shown} is not a whole number (${spec.doc}: ${spec.min} to ${max})`);
        // Digits beyond any bound are out of range, however many: Number() would round them.
        const value = raw.length > 16 ? Number.POSITIVE_INFINITY : Number(raw);
        if (value < spec.min || value > max) throw this.error(testCase, `${shown} is out of range: ${spec.min} to ${max} (${spec.doc}${spec.max === 'brokers' ? `, at most the cluster's ${this.brokers} brokers` : ''})`);
        return value;
      }
      case 'broker': {
        const value = /^[0-9]{1,16}$/.test(raw) ? Number(raw) : Number.NaN;
        if (!(value < this.brokers)) throw this.error(testCase, `${shown} is not one of the ${this.brokers} brokers (0 to ${this.brokers - 1})`);
        return value;
      }
      case 'controller': {
        const value = /^[0-9]{1,16}$/.test(raw) ? Number(raw) : Number.NaN;
        if (!(value < this.controllers)) throw this.error(testCase, `${shown} is not one of the ${this.controllers} controllers (0 to ${this.controllers - 1})`);
        return value;
      }
      case 'text':
        return raw;
      case 'node': {
        const controllers = Array.from({ length: this.controllers }, (_, id) => `controller-${id}`);
        const nodes = [...Array.from({ length: this.brokers }, (_, id) => `broker-${id}`), ...controllers, SCRIPT_NODE, ...this.consumerNames];
        const shownControllers = this.controllers === 1 ? 'controller-0' : `controller-0 to controller-${this.controllers - 1}`;
        if (!nodes.includes(raw)) throw this.error(testCase, `${shown} is not a node of the cluster: broker-0 to broker-${this.brokers - 1}, ${shownControllers}, ${SCRIPT_NODE}, or a consumer the script starts`);
        return raw;
      }
      case 'consumer':
        if (!this.consumerNames.has(raw)) throw this.error(testCase, `${shown} is not a consumer the script starts with 'group-consumer'`);
        return raw;
      case 'consumer-name':
        if (!CONSUMER_NAME.test(raw) || raw === SCRIPT_NODE || RESERVED_NODE_PREFIXES.some((prefix) => raw.startsWith(prefix))) {
          throw this.error(testCase, `${shown} is not a consumer name (lower-case letters, digits and '-'; not script, broker-N or controller-N)`);
        }
        return raw;
      case 'variants': {
        const names = raw.split(',');
        for (const name of names) {
          if (!isVariantName(name)) throw this.error(testCase, `unknown variant ${quoteForMessage(name)} (known: ${PROTOCOL_VARIANTS.map((variant) => variant.name).join(', ')})`);
        }
        if (new Set(names).size !== names.length) throw this.error(testCase, `${shown} names a variant twice`);
        return names;
      }
      case 'config':
        return this.configValue(testCase, findConfig(key) as KafkaConfigDef, raw);
      default:
        return assertNever(spec, 'scenario argument type');
    }
  }

  /** A `KEY=VALUE` Kafka config of a command that takes them, or the error for an unknown argument. */
  private config(testCase: ParsedCase, command: CommandName, spec: CommandSpec, key: string, raw: string): string {
    const names = Object.keys(spec.args);
    const def = findConfig(key);
    if (spec.configs === undefined || def === undefined) {
      const suggestion = closest(key, spec.configs === undefined ? names : [...names, ...KAFKA_CONFIG_KEYS]);
      const takes = names.length === 0 ? 'which takes no arguments' : `which takes ${names.join(', ')}${spec.configs === undefined ? '' : ` and ${spec.configs} configs`}`;
      const what = spec.configs === undefined ? 'argument' : 'argument or config key';
      throw this.error(testCase, `unknown ${what} ${quoteForMessage(key)} for '${command}'${suggestion === undefined ? `, ${takes}` : ` (did you mean '${suggestion}'?)`}`);
    }
    const refused = configRefusal(spec.configs, def);
    if (refused !== undefined) throw this.error(testCase, refused);
    if (testCase.bare.has(key)) throw this.error(testCase, `${key} needs a value: ${key}=VALUE`);
    return this.configValue(testCase, def, raw);
  }

  private configValue(testCase: ParsedCase, def: KafkaConfigDef, raw: string): string {
    const parsed = parseConfigValueFor(def, raw);
    if (!parsed.ok) throw this.error(testCase, parsed.error);
    return parsed.value;
  }
}

/** Why a command's config slot does not take `def`, or undefined when it does. */
function configRefusal(slot: ConfigSlot, def: KafkaConfigDef): string | undefined {
  if (def.key === 'group.id') return "the group is group=G on 'group-consumer', not group.id";
  switch (slot) {
    case 'cluster':
      if (def.scope === 'producer' && !SCENARIO_PRODUCER_KEYS.includes(def.key)) {
        return `'${def.key}' is a producer config the scenario's produce does not use (it takes ${SCENARIO_PRODUCER_KEYS.join(' and ')})`;
      }
      return undefined;
    case 'topic':
      return def.scope === 'topic' ? undefined : `'${def.key}' is not a topic config key`;
    case 'consumer':
      return def.scope === 'consumer' ? undefined : `'${def.key}' is not a consumer config key`;
    default:
      return assertNever(slot, 'config slot');
  }
}

/** `key=value` for an error message, the value quoted when it holds anything but plain characters. */
function showArg(key: string, raw: string): string {
  return `${key}=${/^[A-Za-z0-9._,-]{1,80}$/.test(raw) ? raw : quoteForMessage(raw)}`;
}

/** How an argument's value is written, for an error message. */
function placeholder(spec: ArgSpec): string {
  switch (spec.type) {
    case 'int':
    case 'broker':
    case 'controller':
      return 'N';
    case 'text':
      return '...';
    case 'flag':
      return '';
    case 'node':
      return 'NODE';
    case 'consumer':
    case 'consumer-name':
      return 'NAME';
    case 'variants':
      return 'NAME[,NAME...]';
    case 'config':
      return 'VALUE';
    default:
      return assertNever(spec, 'scenario argument type');
  }
}
