import { readFileSync, writeFileSync } from 'node:fs';
import { ScenarioClient, type ScenarioCommand } from '../../impl/client/scenario-client.ts';
import type { Message, SimulatedNode } from '../../impl/env/node-environment.ts';
import { assert, assertNever, fail } from '../../impl/common/assert.ts';
import type { PolledRecord } from '../../impl/client/fetcher.ts';
import type { TraceSink } from '../core/trace.ts';
import { describeTopics } from '../kafka/describe.ts';
import { describeGroupMembers, describeGroups } from '../kafka/describe-groups.ts';
import { describeQuorum } from '../kafka/describe-quorum.ts';
import { kafkaSystem, type KafkaNode, type ScenarioGroupConsumer } from '../kafka/kafka-system.ts';
import type { KafkaClusterView } from '../kafka/kafka-view.ts';
import type { MutantName } from '../mutants/mutant-catalogue.ts';
import { Simulation } from '../run/simulation.ts';
import { DEFAULT_SIMULATION_OPTIONS, EventBudgetExceeded } from '../run/simulation-options.ts';
import type { SystemDefinition } from '../run/system.ts';
import { DataDrivenError } from '../testkit/datadriven.ts';
import { SCENARIO_LIMITS, type ScenarioStep } from './scenario-commands.ts';
import { produceSettings, validateScenario, type ScenarioScript } from './scenario-validate.ts';
import { seedRunOf, seedRunOutput, type SeedRunStep } from './seed-run-step.ts';
import { runSeed } from '../run/run-seed.ts';

/**
 * `npm run sim -- --scenario FILE`: runs a scenario script, a readable story of cluster steps,
 * faults and waits, each with its expected output, in the style of etcd raft's datadriven tests.
 * The language (every command, its arguments, quoting, errors) is specified in
 * `spec/scenario-language.md`; the command table is `scenario-commands.ts`, checked for the whole
 * script by `scenario-validate.ts` before the cluster starts. This file executes the typed steps:
 * the cluster runs in the simulator with no random faults; the script is the nemesis and the
 * workload. After every step the output also lists any invariant violations the step caused.
 */

/** Settings of a scenario run that the script does not hold. */
export interface ScenarioRunOptions {
  /** Planted bugs in the cluster (`sim/mutants/`), for stories of a checker catching one; test-only. */
  readonly mutants?: readonly MutantName[];
  /** Where the simulation's trace lines go (`--trace FILE`), as for a seed run. */
  readonly traceSink?: TraceSink;
  /** The simulation's event budget (test-only: a small one shows a script exhausting it). */
  readonly eventBudget?: number;
}

export interface ScenarioOutcome {
  readonly cases: number;
  /** Cases whose output differs from the expected output (empty after a rewrite). */
  readonly mismatches: readonly { readonly line: number; readonly command: string; readonly expected: string; readonly actual: string }[];
  readonly rewritten: boolean;
}

/**
 * refka or the simulator threw while a valid script ran (a failed assertion, a bug): not the
 * script's fault, so not a `DataDrivenError`. The CLI prints its one-line message (exit 4); the
 * original error, with its stack, is the `cause`.
 */
export class ScenarioCrash extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    command: string,
    cause: unknown,
  ) {
    super(`${file}:${line}: '${command}' crashed: ${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)}`, { cause });
    this.name = 'ScenarioCrash';
  }
}

const CLIENT_STEP_LIMIT_MS = 60_000;
const SETTLE_MS = 3_000;
/** The most records `consumed` keeps per consumer: a script produces a handful. */
const POLLED_RECORDS_MAX = 10_000;

type KafkaSimulation = Simulation<Message, SimulatedNode<Message>, KafkaClusterView>;

class ScenarioSession {
  private simulation: KafkaSimulation | undefined;
  private nextFaultId = 1;
  private readonly partitions: number[] = [];
  private readonly lags: { faultId: number; from: string; to: string }[] = [];
  private violationsShown = 0;
  /** By consumer: the records its polls returned, in order (`consumed`). */
  /** Per script consumer, what its polls returned, and where it moved back (KIP-320), in order. */
  private readonly polled = new Map<string, (PolledRecord | MoveBack)[]>();
  /** The step being run, for errors that arise in the middle of it. */
  private line = 0;

  constructor(
    private readonly script: ScenarioScript,
    private readonly options: ScenarioRunOptions = {},
  ) {}

