/**
 * The contract between node logic (brokers, controllers, clients) and the world around it.
 *
 * Node code is deterministic: it sees time, randomness and disk only through the
 * {@link NodeEnvironment} it is constructed with, and it talks to the network and to timers only
 * by returning {@link NodeEffect}s from {@link SimulatedNode.handle}. This is the shape of etcd
 * raft's `Step`/`Ready` and Kafka's `ControllerResult`: inputs in, state change plus effects out.
 * The simulator (`sim/`) implements the environment and carries out the effects; a future real
 * runtime could do the same with sockets and files.
 *
 * The disk is the one synchronous service: a write lands in the (simulated) OS page cache at once,
 * exactly as `FileChannel.write` does for Kafka, and is durable only after {@link NodeDisk.fsync}.
 */

/** A node's name in the cluster, e.g. `broker-1`, `controller-0`, `producer-0`. */
export type NodeId = string;

/** Virtual time, in integer milliseconds since the start of the run. */
export interface Clock {
  nowMs(): number;
}

/**
 * A seeded pseudo-random stream. Every node and every simulator concern (network, faults,
 * workload, each disk) has its own stream, so that drawing more numbers in one place never changes
 * the numbers drawn in another.
 */
export interface RandomStream {
  readonly name: string;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [minInclusive, maxInclusive]. */
  int(minInclusive: number, maxInclusive: number): number;
  /** True with probability `probability`. */
  chance(probability: number): boolean;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** An exponentially distributed float with the given mean. */
  exponential(mean: number): number;
}

/** Why a disk operation failed; these mirror the errno values Kafka sees as `IOException`s. */
export type DiskErrorCode = 'ENOSPC' | 'ENOENT' | 'EIO';

/**
 * Thrown by {@link NodeDisk} operations. Node code is expected to catch it where Kafka catches
 * `IOException` (Kafka marks the log directory offline and the broker halts); an uncaught one
 * crashes the run like any other exception in node code.
 */
export class DiskError extends Error {
  override readonly name = 'DiskError';
  constructor(
    readonly code: DiskErrorCode,
    readonly path: string,
    message: string,
  ) {
    super(`${code}: ${path}: ${message}`);
  }
}

/**
 * One node's disk, with page-cache semantics (see `sim/disk/sim-disk.ts` for the fault model).
 * Paths are flat strings such as `t-0/00000000000000000000.log`; `list` returns them sorted.
 */
export interface NodeDisk {
  exists(path: string): boolean;
  /** Every path starting with `prefix`, in sorted order. */
  list(prefix?: string): string[];
  /** The file's current size as the page cache sees it. */
  size(path: string): number;
  /**
   * Reads up to `length` bytes at `position`; fewer when the file ends first. With `into` (at
   * least `length` bytes) the bytes go there, as `pread` fills a caller's buffer, and the result is
   * its prefix: a hot loop then allocates nothing per read.
   */
  read(path: string, position: number, length: number, into?: Uint8Array): Uint8Array;
  /** Writes at `position`, creating the file when it does not exist; zero-fills any hole. */
  write(path: string, position: number, data: Uint8Array): void;
  /** Appends at the end of the file, creating it when it does not exist. */
  append(path: string, data: Uint8Array): void;
  truncate(path: string, size: number): void;
  /** Makes every byte written to `path` so far durable against power loss. */
  fsync(path: string): void;
  delete(path: string): void;
  /** Atomically replaces `to` with `from` (the checkpoint-file pattern). */
  rename(from: string, to: string): void;
}

export interface NodeEnvironment {
  readonly nodeId: NodeId;
  readonly clock: Clock;
  readonly random: RandomStream;
  readonly disk: NodeDisk;
}

/** Every message a node sends names its kind; the trace and the digest record it. */
export interface Message {
  readonly type: string;
}

