import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventQueue } from '../core/event-queue.ts';
import { AleaRandomStream } from '../random/random-stream.ts';
import { runSeed } from '../run/run-seed.ts';
import { DEFAULT_SIMULATION_OPTIONS, Simulation } from '../run/simulation.ts';
import { pingSystem } from './ping-system.ts';
import { wallClockMs } from './wall-clock.ts';
import { runLogBench } from './log-bench.ts';
import { runClusterBench } from './cluster-bench.ts';

/**
 * `npm run bench`: throughput of the simulator, printed and written to `reports/bench.json`.
 * Wall-clock figures vary with the machine and its load; they are measured here and never asserted
 * in tests. Each figure is the best of a few repetitions, which filters out the noise of a shared
 * machine better than a mean does.
 */

const REPETITIONS = 3;

interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly note: string;
}

function best<T extends { wallMs: number }>(runs: readonly T[]): T {
  let winner = runs[0];
  for (const run of runs) if (winner === undefined || run.wallMs < winner.wallMs) winner = run;
  if (winner === undefined) throw new Error('no repetitions');
  return winner;
}

function repeat<T extends { wallMs: number }>(body: () => T): T {
  return best(Array.from({ length: REPETITIONS }, body));
}

/** The fixed scenario: the default system, seeds 1..5, 60 simulated seconds each, swarm faults. */
function defaultScenario(): { wallMs: number; events: number; simulatedMs: number } {
  const start = wallClockMs();
  let events = 0;
  let simulatedMs = 0;
  for (let seed = 1; seed <= 5; seed++) {
    const result = runSeed({
      seed,
      durationMs: 60_000,
      brokers: 3,
      faults: { type: 'swarm' },
      config: {},
      variants: [],
      repro: `bench seed ${seed}`,
    });
    if (result.verdict !== 'pass') throw new Error(`bench: seed ${seed} did not pass (${result.verdict}); run it with npm run sim -- --seed ${seed}`);
    events += result.events;
    simulatedMs += result.simulatedMs;
  }
  return { wallMs: wallClockMs() - start, events, simulatedMs };
}

/** The idle ping system without faults: the simulator's own cost per event. */
function idleSimulation(send: boolean): { wallMs: number; events: number; pending: number } {
  const start = wallClockMs();
  const simulation = new Simulation(
    { ...DEFAULT_SIMULATION_OPTIONS, seed: 1, durationMs: 20_000, faults: { type: 'none' }, repro: 'bench idle' },
    pingSystem(5, send),
  );
  const result = simulation.run();
  if (result.verdict !== 'pass') throw new Error(`bench: idle simulation ended ${result.verdict}`);
  return { wallMs: wallClockMs() - start, events: result.events, pending: 5 * 2 };
}

/**
 * The physical bar: an empty event loop over the same queue, holding as many pending events as
 * the idle simulation does, each pop scheduling one event at a pseudo-random near-future time.
 */
function bareQueue(events: number, pending: number): { wallMs: number; events: number } {
  const random = new AleaRandomStream(0, 'bench/bare-queue');
  const delays = Array.from({ length: 1024 }, () => random.int(0, 3));
  const queue = new EventQueue<number>();
  for (let index = 0; index < pending; index++) queue.push(index % 2, index);
  const start = wallClockMs();
  let checksum = 0;
  for (let index = 0; index < events; index++) {
    const { timeMs, event } = queue.pop();
    checksum += event;
    queue.push(timeMs + (delays[index & 1023] as number), index);
  }
  const wallMs = wallClockMs() - start;
  if (checksum < 0) throw new Error('unreachable: keeps the loop from being optimised away');
  return { wallMs, events };
}

function main(): void {
  const scenario = repeat(defaultScenario);
  const idle = repeat(() => idleSimulation(true));
  const ticks = repeat(() => idleSimulation(false));
  const bare = repeat(() => bareQueue(idle.events, idle.pending));
  const idleNsPerEvent = (idle.wallMs * 1e6) / idle.events;
  const ticksNsPerEvent = (ticks.wallMs * 1e6) / ticks.events;
  const bareNsPerEvent = (bare.wallMs * 1e6) / bare.events;
  const figures: Figure[] = [
    {
      name: 'scenario.eventsPerWallSecond',
      value: Math.round(scenario.events / (scenario.wallMs / 1000)),
      unit: 'events/s',
      note: 'default system (the Kafka cluster), seeds 1..5, 60 s simulated each, swarm faults',
    },
    {
      name: 'scenario.simulatedToWallRatio',
      value: round(scenario.simulatedMs / scenario.wallMs, 1),
      unit: 'x',
      note: 'simulated milliseconds per wall millisecond in the same scenario',
    },
    { name: 'idle.nsPerEvent', value: round(idleNsPerEvent, 1), unit: 'ns', note: 'ping system, 5 nodes, no faults, no invariants: the simulator alone' },
    { name: 'ticks.nsPerEvent', value: round(ticksNsPerEvent, 1), unit: 'ns', note: 'the same nodes with timers only, no network: loop, host, timers, trace digest' },
    { name: 'bare.nsPerEvent', value: round(bareNsPerEvent, 1), unit: 'ns', note: 'empty loop of EventQueue pop + push, same number of events and pending events' },
    {
      name: 'overheadRatio',
      value: round(idleNsPerEvent / bareNsPerEvent, 2),
      unit: 'x',
      note: 'idle simulation cost per event over the bare loop; the bar is 3x',
    },
  ];
  const log = runLogBench(REPETITIONS);
  figures.push(...log.figures);
  const cluster = runClusterBench();
  figures.push(...cluster.figures);
  const report = {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    repetitions: REPETITIONS,
    scenario: { events: scenario.events, simulatedMs: scenario.simulatedMs, wallMs: round(scenario.wallMs, 1) },
    idle: { events: idle.events, wallMs: round(idle.wallMs, 1) },
    ticks: { events: ticks.events, wallMs: round(ticks.wallMs, 1) },
    bare: { events: bare.events, wallMs: round(bare.wallMs, 1) },
    log: log.details,
    cluster: cluster.details,
    figures,
  };
  for (const figure of figures) {
    process.stdout.write(`${figure.name.padEnd(32)} ${String(figure.value).padStart(12)} ${figure.unit.padEnd(9)} ${figure.note}\n`);
  }
  const ratio = figures.find((figure) => figure.name === 'overheadRatio')?.value ?? Number.NaN;
  process.stdout.write(ratio <= 3 ? 'simulator overhead is within the 3x bar\n' : `simulator overhead is ABOVE the 3x bar (${ratio}x)\n`);
  const dir = join(import.meta.dirname, '..', '..', 'reports');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'bench.json'), `${JSON.stringify(report, null, 2)}\n`, 'utf8');
  process.stdout.write('written to reports/bench.json\n');
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

main();
