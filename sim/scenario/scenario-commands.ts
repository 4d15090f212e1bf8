import type { VariantName } from '../../impl/variants/variant-registry.ts';
import { SIM_LIMITS } from '../cli/cli-defaults.ts';

/**
 * The scenario language's commands and their arguments, in one table: the validator
 * (`scenario-validate.ts`) checks every script line against it before the cluster starts, the
 * runner executes the typed steps it yields, and `spec/scenario-language.md` documents it. A
 * change here is a change of the language: update the spec in the same commit.
 */

/** Bounds of the language, each a promise the validator keeps (see `spec/scenario-language.md`). */
export const SCENARIO_LIMITS = {
  /**
   * An idle broker costs the simulator about 70 events per simulated second (measured: 41,000 in
   * ten minutes; 68,000 with a topic and a group consumer), and a scenario runs under the
   * simulator's budget of 5,000,000 events. With at most 9 brokers, even the longest `wait` on an
   * idle cluster (an hour: about 2.5 million events) stays within the budget.
   */
  maxBrokers: 9,
  /**
   * The longest `wait` and `lag`: an hour of simulated time covers every timeout a script waits
   * out (sessions, ISR lag, retention checks are seconds to minutes) and no single step can
   * exhaust the event budget, so a script cannot run for simulated days with no end.
   */
  maxWaitMs: 60 * 60 * 1000,
  /** The simulator's own limit on a topic's partitions (`--partitions`). */
  maxPartitions: SIM_LIMITS.maxPartitions,
  /** Offsets are Kafka longs; a script names them in JavaScript's exact integers. */
  maxOffset: Number.MAX_SAFE_INTEGER,
  /**
   * The simulated time a scenario may reach: the simulation of a script runs for a day, at the
   * end of which the simulator would heal the network itself. A script that would go past it is
   * stopped with an error naming the step (in practice the event budget ends a script first).
   */
  horizonMs: 24 * 60 * 60 * 1000,
} as const;

interface ArgBase {
  /** One phrase for the spec and for error messages: what the argument means. */
  readonly doc: string;
  /** The script must give it. */
  readonly required?: true;
}

/** One argument of a command: its type, its range, whether it is required, and its default. */
export type ArgSpec =
  /** A whole number in decimal digits, from `min` to `max` (`'brokers'`: the cluster's count). */
  | (ArgBase & { readonly type: 'int'; readonly min: number; readonly max: number | 'brokers'; readonly default?: number })
  /** Any non-empty text (quote it to keep spaces). */
  | (ArgBase & { readonly type: 'text' })
  /** A bare word: present or not (`members`, `from-beginning`). */
  | (ArgBase & { readonly type: 'flag' })
  /** A broker id of the cluster: 0 to brokers - 1. */
  | (ArgBase & { readonly type: 'broker' })
  /** A controller id of the cluster: 0 to controllers - 1. */
  | (ArgBase & { readonly type: 'controller' })
  /** A node of the cluster: broker-N, controller-N, script, or a consumer the script starts. */
  | (ArgBase & { readonly type: 'node' })
  /** A consumer the script starts with `group-consumer`. */
  | (ArgBase & { readonly type: 'consumer' })
  /** The name of a new consumer: lower-case letters, digits and '-'; not script, broker-N or controller-N. */
  | (ArgBase & { readonly type: 'consumer-name' })
  /** Historical protocol variants, comma-separated (`impl/variants/variant-registry.ts`). */
  | (ArgBase & { readonly type: 'variants' })
  /** A Kafka client config given as an argument (`acks`), checked by the config registry. */
  | (ArgBase & { readonly type: 'config' });

export type ArgType = ArgSpec['type'];

/** Which Kafka config keys a command takes besides its arguments (`KEY=VALUE`). */
export type ConfigSlot =
  /** `cluster`: broker and topic keys for the brokers, consumer keys as the consumers' defaults, and the producer keys `produce` uses as its defaults. */
  | 'cluster'
  /** `create-topic`: topic keys. */
  | 'topic'
  /** `group-consumer`: consumer keys. */
  | 'consumer';