  handle(step: ScenarioStep): string {
    this.line = step.line;
    if (step.command === 'cluster') return this.cluster();
    const simulation = this.simulation;
    assert(simulation !== undefined, 'the validator puts cluster first');
    const lines = this.step(simulation, step);
    return [...lines, ...this.newViolations(simulation)].join('\n');
  }

  private cluster(): string {
    const script = this.script;
    const system = kafkaSystem({
      // A script's cluster has `controllers` controllers, `controller-0` .., which its fault lines may name.
      controllers: script.controllers,
      brokers: script.brokers, partitions: 0, replicationFactor: 1, producers: 0, consumers: 0, stopAtMs: 0, config: { ...script.config }, variants: [...script.variants], scenario: true,
      scenarioGroupConsumers: script.consumers,
      ...(this.options.mutants === undefined ? {} : { mutants: this.options.mutants }),
    });
    this.simulation = new Simulation(
      {
        ...DEFAULT_SIMULATION_OPTIONS, seed: 1, durationMs: SCENARIO_LIMITS.horizonMs, faults: { type: 'none' }, repro: `npm run sim -- --scenario ${script.file}`,
        ...(this.options.traceSink === undefined ? {} : { traceSink: this.options.traceSink }),
        ...(this.options.eventBudget === undefined ? {} : { eventBudget: this.options.eventBudget }),
      },
      system as unknown as SystemDefinition<Message, SimulatedNode<Message>, KafkaClusterView>,
    );
    this.simulation.observeHistory((entry) => this.observePoll(entry.process, entry.type, entry.f, entry.value));
    this.simulation.beginScenario();
    this.settle(this.simulation, SETTLE_MS);
    const brokers = this.simulation.currentView().brokers.map((broker) => `broker ${broker.brokerId}: ${broker.lifecycle ?? 'down'}`);
    const mutants = this.options.mutants ?? [];
    const variants = script.variants;
    const controllers = script.controllers === 1 ? '1 controller' : `${script.controllers} controllers`;
    return [`cluster of ${script.brokers} brokers and ${controllers}${variants.length > 0 ? `, variants ${variants.join(', ')}` : ''}${mutants.length > 0 ? `, mutants ${mutants.join(', ')}` : ''}`, ...brokers].join('\n');
  }

