import { describe, expect, it } from 'vitest';
import { buildRecordBatch, DEFAULT_BATCH_SPEC } from '../log/record-batch.ts';
import type { FetchResponse } from '../protocol/messages.ts';
import { Fetcher, unknownPosition } from './fetcher.ts';

const UTF8 = new TextEncoder();

function response(partitions: readonly number[], baseOffset: number): FetchResponse {
  const records = [buildRecordBatch({ ...DEFAULT_BATCH_SPEC, baseOffset }, [{ timestamp: 0, key: null, value: UTF8.encode(`v${baseOffset}`), headers: [] }])];
  return { type: 'FetchResponse', correlationId: 1, error: 'NONE', partitions: partitions.map((partition) => ({ topic: 't', partition, error: 'NONE', highWatermark: baseOffset + 1, logStartOffset: 0, records })) };
}

describe('Fetcher', () => {
  it('discards a fetch completed for a partition no longer assigned, and drops what a revoked partition had buffered', () => {
    const fetcher = new Fetcher('t');
    for (const partition of [0, 1]) fetcher.positions.set(partition, { ...unknownPosition(0), offset: 4 });
    fetcher.drop(1);
    fetcher.bufferFetch(new Map([[0, 4], [1, 4]]), response([0, 1], 4));
    expect(fetcher.bufferedCount).toBe(1);
    fetcher.positions.set(2, { ...unknownPosition(0), offset: 4 });
    fetcher.bufferFetch(new Map([[2, 4]]), response([2], 4));
    fetcher.drop(2);
    expect(fetcher.bufferedCount).toBe(1);
    expect(fetcher.collectFetch().records.map((record) => [record.partition, record.offset])).toEqual([[0, 4]]);
  });

  it('drains without returning the partitions that are not fetchable, and keeps their positions', () => {
    const fetcher = new Fetcher('t');
    fetcher.positions.set(0, { ...unknownPosition(0), offset: 4 });
    fetcher.bufferFetch(new Map([[0, 4]]), response([0], 4));
    expect(fetcher.collectFetch(() => false).records).toEqual([]);
    expect(fetcher.bufferedCount).toBe(0);
    expect(fetcher.positions.get(0)?.offset).toBe(4);
  });
});
