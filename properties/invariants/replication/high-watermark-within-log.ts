import type { InvariantDefinition } from '../../../sim/invariants/invariant.ts';
import type { KafkaClusterView } from '../../../sim/kafka/kafka-view.ts';

/**
 * `HighWatermarkWithinLog`: on every replica, log start ≤ high watermark ≤ log end. Kafka keeps
 * this in one place, `UnifiedLog.updateHighWatermark`, which bounds whatever it is given (a leader's
 * computation, the high watermark a fetch response carries to a follower, the value read back
 * from `replication-offset-checkpoint` at startup) by the log's own start and end. A high
 * watermark past the log end claims records committed that the replica does not hold: served to
 * consumers as readable, or handed on as a leader's.
 */
export function highWatermarkWithinLog(): InvariantDefinition<KafkaClusterView> {
  return {
    name: 'HighWatermarkWithinLog',
    kind: 'always',
    source: 'UnifiedLog.updateHighWatermark (bounded by logStartOffset and logEndOffset)',
    statement: 'On every running replica, the log start offset ≤ the high watermark ≤ the log end offset.',
    checker: {
      type: 'state',
      check(view) {
        for (const broker of view.brokers) {
          if (broker.status !== 'running') continue;
          for (const replica of broker.replicas) {
            if (replica.highWatermark > replica.logEndOffset || replica.highWatermark < replica.logStartOffset) {
              const message = `${replica.name} on broker ${broker.brokerId} (${replica.role}, epoch ${replica.leaderEpoch}): high watermark ${replica.highWatermark} outside its log ${replica.logStartOffset}..${replica.logEndOffset}`;
              return { message, subject: { partition: replica.name, offset: replica.highWatermark, nodes: [`broker-${broker.brokerId}`] } };
            }
          }
        }
        return undefined;
      },
    },
  };
}
