import { TIMELINE_POINTS_KEPT, capSeries, type SystemTimeline, type TimelineBand, type TimelineRow } from '../run/run-timeline.ts';
import { brokerNodeId } from '../../impl/protocol/messages.ts';
import { brokerList, type StateTimeline } from './state-timeline.ts';

/**
 * The Kafka system's rows of the run's timeline page, from the state timeline the explanations
 * read (`state-timeline.ts`): per broker, the controller's registration (fenced or not); per
 * partition, the controller's leader and ISR as bands, and the high watermark as the leader showed
 * it. The state timeline is bounded per partition, so the rows are too; what it dropped is counted.
 */
export function kafkaTimeline(timeline: StateTimeline, endMs: number): SystemTimeline {
  const rows: TimelineRow[] = [];
  const brokerBands = new Map<number, TimelineBand[]>();
  for (const change of timeline.brokerChanges.toArray()) {
    let bands = brokerBands.get(change.brokerId);
    if (bands === undefined) {
      bands = [];
      brokerBands.set(change.brokerId, bands);
    }
    const label = `${change.fenced ? 'fenced' : 'unfenced'}${change.inControlledShutdown ? ', in controlled shutdown' : ''} (broker epoch ${change.brokerEpoch})`;
    // Fenced is drawn as "no leader" (key -1); unfenced in the broker's own colour.
    bands.push({ fromMs: change.atMs, label, key: change.fenced ? -1 : change.brokerId });
  }
  for (const brokerId of [...brokerBands.keys()].sort((a, b) => a - b)) {
    rows.push({ name: `broker ${brokerId} registration`, bands: brokerBands.get(brokerId) ?? [], node: brokerNodeId(brokerId), dropped: 0 });
  }
  for (const partition of timeline.partitionNames()) {
    const { changes, dropped } = timeline.history(partition);
    const bands: TimelineBand[] = [];
    const points: [number, number][] = [];
    let leader = -1;
    const point = (atMs: number, value: number): void => {
      const last = points[points.length - 1];
      if (last !== undefined && last[1] === value) return;
      points.push([atMs, value]);
    };
    for (const change of changes) {
      switch (change.type) {
        case 'registration':
          leader = change.leader;
          bands.push({
            fromMs: change.atMs,
            label: `leader ${change.leader < 0 ? 'none' : change.leader}, epoch ${change.leaderEpoch}, ISR ${brokerList(change.isr)}${change.elr.length === 0 ? '' : `, ELR ${brokerList(change.elr)}`}`,
            key: change.leader,
          });
          break;
        case 'replica':
          // The partition's high watermark is the leader's: a follower's lags behind it by design.
          if (change.brokerId === leader && change.role === 'leader') point(change.atMs, change.highWatermark);
          break;
        case 'progress':
          if (change.brokerId === leader) {
            point(change.atMs, change.highWatermark[0]);
            point(change.toMs, change.highWatermark[1]);
          }
          break;
      }
    }
    rows.push({ name: partition, bands, series: { label: 'high watermark (leader)', points: capSeries(points, TIMELINE_POINTS_KEPT, endMs) }, dropped });
  }
  return { rows };
}