/** What the simulator hands a node. */
export type NodeInput<M extends Message> =
  /** The process has just been constructed (from its disk) and may begin work. */
  | { readonly type: 'start' }
  | { readonly type: 'receive'; readonly from: NodeId; readonly message: M }
  | { readonly type: 'timer'; readonly name: string }
  /**
   * The connection to `peer` broke: everything in flight on it, in both directions, is lost.
   * Kafka's `NetworkClient` sees this as a disconnect and fails the in-flight requests. A silent
   * failure is told `silentFailureDetectMs` after `brokenAtMs`, and if the peer's new process
   * connected meanwhile, what the two exchanged after `brokenAtMs` went over the new connection
   * and is not lost.
   */
  | { readonly type: 'disconnected'; readonly peer: NodeId; readonly brokenAtMs: number }
  /** SIGTERM from the operator (the nemesis): shut down cleanly, then `halt`. */
  | { readonly type: 'signal'; readonly signal: 'SIGTERM' }
  /**
   * The node's application code (the workload loop a client runs, e.g. a consumer's poll loop) is
   * stuck for `durationMs`: a slow record handler, a blocking call. The client library's own
   * background work (Kafka's heartbeat thread) keeps running. A node without such an application
   * ignores it. The `client-stall` fault sends it.
   */
  | { readonly type: 'application-stall'; readonly durationMs: number };

/** A lifecycle event for the conformance monitor; `type` is the model machine's event name. */
export interface LifecycleEvent {
  readonly type: string;
}

/** A Jepsen-style client operation record (see `sim/run/history.ts`). */
export interface HistoryRecord {
  /** `invoke` opens an operation; `ok`, `fail` or `info` (outcome unknown) completes it. */
  readonly type: 'invoke' | 'ok' | 'fail' | 'info';
  /** The logical client process, e.g. `producer-0`. */
  readonly process: string;
  /** The operation, e.g. `send` or `poll`. */
  readonly f: string;
  /** The operation's value: what was sent, or what was read. Must be JSON-serialisable. */
  readonly value: unknown;
}

/** What a node asks the world to do. The simulator carries effects out in order. */
export type NodeEffect<M extends Message> =
  | { readonly type: 'send'; readonly to: NodeId; readonly message: M }
  /** Arms (or re-arms, replacing the earlier deadline) the timer called `name`. */
  | { readonly type: 'set-timer'; readonly name: string; readonly delayMs: number }
  | { readonly type: 'cancel-timer'; readonly name: string }
  /**
   * The node moved along one of its lifecycles. `machine` names a machine in `model/`,
   * `instance` the thing that moved (e.g. `broker-1` or `broker-1/t-0`), `event` is fed to the
   * machine, and `to` is the state the implementation believes it is now in.
   */
  | {
      readonly type: 'transition';
      readonly machine: string;
      readonly instance: string;
      readonly event: LifecycleEvent;
      readonly to: string;
    }
  /**
   * The node closes (or refuses) its connection with `peer`: what was in flight between them is
   * lost, and both ends see the disconnect at once, as after a TCP RST. A Kafka broker refuses
   * clients so until its listeners are enabled (`BrokerServer.startup`: once it is first unfenced).
   */
  | { readonly type: 'close-connection'; readonly peer: NodeId }
  /** A coverage mark: evidence for a `sometimes` invariant of the same name. */
  | { readonly type: 'mark'; readonly name: string }
  | { readonly type: 'history'; readonly record: HistoryRecord }
  /**
   * The process stops itself: `failed` after a fatal error, as Kafka's `Exit.halt(1)` after a
   * log-directory failure, or not after a shutdown it was asked for. It is not a bug. A failed
   * server is started again by its process supervisor (systemd's `Restart=on-failure`); one that
   * shut down as asked stays down until the fault scheduler or the heal restarts it.
   */
  | { readonly type: 'halt'; readonly reason: string; readonly failed: boolean };

/**
 * A node's logic. A crash discards the object; a restart constructs a new one from the same
 * disk, which is how refka checks that everything a node must remember is on its disk.
 */
export interface SimulatedNode<M extends Message> {
  handle(input: NodeInput<M>): readonly NodeEffect<M>[];
}
