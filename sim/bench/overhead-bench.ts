import { EventQueue } from '../core/event-queue.ts';
import { AleaRandomStream } from '../random/random-stream.ts';
import { Simulation } from '../run/simulation.ts';
import { DEFAULT_SIMULATION_OPTIONS } from '../run/simulation-options.ts';
import { ratioFigure, round, roundSummary, type BenchFigure } from './bench-figure.ts';
import { interleave, median, pairedRatios } from './pairs.ts';
import { pingSystem } from './ping-system.ts';
import { wallClockMs } from './wall-clock.ts';

/**
 * The simulator's own cost per event, against a bare event loop over the same queue. Each round
 * times the idle ping simulation, the tick-only simulation and the bare loop back to back, and
 * the overhead figure is the median over rounds of (simulation ns per event / bare ns per event).
 */

const NODES = 5;
/**
 * The bare loop runs this many times as many events as the idle simulation: at its speed (50 to
 * 200 ns an event here) the idle run's 200,000 events take 10 to 40 ms, too short to time on a
 * shared machine, where one descheduling then moves the ratio by half. Its figure is per event.
 */
const BARE_EVENTS_FACTOR = 10;

interface Timed {
  readonly wallMs: number;
  readonly events: number;
}

/** The idle ping system without faults: queue, network, timers, host and trace digest. */
function idleSimulation(send: boolean, durationMs: number): Timed {
  const start = wallClockMs();
  const simulation = new Simulation(
    { ...DEFAULT_SIMULATION_OPTIONS, seed: 1, durationMs, faults: { type: 'none' }, repro: 'bench idle' },
    pingSystem(NODES, send),
  );
  const result = simulation.run();
  if (result.verdict !== 'pass') throw new Error(`bench: idle simulation ended ${result.verdict}`);
  return { wallMs: wallClockMs() - start, events: result.events };
}

/** A queued event of the bare loop: like the simulator's, an object, but made once up front. */
interface BareEvent {
  readonly node: number;
  fired: number;
}

/**
 * The physical bar: an empty event loop over the same `EventQueue`, holding as many pending
 * events as the idle simulation does (a timer and a message in flight per node), each pop
 * putting the same event object back at a pseudo-random near-future time. The events and the
 * delays are allocated before the clock starts, so the loop itself allocates nothing; what
 * `EventQueue.pop` allocates for its answer the simulation pays too.
 */
function bareQueue(events: number, pending: number): Timed {
  const random = new AleaRandomStream(0, 'bench/bare-queue');
  const delays = new Int32Array(1024);
  for (let index = 0; index < delays.length; index++) delays[index] = random.int(0, 3);
  const pool: BareEvent[] = Array.from({ length: pending }, (_, node) => ({ node, fired: 0 }));
  const queue = new EventQueue<BareEvent>();
  for (const [index, event] of pool.entries()) queue.push(index % 2, event);
  const start = wallClockMs();
  for (let index = 0; index < events; index++) {
    const { timeMs, event } = queue.pop();
    event.fired++;
    queue.push(timeMs + (delays[index & 1023] as number), event);
  }
  const wallMs = wallClockMs() - start;
  let fired = 0;
  for (const event of pool) fired += event.fired;
  if (fired !== events) throw new Error(`bench: the bare loop fired ${fired} of ${events} events`);
  return { wallMs, events };
}

function nsPerEvent(run: Timed): number {
  return (run.wallMs * 1e6) / run.events;
}

export function runOverheadBench(rounds: number, durationMs: number): { figures: BenchFigure[]; details: Record<string, unknown> } {
  // One untimed run first: it warms the JIT for all three and tells the bare loop its size.
  const warm = idleSimulation(true, durationMs);
  const pending = NODES * 2;
  const runs = interleave(rounds, {
    idle: () => idleSimulation(true, durationMs),
    ticks: () => idleSimulation(false, durationMs),
    bare: () => bareQueue(warm.events * BARE_EVENTS_FACTOR, pending),
  });
  const idleNs = runs.idle.map(nsPerEvent);
  const ticksNs = runs.ticks.map(nsPerEvent);
  const bareNs = runs.bare.map(nsPerEvent);
  const overhead = pairedRatios(idleNs, bareNs);
  const ticksOverhead = pairedRatios(ticksNs, bareNs);
  const figures: BenchFigure[] = [
    { name: 'idle.nsPerEvent', value: round(median(idleNs), 1), unit: 'ns', note: `ping system, ${NODES} nodes, no faults, no invariants: the simulator alone (median of ${rounds})` },
    { name: 'ticks.nsPerEvent', value: round(median(ticksNs), 1), unit: 'ns', note: 'the same nodes with timers only, no network: loop, host, timers, trace digest' },
    { name: 'bare.nsPerEvent', value: round(median(bareNs), 1), unit: 'ns', note: `EventQueue pop + push of preallocated events, as many pending events as idle, ${BARE_EVENTS_FACTOR}x its events` },
    ratioFigure('overheadRatio', overhead, 'idle simulation ns/event over the bare loop\'s, per round; the bar is 3x'),
    ratioFigure('ticks.overheadRatio', ticksOverhead, 'tick-only simulation ns/event over the bare loop\'s, per round'),
  ];
  const details = {
    durationMs,
    nodes: NODES,
    events: { idle: warm.events, ticks: runs.ticks[0]?.events ?? 0, bare: warm.events * BARE_EVENTS_FACTOR, barePending: pending },
    wallMs: { idle: runs.idle.map((run) => round(run.wallMs, 1)), ticks: runs.ticks.map((run) => round(run.wallMs, 1)), bare: runs.bare.map((run) => round(run.wallMs, 1)) },
    overheadRatio: roundSummary(overhead),
    ticksOverheadRatio: roundSummary(ticksOverhead),
  };
  return { figures, details };
}
