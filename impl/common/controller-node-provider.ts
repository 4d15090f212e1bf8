import { assert } from './assert.ts';

/**
 * Which controller to send controller requests to (Kafka's `RaftControllerNodeProvider`, behind
 * `NodeToControllerChannelManager`). Kafka's brokers read the active controller from their own Raft
 * client; refka's brokers and admin clients learn it from what controllers answer: the leader a
 * metadata fetch names, or a NOT_CONTROLLER answer that says "not me". While no active controller
 * is known, requests go to the voters in turn, so that one dead or isolated controller never
 * holds a caller back for good.
 */
export class ControllerNodeProvider {
  private known: { readonly id: number; readonly epoch: number } | undefined;
  /** The voter tried next while no active controller is known. */
  private cursor = 0;
  /** The highest controller epoch heard of: an older leader's hint never replaces a newer one. */
  private epoch = -1;

  constructor(private readonly voters: readonly number[]) {
    assert(voters.length > 0, 'a controller quorum has voters');
  }

  /** The controller to ask now. */
  get target(): number {
    return this.known?.id ?? (this.voters[this.cursor % this.voters.length] as number);
  }

  /** The active controller as last learned, if any. */
  get active(): number | undefined {
    return this.known?.id;
  }

  /** A controller named `id` the active one in `epoch` (a metadata fetch's answer). */
  learned(id: number, epoch: number): void {
    if (epoch < this.epoch || id < 0 || !this.voters.includes(id)) return;
    this.epoch = epoch;
    this.known = { id, epoch };
  }

  /**
   * `id` is not (or may no longer be) the active controller: it answered NOT_CONTROLLER, went
   * away, or left a request unanswered. The next request goes to the voter after it.
   */
  failed(id: number): void {
    if (this.known !== undefined && this.known.id !== id) return;
    this.known = undefined;
    const index = this.voters.indexOf(id);
    this.cursor = index < 0 ? this.cursor + 1 : index + 1;
  }
}
