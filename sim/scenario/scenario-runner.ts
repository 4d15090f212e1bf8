import { readFileSync, writeFileSync } from 'node:fs';
import { ScenarioClient, type ScenarioCommand } from '../../impl/client/scenario-client.ts';
import { findConfig, parseConfigValueFor } from '../../impl/config/kafka-config.ts';
import type { Message, SimulatedNode } from '../../impl/env/node-environment.ts';
import { isVariantName, PROTOCOL_VARIANTS, type VariantName } from '../../impl/variants/variant-registry.ts';
import { describeTopics } from '../kafka/describe.ts';
import { kafkaSystem, type KafkaNode } from '../kafka/kafka-system.ts';
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
 *   crash broker=N | power-loss broker=N | disk-loss broker=N | restart broker=N | shutdown broker=N
 *   partition broker=N [from=NODE] (isolates the broker from every other node, or from one node)
 *   lag from=NODE to=NODE ms=N | heal [partitions] [lags]
 *   wait ms=N
 * After every step the output also lists any invariant violations the step caused.
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

class ScenarioSession {
  private simulation: Simulation<Message, SimulatedNode<Message>, KafkaClusterView> | undefined;
  private nextFaultId = 1;
  private readonly partitions: number[] = [];
  private readonly lags: { faultId: number; from: string; to: string }[] = [];
  private violationsShown = 0;
  private brokers = 0;

  constructor(private readonly file: string, private readonly options: ScenarioRunOptions = {}) {}

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
    const system = kafkaSystem({ brokers: this.brokers, partitions: 0, replicationFactor: 1, producers: 0, consumers: 0, stopAtMs: 0, config, variants, scenario: true, ...(this.options.mutants === undefined ? {} : { mutants: this.options.mutants }) });
    this.simulation = new Simulation(
      { ...DEFAULT_SIMULATION_OPTIONS, seed: 1, durationMs: 24 * 60 * 60 * 1000, faults: { type: 'none' }, repro: `npm run sim -- --scenario ${this.file}` },
      system as unknown as SystemDefinition<Message, SimulatedNode<Message>, KafkaClusterView>,
    );
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
      case 'crash':
      case 'power-loss':
      case 'disk-loss':
      case 'restart':
      case 'shutdown': {
        const node = `broker-${this.broker(testCase)}`;
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
  const session = new ScenarioSession(path, options);
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
