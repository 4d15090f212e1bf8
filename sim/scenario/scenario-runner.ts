import { readFileSync, writeFileSync } from 'node:fs';
import { ScenarioClient, type ScenarioCommand } from '../../impl/client/scenario-client.ts';
import { findConfig, parseConfigValueFor } from '../../impl/config/kafka-config.ts';
import type { Message, SimulatedNode } from '../../impl/env/node-environment.ts';
import { isVariantName, PROTOCOL_VARIANTS, type VariantName } from '../../impl/variants/variant-registry.ts';
import { assert } from '../../impl/common/assert.ts';
import type { PolledRecord } from '../../impl/client/fetcher.ts';
import { describeTopics } from '../kafka/describe.ts';
import { describeGroupMembers, describeGroups } from '../kafka/describe-groups.ts';
import { kafkaSystem, type KafkaNode, type ScenarioGroupConsumer } from '../kafka/kafka-system.ts';
import type { KafkaClusterView } from '../kafka/kafka-view.ts';
import type { MutantName } from '../mutants/mutant-catalogue.ts';
import { DEFAULT_SIMULATION_OPTIONS, Simulation } from '../run/simulation.ts';
import type { SystemDefinition } from '../run/system.ts';
import { DataDrivenError, parseDataDriven, type DataDrivenCase } from '../testkit/datadriven.ts';

/**
 * `npm run sim -- --scenario FILE`: a readable script of cluster steps, faults and waits, each
 * with its expected output, in the style of etcd raft's datadriven tests. The cluster runs in
 * the simulator with no random faults; the script is the nemesis and the workload.
 *
 * Commands:
 *   cluster brokers=3 [variant=NAME ...] [KAFKA.CONFIG=VALUE ...]   (first, once)
 *   create-topic name=t partitions=1 replication-factor=3 [KAFKA.CONFIG=VALUE ...]
 *   produce topic=t value=v [key=k] [partition=0] [acks=all|1|0]
 *   consume topic=t [partition=0] [offset=0]
 *   describe
 *   group-consumer name=c1 group=G topic=t [from-beginning] [CONSUMER.CONFIG=VALUE ...]
 *   consumed name=c1
 *   describe-groups [group=G] [members]
 *   crash broker=N | power-loss broker=N | disk-loss broker=N | restart broker=N | shutdown broker=N
 *   crash consumer=c1 | restart consumer=c1
 *   partition broker=N [from=NODE] (isolates the broker from every other node, or from one node)
 *   lag from=NODE to=NODE ms=N | heal [partitions] [lags]
 *   wait ms=N
 * After every step the output also lists any invariant violations the step caused.
 *
 * Consumer groups, as the Kafka quick start's console consumer and `kafka-consumer-groups.sh`:
 * `group-consumer` starts a consumer that subscribes to the topic as a member of group G and keeps
 * polling (`kafka-console-consumer.sh --group G --topic t`; `from-beginning` reads from the log
 * start where the group has no committed offset, else `auto.offset.reset` decides, latest by
 * default; consumer configs such as `session.timeout.ms` override the cluster line's for this
 * consumer). It returns at once, so consumers started one after another join one rebalance; a
 * `wait` lets the group form. Every consumer a script names is declared when `cluster` runs (the
 * simulator knows its nodes from the start) and started when the script reaches it. `consumed`
 * lists every record the consumer's polls returned so far, across its restarts, in poll order.
 * `describe-groups` prints `kafka-consumer-groups.sh --describe` (`members`: `--describe
 * --members`, where an idle member shows with 0 partitions) for group G, or for every group
 * (`--all-groups`), without the tool's empty lines, which the script format cannot hold. A
 * crashed consumer sends no LeaveGroup: its coordinator removes it after `session.timeout.ms`.
 */

/** Test-only settings of a scenario run; the CLI passes none, and a script cannot name them. */
export interface ScenarioRunOptions {
  /** Planted bugs in the cluster (`sim/mutants/`), for stories of a checker catching one. */
  readonly mutants?: readonly MutantName[];
}

export interface ScenarioOutcome {
  readonly cases: number;
  /** Cases whose output differs from the expected output (empty after a rewrite). */
  readonly mismatches: readonly { readonly line: number; readonly command: string; readonly expected: string; readonly actual: string }[];
  readonly rewritten: boolean;
}