export interface CommandSpec {
  /** The command's one-line meaning, for the spec and for errors. */
  readonly summary: string;
  readonly args: Readonly<Record<string, ArgSpec>>;
  readonly configs?: ConfigSlot;
  /** Arguments of which exactly one must be given. */
  readonly oneOf?: readonly string[];
}

const FAULT_TARGET = {
  broker: { type: 'broker', doc: 'the broker' },
  controller: { type: 'controller', doc: 'the controller' },
  consumer: { type: 'consumer', doc: 'the consumer' },
} as const satisfies Record<string, ArgSpec>;

const SERVER_FAULT = {
  broker: { type: 'broker', doc: 'the broker' },
  controller: { type: 'controller', doc: 'the controller' },
} as const satisfies Record<string, ArgSpec>;

/** The controller quorum sizes a script's cluster may have (`kafka-system.ts`'s `CONTROLLER_QUORUM_SIZES`). */
export const SCENARIO_CONTROLLER_COUNTS: readonly number[] = [1, 3, 5];

export const SCENARIO_COMMANDS = {
  cluster: {
    summary: 'starts the cluster: brokers, the KRaft controllers and the script client (first, once)',
    args: {
      brokers: { type: 'int', min: 1, max: SCENARIO_LIMITS.maxBrokers, default: 3, doc: 'brokers' },
      controllers: { type: 'int', min: 1, max: 5, default: 1, doc: 'KRaft controllers: 1, 3 or 5' },
      variant: { type: 'variants', doc: 'historical protocol variants to switch on' },
    },
    configs: 'cluster',
  },
  'create-topic': {
    summary: 'creates a topic through the controller, as kafka-topics.sh --create',
    args: {
      name: { type: 'text', required: true, doc: 'the topic' },
      partitions: { type: 'int', min: 1, max: SCENARIO_LIMITS.maxPartitions, default: 1, doc: 'partitions' },
      'replication-factor': { type: 'int', min: 1, max: 'brokers', default: 1, doc: 'replicas per partition' },
    },
    configs: 'topic',
  },
  produce: {
    summary: 'writes one record and waits for the answer, as a Kafka producer does',
    args: {
      topic: { type: 'text', required: true, doc: 'the topic' },
      value: { type: 'text', required: true, doc: "the record's value" },
      key: { type: 'text', doc: "the record's key (none: a null key)" },
      partition: { type: 'int', min: 0, max: SCENARIO_LIMITS.maxPartitions - 1, default: 0, doc: 'the partition' },
      acks: { type: 'config', doc: "Kafka's acks: all (or -1), 1 or 0" },
      'enable.idempotence': { type: 'config', doc: "Kafka's enable.idempotence: true or false" },
    },
  },
  consume: {
    summary: 'reads one partition from an offset up to the high watermark',
    args: {
      topic: { type: 'text', required: true, doc: 'the topic' },
      partition: { type: 'int', min: 0, max: SCENARIO_LIMITS.maxPartitions - 1, default: 0, doc: 'the partition' },
      offset: { type: 'int', min: 0, max: SCENARIO_LIMITS.maxOffset, default: 0, doc: 'the first offset' },
    },
  },
  describe: {
    summary: 'prints every topic as kafka-topics.sh --describe',
    args: {},
  },
  'describe-quorum': {
    summary: "prints the metadata quorum: its committed voters, and each controller's own view: Raft state, epoch, leader, log end, high watermark, directory id and voter status",
    args: {},
  },
  'group-consumer': {
    summary: 'starts a consumer in a group, subscribed to a topic, as kafka-console-consumer.sh --group',
    args: {
      name: { type: 'consumer-name', required: true, doc: "the consumer's name" },
      group: { type: 'text', required: true, doc: 'the group id' },
      topic: { type: 'text', required: true, doc: 'the topic' },
      'from-beginning': { type: 'flag', doc: 'read from the log start where the group has no committed offset' },
    },
    configs: 'consumer',
  },
  consumed: {
    summary: "lists every record the consumer's polls returned, in poll order",
    args: { name: { type: 'consumer', required: true, doc: 'the consumer' } },
  },
  'describe-groups': {
    summary: 'prints kafka-consumer-groups.sh --describe for one group or all',
    args: {
      group: { type: 'text', doc: 'the group (none: every group the script starts a consumer in)' },
      members: { type: 'flag', doc: 'print --describe --members' },
    },
  },
  crash: {
    summary: 'kills a broker, controller or consumer process (no clean shutdown)',
    args: FAULT_TARGET,
    oneOf: ['broker', 'controller', 'consumer'],
  },
  restart: {
    summary: 'starts a stopped broker, controller or consumer again',
    args: FAULT_TARGET,
    oneOf: ['broker', 'controller', 'consumer'],
  },
  'power-loss': { summary: "cuts a broker's or controller's power: it stops, and what its disk had not synced is lost", args: SERVER_FAULT, oneOf: ['broker', 'controller'] },
  'disk-loss': { summary: 'stops a broker or controller and replaces its disk with an empty one (restart brings it back)', args: SERVER_FAULT, oneOf: ['broker', 'controller'] },
  shutdown: { summary: 'asks a broker or controller for a controlled shutdown', args: SERVER_FAULT, oneOf: ['broker', 'controller'] },
  partition: {
    summary: 'cuts a broker or controller off the network, from every other node or from one',
    args: {
      ...SERVER_FAULT,
      from: { type: 'node', doc: 'the one node it is cut off from (none: every other node)' },
    },
    oneOf: ['broker', 'controller'],
  },
  lag: {
    summary: 'delays every message from one node to another',
    args: {
      from: { type: 'node', required: true, doc: 'the sender' },
      to: { type: 'node', required: true, doc: 'the receiver' },
      ms: { type: 'int', min: 1, max: SCENARIO_LIMITS.maxWaitMs, default: 1000, doc: 'the extra latency in milliseconds' },
    },
  },
  heal: {
    summary: "repairs the script's network faults: all of them, or only the partitions or the lags",
    args: {
      partitions: { type: 'flag', doc: 'heal the partitions' },
      lags: { type: 'flag', doc: 'heal the lags' },
    },
  },
  wait: {
    summary: 'lets simulated time pass',
    args: { ms: { type: 'int', min: 0, max: SCENARIO_LIMITS.maxWaitMs, default: 1000, doc: 'milliseconds' } },
  },
} as const satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof SCENARIO_COMMANDS;

