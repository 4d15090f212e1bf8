import type { BrokerView } from '../../../sim/kafka/kafka-view.ts';

/**
 * The bit flips no checksum covers that landed in `partition`'s files on `broker`'s disk, in a
 * file that is still there (still part of the log), named. A flip in a segment retention has
 * since deleted excuses nothing.
 */
export function uncheckedFlipsIn(broker: BrokerView, partition: string): string[] {
  const dir = `/${partition}/`;
  const present = (path: string): boolean => broker.disk.list(path).includes(path);
  return broker.damage
    .filter((damage) => damage.kind === 'bitflip' && damage.checked === false && damage.onRead !== true && (damage.paths ?? []).some((path) => path.includes(dir) && present(path)))
    .map((damage) => `unchecked bitflip at ${(damage.atMs / 1000).toFixed(3)} s (${damage.detail})`);
}