  private step(simulation: KafkaSimulation, step: ScenarioStep): string[] {
    switch (step.command) {
      case 'cluster':
        return fail('cluster is handled first');
      case 'create-topic': {
        const { name, partitions } = step.args;
        return this.client(simulation, { type: 'create-topic', name, partitions, replicationFactor: step.args['replication-factor'], configs: step.configs });
      }
      case 'produce': {
        const settings = produceSettings(step, this.script.config);
        assert(typeof settings !== 'string', 'the validator checks acks and enable.idempotence');
        const { topic, partition, key, value } = step.args;
        return this.client(simulation, { type: 'produce', topic, partition, key: key ?? null, value, acks: settings.acks, idempotent: settings.idempotent });
      }
      case 'consume':
        return this.client(simulation, { type: 'consume', topic: step.args.topic, partition: step.args.partition, offset: step.args.offset });
      case 'describe':
        return describeTopics(simulation.currentView());
      case 'describe-quorum':
        return describeQuorum(simulation.currentView());
      case 'group-consumer': {
        const consumer = this.consumer(step.args.name);
        assert(!simulation.isRunning(consumer.name), `${consumer.name} started twice`);
        simulation.start(consumer.name);
        return [`started ${consumer.name}: group ${consumer.groupId}, topic ${consumer.topic}${consumer.fromBeginning ? ', from the beginning' : ''}`];
      }
      case 'consumed': {
        const consumer = this.consumer(step.args.name);
        const records = this.polled.get(consumer.name) ?? [];
        if (records.length === 0) return [`${consumer.name} has polled no records`];
        return records.map((record) => ('movedBackTo' in record
          ? `${record.topic}-${record.partition} moved back to offset ${record.movedBackTo}: the log it had read diverged there (KIP-320)`
          : `${record.topic}-${record.partition} offset ${record.offset}: ${record.key ?? 'null'}=${record.value}`));
      }
      case 'describe-groups': {
        const only = step.args.group !== undefined;
        const groupIds = step.args.group !== undefined ? [step.args.group] : [...new Set(this.script.consumers.map((consumer) => consumer.groupId))];
        const describe = step.args.members ? describeGroupMembers : describeGroups;
        const lines = describe(simulation.currentView(), groupIds, only).filter((line) => line !== '');
        return lines.length > 0 ? lines : ['no consumer groups'];
      }
      case 'crash':
      case 'restart': {
        const node = step.args.broker !== undefined ? `broker-${step.args.broker}` : step.args.controller !== undefined ? `controller-${step.args.controller}` : this.consumer(step.args.consumer ?? '').name;
        if (step.command === 'crash') {
          if (step.args.consumer !== undefined && !simulation.isRunning(node)) return [`${node} is not running`];
          simulation.crash(node);
        } else {
          if (simulation.isRunning(node)) return [`${node} is already running`];
          simulation.start(node);
        }
        this.settle(simulation, SETTLE_MS);
        return [`${step.command} ${node}`];
      }
      case 'power-loss':
      case 'disk-loss':
      case 'shutdown': {
        const node = serverNode(step.args);
        if (step.command === 'power-loss') simulation.powerLoss(node);
        if (step.command === 'disk-loss') {
          // The server stops and its disk is replaced with an empty one; `restart` brings it back.
          simulation.crash(node);
          simulation.replaceDisk(node);
        }
        if (step.command === 'shutdown') simulation.requestShutdown(node);
        this.settle(simulation, SETTLE_MS);
        return [`${step.command} ${node}`];
      }
      case 'partition': {
        const node = serverNode(step.args);
        const others = step.args.from !== undefined ? [step.args.from] : simulation.allNodeIds().filter((other) => other !== node);
        const faultId = this.nextFaultId++;
        simulation.addPartition(faultId, 'script', others.flatMap((other) => [[node, other] as const, [other, node] as const]));
        this.partitions.push(faultId);
        return [`isolated ${node} from ${others.join(', ')}`];
      }
      case 'lag': {
        const faultId = this.nextFaultId++;
        const { from, to, ms } = step.args;
        simulation.addLinkLag(faultId, from, to, ms, false);
        this.lags.push({ faultId, from, to });
        return [`${from} -> ${to} lags ${ms} ms`];
      }
      case 'heal': {
        // `heal` repairs the whole network; `heal partitions` or `heal lags` only that kind.
        const all = !step.args.partitions && !step.args.lags;
        if (all || step.args.partitions) for (const faultId of this.partitions.splice(0)) simulation.removePartition(faultId);
        if (all || step.args.lags) for (const lag of this.lags.splice(0)) simulation.removeLinkLag(lag.faultId, lag.from, lag.to);
        return [all ? 'healed the network' : `healed the ${[step.args.partitions ? 'partitions' : '', step.args.lags ? 'lags' : ''].filter((kind) => kind !== '').join(' and ')}`];
      }
      case 'wait':
        this.settle(simulation, step.args.ms);
        return [`waited ${step.args.ms} ms`];
      default:
        return assertNever(step, 'scenario step');
    }
  }

  private client(simulation: KafkaSimulation, command: ScenarioCommand): string[] {
    const client = simulation.nodeOf('script') as KafkaNode | undefined;
    // No command stops the script client: a partition cuts it off at most.
    assert(client instanceof ScenarioClient, 'the scenario client is not running');
    this.checkHorizon(simulation, CLIENT_STEP_LIMIT_MS);
    client.submit(command);
    simulation.poke('script', 'run');
    const deadline = simulation.nowMs() + CLIENT_STEP_LIMIT_MS;
    while (client.busy && simulation.nowMs() < deadline) simulation.advanceTo(simulation.nowMs() + 10);
    // Still retrying at the limit: the command ends here, so the next one finds the client free.
    client.abandon([`no answer within ${CLIENT_STEP_LIMIT_MS} ms`]);
    assert(client.output !== undefined, 'a finished or abandoned command has its output');
    return client.output;
  }

  private settle(simulation: KafkaSimulation, ms: number): void {
    this.checkHorizon(simulation, ms);
    simulation.advanceTo(simulation.nowMs() + ms);
  }

  /** A step may not take the simulation past its horizon, where the simulator would heal the network. */
  private checkHorizon(simulation: KafkaSimulation, ms: number): void {
    if (simulation.nowMs() + ms < SCENARIO_LIMITS.horizonMs) return;
    throw new DataDrivenError(this.script.file, this.line, `the script runs past a scenario's ${SCENARIO_LIMITS.horizonMs / 3_600_000} hours of simulated time (now ${simulation.nowMs()} ms)`);
  }

  private newViolations(simulation: KafkaSimulation): string[] {
    const all = simulation.violationsSoFar;
    const fresh = all.slice(this.violationsShown);
    this.violationsShown = all.length;
    return fresh.map((violation) => `violation ${violation.invariant}${violation.applies ? '' : ' (does not apply to this configuration)'}: ${violation.message}`);
  }