export const COMMAND_NAMES = Object.keys(SCENARIO_COMMANDS) as CommandName[];

export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(SCENARIO_COMMANDS, name);
}

type ValueOf<S extends ArgSpec> = S['type'] extends 'int' | 'broker' | 'controller' ? number : S['type'] extends 'flag' ? boolean : S['type'] extends 'variants' ? readonly VariantName[] : string;

/** A flag is true or false and a list may be empty; other arguments without a default may be absent. */
type ArgValue<S extends ArgSpec> = S extends { readonly type: 'flag' | 'variants' } | { readonly required: true } | { readonly default: number } ? ValueOf<S> : ValueOf<S> | undefined;

/** The typed arguments of command `C`, as the table declares them. */
export type ArgsOf<C extends CommandName> = {
  readonly [K in keyof (typeof SCENARIO_COMMANDS)[C]['args']]: (typeof SCENARIO_COMMANDS)[C]['args'][K] extends ArgSpec ? ArgValue<(typeof SCENARIO_COMMANDS)[C]['args'][K]> : never;
};

/** A validated script line: the command, its typed arguments and its Kafka config keys. */
export type ScenarioStep = {
  [C in CommandName]: {
    readonly command: C;
    /** 1-based line of the command in the script. */
    readonly line: number;
    readonly args: ArgsOf<C>;
    /** `KEY=VALUE` Kafka configs in canonical form (only for commands with `configs`). */
    readonly configs: Readonly<Record<string, string>>;
  };
}[CommandName];

/** The step of command `C`. */
export type StepOf<C extends CommandName> = Extract<ScenarioStep, { readonly command: C }>;