const CLIENT_STEP_LIMIT_MS = 60_000;
const SETTLE_MS = 3_000;
/** The most records `consumed` keeps per consumer: a script produces a handful. */
const POLLED_RECORDS_MAX = 10_000;
/** The node ids a script's consumer may not take (`kafka-system.ts` names the others so). */
const RESERVED_NODE_PREFIXES = ['broker-', 'controller-'];

class ScenarioSession {
  private simulation: Simulation<Message, SimulatedNode<Message>, KafkaClusterView> | undefined;
  private nextFaultId = 1;
  private readonly partitions: number[] = [];
  private readonly lags: { faultId: number; from: string; to: string }[] = [];
  private violationsShown = 0;
  private brokers = 0;
  /** The script's group consumers, by name, declared by `cluster` from the whole script. */
  private readonly groupConsumers = new Map<string, ScenarioGroupConsumer>();
  /** By consumer: the records its polls returned, in order (`consumed`). */
  private readonly polled = new Map<string, PolledRecord[]>();

  constructor(
    private readonly file: string,
    private readonly cases: readonly DataDrivenCase[],
    private readonly options: ScenarioRunOptions = {},
  ) {}

  handle(testCase: DataDrivenCase): string {
    if (testCase.command === 'cluster') return this.cluster(testCase);
    const simulation = this.simulation;
    if (simulation === undefined) throw new DataDrivenError(this.file, testCase.line, `'${testCase.command}' before 'cluster'`);
    const lines = this.step(simulation, testCase);
    return [...lines, ...this.newViolations(simulation)].join('\n');
  }

  private cluster(testCase: DataDrivenCase): string {
    if (this.simulation !== undefined) throw new DataDrivenError(this.file, testCase.line, "'cluster' may appear only once");
    this.brokers = this.int(testCase, 'brokers', 3);
    const config: Record<string, string> = {};
    const variants: VariantName[] = [];
    for (const [key, value] of testCase.args) {
      if (key === 'brokers') continue;
      if (key === 'variant') {
        if (!isVariantName(value)) throw new DataDrivenError(this.file, testCase.line, `unknown variant '${value}'`);
        variants.push(value);
        continue;
      }
      config[key] = this.configValue(testCase, key, value);
    }
    for (const name of variants) Object.assign(config, { ...PROTOCOL_VARIANTS.find((variant) => variant.name === name)?.configOverrides, ...config });
    this.declareGroupConsumers();
    const system = kafkaSystem({
      brokers: this.brokers, partitions: 0, replicationFactor: 1, producers: 0, consumers: 0, stopAtMs: 0, config, variants, scenario: true,
      scenarioGroupConsumers: [...this.groupConsumers.values()],
      ...(this.options.mutants === undefined ? {} : { mutants: this.options.mutants }),
    });
    this.simulation = new Simulation(
      { ...DEFAULT_SIMULATION_OPTIONS, seed: 1, durationMs: 24 * 60 * 60 * 1000, faults: { type: 'none' }, repro: `npm run sim -- --scenario ${this.file}` },
      system as unknown as SystemDefinition<Message, SimulatedNode<Message>, KafkaClusterView>,
    );
    this.simulation.observeHistory((entry) => this.observePoll(entry.process, entry.type, entry.f, entry.value));
    this.simulation.beginScenario();
    this.settle(this.simulation, SETTLE_MS);
    const brokers = this.simulation.currentView().brokers.map((broker) => `broker ${broker.brokerId}: ${broker.lifecycle ?? 'down'}`);
    const mutants = this.options.mutants ?? [];
    return [`cluster of ${this.brokers} brokers and 1 controller${variants.length > 0 ? `, variants ${variants.join(', ')}` : ''}${mutants.length > 0 ? `, mutants ${mutants.join(', ')}` : ''}`, ...brokers].join('\n');
  }

