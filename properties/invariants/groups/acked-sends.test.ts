import { describe, expect, it } from 'vitest';
import { AckedSends, type GroupAcked } from './group-history-index.ts';

describe('AckedSends', () => {
  it('gives back every send in the order it was acknowledged, field for field', () => {
    const sends: GroupAcked[] = [
      { topic: 't', producer: 'producer-0', value: 'producer-0:0', partition: 2, offset: 0, atMs: 10.5 },
      { topic: 't', producer: 'producer-1', value: 'producer-1:0', partition: 0, offset: 7, atMs: 11 },
      { topic: 'u', producer: 'producer-0', value: 'producer-0:1', partition: 2, offset: 1, atMs: 12.25 },
    ];
    const acked = new AckedSends();
    expect([...acked]).toEqual([]);
    for (const send of sends) acked.push(send);
    expect(acked.length).toBe(3);
    expect([...acked]).toEqual(sends);
    // Read twice: iterating does not consume it.
    expect([...acked]).toEqual(sends);
  });
});
