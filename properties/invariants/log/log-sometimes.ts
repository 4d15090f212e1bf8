import { markInvariant } from '../../../sim/invariants/invariant.ts';

/**
 * Behaviours of the partition log (`impl/log/`) a sweep of seeds must reach at least once, or the
 * faults and workload are not exercising the log's machinery. Nodes that keep a `UnifiedLog`
 * report them as marks when the log's events say they happened. They are generic over the view:
 * any system with a log can register them.
 */
export const segmentRolled = markInvariant<unknown>(
  'segment-rolled',
  'Kafka UnifiedLog.maybeRoll (segment.bytes, segment.ms, full index)',
  'A log rolled its active segment and started a new one.',
);

export const retentionDeletedSegment = markInvariant<unknown>(
  'retention-deleted-segment',
  'Kafka UnifiedLog.deleteOldSegments (retention.ms, retention.bytes)',
  'Retention deleted a whole segment and advanced the log start offset.',
);

export const recoveryTruncatedTornTail = markInvariant<unknown>(
  'recovery-truncated-torn-tail',
  'Kafka LogSegment.recover: truncate at the first invalid batch',
  'A log recovering at startup found a torn or corrupt batch and truncated the log there.',
);

export const compactionRemovedRecord = markInvariant<unknown>(
  'compaction-removed-record',
  'Kafka LogCleaner (cleanup.policy=compact)',
  'Compaction removed a record superseded by a later record with the same key.',
);

export const corruptBatchDetected = markInvariant<unknown>(
  'corrupt-batch-detected',
  'Kafka CorruptRecordException: CRC-32C checked on read',
  'A read met a batch that failed its CRC check and reported it instead of serving it.',
);

export const LOG_SOMETIMES_INVARIANTS = [segmentRolled, retentionDeletedSegment, recoveryTruncatedTornTail, compactionRemovedRecord, corruptBatchDetected];