  private step(simulation: Simulation<Message, SimulatedNode<Message>, KafkaClusterView>, testCase: DataDrivenCase): string[] {
    switch (testCase.command) {
      case 'create-topic': {
        const configs: Record<string, string> = {};
        for (const [key, value] of testCase.args) if (!['name', 'partitions', 'replication-factor'].includes(key)) configs[key] = this.configValue(testCase, key, value);
        return this.client(simulation, testCase, { type: 'create-topic', name: this.string(testCase, 'name'), partitions: this.int(testCase, 'partitions', 1), replicationFactor: this.int(testCase, 'replication-factor', 1), configs });
      }
      case 'produce': {
        const acks = testCase.args.get('acks') ?? 'all';
        if (!['all', '-1', '1', '0'].includes(acks)) throw new DataDrivenError(this.file, testCase.line, `acks=${acks} is not all, 1 or 0`);
        return this.client(simulation, testCase, {
          type: 'produce', topic: this.string(testCase, 'topic'), partition: testCase.args.has('partition') ? this.int(testCase, 'partition', 0) : undefined,
          key: testCase.args.get('key') ?? null, value: this.string(testCase, 'value'), acks: acks === '0' ? 0 : acks === '1' ? 1 : -1,
        });
      }
      case 'consume':
        return this.client(simulation, testCase, { type: 'consume', topic: this.string(testCase, 'topic'), partition: this.int(testCase, 'partition', 0), offset: this.int(testCase, 'offset', 0) });
      case 'describe':
        return describeTopics(simulation.currentView());
      case 'group-consumer': {
        const consumer = this.declared(testCase, 'name');
        assert(!simulation.isRunning(consumer.name), `${consumer.name} started twice`);
        simulation.start(consumer.name);
        return [`started ${consumer.name}: group ${consumer.groupId}, topic ${consumer.topic}${consumer.fromBeginning ? ', from the beginning' : ''}`];
      }
      case 'consumed': {
        const consumer = this.declared(testCase, 'name');
        const records = this.polled.get(consumer.name) ?? [];
        if (records.length === 0) return [`${consumer.name} has polled no records`];
        return records.map((record) => `${record.topic}-${record.partition} offset ${record.offset}: ${record.key ?? 'null'}=${record.value}`);
      }
      case 'describe-groups': {
        for (const key of testCase.args.keys()) {
          if (key !== 'group' && key !== 'members') throw new DataDrivenError(this.file, testCase.line, `describe-groups takes group=G and 'members', not '${key}'`);
        }
        const only = testCase.args.has('group');
        const groupIds = only ? [this.string(testCase, 'group')] : [...new Set([...this.groupConsumers.values()].map((consumer) => consumer.groupId))];
        const describe = testCase.args.has('members') ? describeGroupMembers : describeGroups;
        const lines = describe(simulation.currentView(), groupIds, only).filter((line) => line !== '');
        return lines.length > 0 ? lines : ['no consumer groups'];
      }
      case 'crash':
      case 'power-loss':
      case 'disk-loss':
      case 'restart':
      case 'shutdown': {
        const node = this.faultedNode(testCase);
        if (testCase.command === 'crash' && this.groupConsumers.has(node) && !simulation.isRunning(node)) return [`${node} is not running`];
        if (testCase.command === 'crash') simulation.crash(node);
        if (testCase.command === 'power-loss') simulation.powerLoss(node);
        if (testCase.command === 'disk-loss') {
          // The broker stops and its disk is replaced with an empty one; `restart` brings it back.
          simulation.crash(node);
          simulation.replaceDisk(node);
        }
        if (testCase.command === 'restart') {
          if (simulation.isRunning(node)) return [`${node} is already running`];
          simulation.start(node);
        }
        if (testCase.command === 'shutdown') simulation.requestShutdown(node);
        this.settle(simulation, SETTLE_MS);
        return [`${testCase.command} ${node}`];
      }
      case 'partition': {
        const node = `broker-${this.broker(testCase)}`;
        const others = testCase.args.has('from') ? [this.string(testCase, 'from')] : simulation.allNodeIds().filter((other) => other !== node);
        const faultId = this.nextFaultId++;
        simulation.addPartition(faultId, 'script', others.flatMap((other) => [[node, other] as const, [other, node] as const]));
        this.partitions.push(faultId);
        return [`isolated ${node} from ${others.join(', ')}`];
      }
      case 'lag': {
        const faultId = this.nextFaultId++;
        const from = this.string(testCase, 'from');
        const to = this.string(testCase, 'to');
        simulation.addLinkLag(faultId, from, to, this.int(testCase, 'ms', 1000), false);
        this.lags.push({ faultId, from, to });
        return [`${from} -> ${to} lags ${this.int(testCase, 'ms', 1000)} ms`];
      }
      case 'heal': {
        // `heal` repairs the whole network; `heal partitions` or `heal lags` only that kind.
        for (const key of testCase.args.keys()) {
          if (key !== 'partitions' && key !== 'lags') throw new DataDrivenError(this.file, testCase.line, `heal takes 'partitions' or 'lags', not '${key}'`);
        }
        const all = testCase.args.size === 0;
        if (all || testCase.args.has('partitions')) for (const faultId of this.partitions.splice(0)) simulation.removePartition(faultId);
        if (all || testCase.args.has('lags')) for (const lag of this.lags.splice(0)) simulation.removeLinkLag(lag.faultId, lag.from, lag.to);
        return [all ? 'healed the network' : `healed the ${[...testCase.args.keys()].join(' and ')}`];
      }
      case 'wait': {
        const ms = this.int(testCase, 'ms', 1000);
        this.settle(simulation, ms);
        return [`waited ${ms} ms`];
      }
      default:
        throw new DataDrivenError(this.file, testCase.line, `unknown command '${testCase.command}'`);
    }
  }