  /** The script's consumer of that name (the validator checked it exists). */
  private consumer(name: string): ScenarioGroupConsumer {
    const consumer = this.script.consumers.find((candidate) => candidate.name === name);
    assert(consumer !== undefined, `${name} is not a consumer of the script`);
    return consumer;
  }

  /**
   * Keeps what a script consumer's polls returned (the history's `ok` poll entries), and the
   * seeks its truncation detection made (`ok` seeks marked `truncated`).
   */
  private observePoll(process: string, type: string, f: string, value: unknown): void {
    if (type !== 'ok' || (f !== 'poll' && f !== 'seek') || !this.script.consumers.some((consumer) => consumer.name === process)) return;
    const kept = this.polled.get(process) ?? [];
    if (f === 'seek') {
      const seek = value as { readonly topic: string; readonly partition: number; readonly offset: number; readonly truncated?: true };
      if (seek.truncated === true) {
        assert(kept.length < POLLED_RECORDS_MAX, `${process} polled more than ${POLLED_RECORDS_MAX} records`);
        kept.push({ topic: seek.topic, partition: seek.partition, movedBackTo: seek.offset });
      }
      this.polled.set(process, kept);
      return;
    }
    const records = (value as { readonly records: readonly PolledRecord[] }).records;
    assert(kept.length + records.length <= POLLED_RECORDS_MAX, `${process} polled more than ${POLLED_RECORDS_MAX} records`);
    kept.push(...records);
    this.polled.set(process, kept);
  }
}

/** A consumer's move back to where its partition's log diverged (KIP-320's truncation detection). */
interface MoveBack {
  readonly topic: string;
  readonly partition: number;
  readonly movedBackTo: number;
}

/** The broker or controller a server fault names (the validator checks that exactly one is given). */
function serverNode(args: { readonly broker: number | undefined; readonly controller: number | undefined }): string {
  return args.broker !== undefined ? `broker-${args.broker}` : `controller-${args.controller ?? 0}`;
}

/** Reads and validates a scenario file (`DataDrivenError` for any problem of the script). */
export function loadScenarioFile(path: string): ScenarioScript {
  return validateScenario(path, readFileSync(path, 'utf8'));
}

/** Runs a scenario file; see {@link runScenario}. */
export function runScenarioFile(path: string, rewrite: boolean, options: ScenarioRunOptions = {}): ScenarioOutcome {
  return runScenario(loadScenarioFile(path), rewrite, options);
}

/**
 * Runs a validated script; with `rewrite`, writes the actual outputs back as the expected ones.
 * A step's problem is a `DataDrivenError` (the script's, exit 2) or a `ScenarioCrash` (refka's).
 */
export function runScenario(script: ScenarioScript, rewrite: boolean, options: ScenarioRunOptions = {}): ScenarioOutcome {
  const { file: path, text, cases } = script;
  const session = new ScenarioSession(script, options);
  const mismatches: { line: number; command: string; expected: string; actual: string }[] = [];
  const outputs: string[] = [];
  for (const [index, testCase] of cases.entries()) {
    const seedRun = script.seedRuns[index];
    const actual = (seedRun === undefined ? runStep(session, script.steps[index] as ScenarioStep, path) : runSeedRun(seedRun, options, path, testCase.line)).replace(/\n+$/, '');
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

/** Runs one `seed-run` step: the seed's run with the step's faults, its verdict and violations. */
function runSeedRun(step: SeedRunStep, options: ScenarioRunOptions, file: string, line: number): string {
  try {
    const run = seedRunOf(step.command, step.command.seeds[0] as number, step.entries);
    return seedRunOutput(runSeed({ ...run, ...(options.mutants === undefined ? {} : { mutants: options.mutants }), ...(options.traceSink === undefined ? {} : { traceSink: options.traceSink }) })).join('\n');
  } catch (error) {
    throw new ScenarioCrash(file, line, 'seed-run', error);
  }
}

/** Runs one step; whatever it throws becomes one line naming the file and the step's line. */
function runStep(session: ScenarioSession, step: ScenarioStep, file: string): string {
  try {
    return session.handle(step);
  } catch (error) {
    if (error instanceof DataDrivenError) throw error;
    if (error instanceof EventBudgetExceeded) {
      throw new DataDrivenError(file, step.line, `'${step.command}' took the simulation past its budget of ${error.budget} events at ${error.atMs} ms: the script asks for more simulated time than a scenario holds, or the cluster ran away`);
    }
    throw new ScenarioCrash(file, step.line, step.command, error);
  }
}
