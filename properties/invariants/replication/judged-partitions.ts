import type { KafkaClusterView } from '../../../sim/kafka/kafka-view.ts';

/**
 * What one claim judged to hold, per partition, so that its next check skips the partitions that
 * have not changed since (issue 12: a check costs the partitions touched, not all of them). A
 * partition is skipped only while its version and the cluster version (`ViewVersions`) are those
 * it was judged at, and only if the whole check that judged it held: a check that found something
 * remembers nothing, so the next one judges everything again, as a full check would.
 *
 * A claim uses it so: `begin(view)`; per partition, `if (judged.unchanged(view, name)) continue;`
 * then judge it and `judged.judging(name)`; `held(view)` just before returning that all holds. A
 * partition whose verdict waits on time alone (a bound in ms) is not passed to `judging`.
 */
export class JudgedPartitions {
  private readonly judged = new Map<string, number>();
  private clusterVersion: number | undefined;
  private readonly judgingNow: string[] = [];

  /** Starts a check: forgets everything when anything outside single partitions changed. */
  begin(view: KafkaClusterView): void {
    this.judgingNow.length = 0;
    if (view.clusterVersion === undefined || view.clusterVersion !== this.clusterVersion) {
      this.judged.clear();
      this.clusterVersion = view.clusterVersion;
    }
  }

  /** Whether `name` is as it was when this claim last judged it to hold. */
  unchanged(view: KafkaClusterView, name: string): boolean {
    const version = view.partitionVersions?.get(name);
    return version !== undefined && this.judged.get(name) === version;
  }

  /** `name` is judged by this check (repeats are harmless). */
  judging(name: string): void {
    this.judgingNow.push(name);
  }

  /** The check held: every partition it judged holds at its current version. */
  held(view: KafkaClusterView): void {
    for (const name of this.judgingNow) {
      const version = view.partitionVersions?.get(name);
      if (version !== undefined) this.judged.set(name, version);
    }
    this.judgingNow.length = 0;
  }
}