  private client(simulation: Simulation<Message, SimulatedNode<Message>, KafkaClusterView>, testCase: DataDrivenCase, command: ScenarioCommand): string[] {
    const client = simulation.nodeOf('script') as KafkaNode | undefined;
    if (!(client instanceof ScenarioClient)) throw new DataDrivenError(this.file, testCase.line, 'the scenario client is not running');
    client.submit(command);
    simulation.poke('script', 'run');
    const deadline = simulation.nowMs() + CLIENT_STEP_LIMIT_MS;
    while (client.busy && simulation.nowMs() < deadline) simulation.advanceTo(simulation.nowMs() + 10);
    return client.output ?? [`no answer within ${CLIENT_STEP_LIMIT_MS} ms`];
  }

  private settle(simulation: Simulation<Message, SimulatedNode<Message>, KafkaClusterView>, ms: number): void {
    simulation.advanceTo(simulation.nowMs() + ms);
  }

  private newViolations(simulation: Simulation<Message, SimulatedNode<Message>, KafkaClusterView>): string[] {
    const all = simulation.violationsSoFar;
    const fresh = all.slice(this.violationsShown);
    this.violationsShown = all.length;
    return fresh.map((violation) => `violation ${violation.invariant}${violation.applies ? '' : ' (does not apply to this configuration)'}: ${violation.message}`);
  }

  /**
   * Declares every consumer the script starts with `group-consumer`, before the cluster is built:
   * the simulator knows its nodes up front, and starts these only when the script reaches them.
   */
  private declareGroupConsumers(): void {
    for (const testCase of this.cases) {
      if (testCase.command !== 'group-consumer') continue;
      const name = this.string(testCase, 'name');
      if (!/^[a-z][a-z0-9-]*$/.test(name) || name === 'script' || RESERVED_NODE_PREFIXES.some((prefix) => name.startsWith(prefix))) {
        throw new DataDrivenError(this.file, testCase.line, `name=${name} is not a consumer name (lower-case letters, digits and '-'; not script, broker-N or controller-N)`);
      }
      if (this.groupConsumers.has(name)) throw new DataDrivenError(this.file, testCase.line, `consumer ${name} is started twice (use 'restart consumer=${name}' after a crash)`);
      const fromBeginning = testCase.args.get('from-beginning');
      if (fromBeginning !== undefined && fromBeginning !== '') throw new DataDrivenError(this.file, testCase.line, `from-beginning takes no value`);
      const config: Record<string, string> = {};
      for (const [key, value] of testCase.args) {
        if (['name', 'group', 'topic', 'from-beginning'].includes(key)) continue;
        if (findConfig(key)?.scope !== 'consumer') throw new DataDrivenError(this.file, testCase.line, `'${key}' is not a consumer config key`);
        config[key] = this.configValue(testCase, key, value);
      }
      this.groupConsumers.set(name, { name, groupId: this.string(testCase, 'group'), topic: this.string(testCase, 'topic'), fromBeginning: fromBeginning !== undefined, config });
    }
  }

