import { describe, expect, it } from 'vitest';
import { AckedSends, type Acked } from './acked-sends.ts';

describe('AckedSends', () => {
  const sends: Acked[] = [
    { topic: 't', key: 'k0', producer: 'producer-0', seq: 0, value: 'producer-0:0', partition: 2, offset: 0, atMs: 10.5, invokedAt: 7 },
    { topic: 't', key: undefined, producer: 'producer-1', seq: 0, value: 'producer-1:0', partition: 0, offset: 7, atMs: 11, invokedAt: 3 },
    // A value not of the send's own `<producer>:<seq>` is kept as itself.
    { topic: 'u', key: 'k1', producer: 'producer-0', seq: 1, value: 'producer-0:01', partition: 2, offset: 2 ** 40, atMs: 12.25, invokedAt: 9 },
    { topic: 't', key: 'k0', producer: 'producer-0', seq: 2, value: 'other', partition: 1, offset: 3, atMs: 13, invokedAt: 8 },
  ];

  it('gives back every send in the order it was acknowledged, field for field, past its first growth', () => {
    const acked = new AckedSends();
    expect([...acked]).toEqual([]);
    expect(acked.first()).toBeUndefined();
    const many = Array.from({ length: 3000 }, (_, index) => ({ ...(sends[index % sends.length] as Acked), seq: index, value: `producer-0:${index}`, invokedAt: index }));
    for (const send of [...sends, ...many]) acked.push(send);
    expect(acked.length).toBe(3004);
    expect([...acked]).toEqual([...sends, ...many]);
    // Read twice: iterating does not consume it.
    expect([...acked].slice(0, 4)).toEqual(sends);
    expect(acked.first()).toEqual(sends[0]);
    expect(acked.find((ack) => ack.value === 'other')).toEqual(sends[3]);
  });

  it('gives them back in the order they were sent, ties in acknowledgement order', () => {
    const acked = new AckedSends();
    for (const send of sends) acked.push(send);
    acked.push({ ...(sends[0] as Acked), seq: 5, value: 'producer-0:5', invokedAt: 8 });
    const order = acked.inInvokeOrder();
    expect(order.length).toBe(5);
    expect([...order].map((ack) => ack.invokedAt)).toEqual([3, 7, 8, 8, 9]);
    expect([...order].map((ack) => ack.value)).toEqual(['producer-1:0', 'producer-0:0', 'other', 'producer-0:5', 'producer-0:01']);
    expect(order.first()?.value).toBe('producer-1:0');
    expect(order.find((ack) => ack.invokedAt === 8)?.value).toBe('other');
  });
});
