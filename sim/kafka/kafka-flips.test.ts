import { describe, expect, it } from 'vitest';
import { buildRecordBatch, DEFAULT_BATCH_SPEC } from '../../impl/log/record-batch.ts';
import { kafkaFlipEscapesChecksums } from './kafka-system.ts';

// Which bit flips on a broker's disk count as undetectable corruption (see spec/simulator.md):
// those in a batch's base offset or leader epoch, and any in a checkpoint file.

describe('kafkaFlipEscapesChecksums', () => {
  const batch = buildRecordBatch({ ...DEFAULT_BATCH_SPEC, partitionLeaderEpoch: 2 }, [{ timestamp: 1, key: null, value: new TextEncoder().encode('v'), headers: [] }]);

  it('judges segment files by the batch layout', () => {
    expect(kafkaFlipEscapesChecksums('kafka-logs/t-0/00000000000000000000.log', batch, 13)).toBe(true);
    expect(kafkaFlipEscapesChecksums('kafka-logs/t-0/00000000000000000000.log', batch, batch.length - 1)).toBe(false);
  });

  it('trusts index files to be checked against the log, and no checkpoint file', () => {
    expect(kafkaFlipEscapesChecksums('kafka-logs/t-0/00000000000000000000.index', new Uint8Array(8), 3)).toBe(false);
    expect(kafkaFlipEscapesChecksums('kafka-logs/t-0/00000000000000000000.timeindex', new Uint8Array(12), 3)).toBe(false);
    expect(kafkaFlipEscapesChecksums('kafka-logs/t-0/leader-epoch-checkpoint', new TextEncoder().encode('0\n1\n0 0\n'), 4)).toBe(true);
    expect(kafkaFlipEscapesChecksums('kafka-logs/replication-offset-checkpoint', new TextEncoder().encode('0\n0\n'), 0)).toBe(true);
  });

  it('counts an index flip as escaping in a compacted topic, whose reads do not check that the batch found holds the offset', () => {
    expect(kafkaFlipEscapesChecksums('kafka-logs/t-0/00000000000000000000.index', new Uint8Array(8), 3, true)).toBe(true);
  });
});