  /** The script's consumer that `key` names. */
  private declared(testCase: DataDrivenCase, key: string): ScenarioGroupConsumer {
    const name = this.string(testCase, key);
    const consumer = this.groupConsumers.get(name);
    if (consumer === undefined) throw new DataDrivenError(this.file, testCase.line, `${key}=${name} is not a consumer the script starts with 'group-consumer'`);
    return consumer;
  }

  /** The node a fault command strikes: `broker=N`, or for `crash` and `restart`, `consumer=NAME`. */
  private faultedNode(testCase: DataDrivenCase): string {
    if (!testCase.args.has('consumer')) return `broker-${this.broker(testCase)}`;
    if (testCase.command !== 'crash' && testCase.command !== 'restart') throw new DataDrivenError(this.file, testCase.line, `'${testCase.command}' takes broker=N; a consumer can only crash and restart`);
    if (testCase.args.has('broker')) throw new DataDrivenError(this.file, testCase.line, `'${testCase.command}' takes broker=N or consumer=NAME, not both`);
    return this.declared(testCase, 'consumer').name;
  }

  /** Keeps what a script consumer's polls returned (the history's `ok` poll entries). */
  private observePoll(process: string, type: string, f: string, value: unknown): void {
    if (type !== 'ok' || f !== 'poll' || !this.groupConsumers.has(process)) return;
    const records = (value as { readonly records: readonly PolledRecord[] }).records;
    const kept = this.polled.get(process) ?? [];
    assert(kept.length + records.length <= POLLED_RECORDS_MAX, `${process} polled more than ${POLLED_RECORDS_MAX} records`);
    kept.push(...records);
    this.polled.set(process, kept);
  }

  private broker(testCase: DataDrivenCase): number {
    const broker = this.int(testCase, 'broker', 0);
    if (broker < 0 || broker >= this.brokers) throw new DataDrivenError(this.file, testCase.line, `broker=${broker} is not one of the ${this.brokers} brokers`);
    return broker;
  }

  private string(testCase: DataDrivenCase, key: string): string {
    const value = testCase.args.get(key);
    if (value === undefined || value === '') throw new DataDrivenError(this.file, testCase.line, `'${testCase.command}' needs ${key}=...`);
    return value;
  }

  private int(testCase: DataDrivenCase, key: string, fallback: number): number {
    const raw = testCase.args.get(key);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw)) throw new DataDrivenError(this.file, testCase.line, `${key}=${raw} is not a non-negative integer`);
    return Number(raw);
  }

  private configValue(testCase: DataDrivenCase, key: string, value: string): string {
    const def = findConfig(key);
    if (def === undefined) throw new DataDrivenError(this.file, testCase.line, `unknown argument or config key '${key}'`);
    const parsed = parseConfigValueFor(def, value);
    if (!parsed.ok) throw new DataDrivenError(this.file, testCase.line, parsed.error);
    return parsed.value;
  }
}

/**
 * Runs a scenario file; with `rewrite`, writes the actual outputs back as the expected ones.
 * `options` is for tests only (mutant scenarios under `sim/mutants/scenarios/`).
 */
export function runScenarioFile(path: string, rewrite: boolean, options: ScenarioRunOptions = {}): ScenarioOutcome {
  const text = readFileSync(path, 'utf8');
  const cases = parseDataDriven(path, text);
  const session = new ScenarioSession(path, cases, options);
  const mismatches: { line: number; command: string; expected: string; actual: string }[] = [];
  const outputs: string[] = [];
  for (const testCase of cases) {
    const actual = session.handle(testCase).replace(/\n+$/, '');
    outputs.push(actual);
    if (actual !== testCase.expected) mismatches.push({ line: testCase.line, command: testCase.command, expected: testCase.expected, actual });
  }
  if (rewrite) {
    const lines = text.split('\n');
    for (let index = cases.length - 1; index >= 0; index--) {
      const testCase = cases[index] as (typeof cases)[number];
      lines.splice(testCase.expectedStart, testCase.expectedEnd - testCase.expectedStart, ...(outputs[index] as string).split('\n'));
    }
    writeFileSync(path, lines.join('\n'), 'utf8');
    return { cases: cases.length, mismatches: [], rewritten: true };
  }
  return { cases: cases.length, mismatches, rewritten: false };
}
