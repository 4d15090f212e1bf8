import { describe, expect, it } from 'vitest';
import { AleaRandomStream } from '../../sim/random/random-stream.ts';
import { SimDisk } from '../../sim/disk/sim-disk.ts';
import { CLEAN_SHUTDOWN_FILENAME, readAndDeleteCleanShutdownFile, writeCleanShutdownFile } from './clean-shutdown-file.ts';

// KIP-966: the clean-shutdown file carries the broker epoch a broker sends as previousBrokerEpoch.

function disk(): SimDisk {
  return new SimDisk({ clock: { nowMs: () => 0 }, random: new AleaRandomStream(1, 'disk') });
}

describe('clean-shutdown file', () => {
  it('names the broker epoch written at shutdown, once: reading deletes it', () => {
    const d = disk();
    writeCleanShutdownFile(d, 'kafka-logs', 42);
    expect(new TextDecoder().decode(d.read(`kafka-logs/${CLEAN_SHUTDOWN_FILENAME}`, 0, 100))).toBe('{"version":0,"brokerEpoch":42}');
    expect(readAndDeleteCleanShutdownFile(d, 'kafka-logs')).toEqual({ exists: true, brokerEpoch: 42 });
    expect(readAndDeleteCleanShutdownFile(d, 'kafka-logs')).toEqual({ exists: false, brokerEpoch: -1 });
  });

  it('proves nothing when it is not what Kafka writes', () => {
    const d = disk();
    d.write(`kafka-logs/${CLEAN_SHUTDOWN_FILENAME}`, 0, new TextEncoder().encode('{"version":7,"brokerEpoch":42}'));
    expect(readAndDeleteCleanShutdownFile(d, 'kafka-logs')).toEqual({ exists: true, brokerEpoch: -1 });
    d.write(`kafka-logs/${CLEAN_SHUTDOWN_FILENAME}`, 0, new Uint8Array(0));
    expect(readAndDeleteCleanShutdownFile(d, 'kafka-logs')).toEqual({ exists: true, brokerEpoch: -1 });
  });
});
