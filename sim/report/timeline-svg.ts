import type { FaultEntry, ScheduleEntry } from '../nemesis/fault-schedule.ts';
import type { RunResult } from '../run/run-result.ts';
import type { NodeLane, RunTimeline, TimelineOp, TimelineRow } from '../run/run-timeline.ts';
import type { ProcessStatus } from '../run/system.ts';
import { escapeHtml } from './html-report.ts';

/**
 * Renders one run's timeline (`RunResult.timeline`) as a self-contained HTML page with an inline
 * SVG, Jepsen-style: a time axis, a lane per node (its process running or down, and the network
 * partitions that cut it off, and what the system marks on it: for Kafka, fenced), the faults as labelled bars, the system's rows (for Kafka: per
 * partition the leader and ISR as bands and the high watermark as a line; per broker its
 * registration, fenced or not), the clients' operations as segments from invoke to completion
 * coloured ok / fail / info, and each violation as a red vertical line whose `<title>` holds the
 * claim and its explanation. No script and no external resource: it opens from a CI artefact as
 * it is, and hovering shows the titles. A pure function of the result, so the same run renders to
 * the same bytes. A 60 s run with the group workload renders to about half a megabyte, most of it
 * the operations (capped at `TIMELINE_OPS_KEPT`). Elements carry classes and `data-` attributes for the DOM checks
 * (`timeline-svg.test.ts`, `bin/check-pages.ts`).
 */
export function renderTimelinePage(result: RunResult): string {
  const title = `refka timeline: seed ${result.seed} (${result.verdict})`;
  const violations = result.violations.filter((violation) => violation.applies);
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<h1>${escapeHtml(title)}</h1>`,
    `<p class="meta">${escapeHtml(result.system)}; ${result.simulatedMs} ms simulated; faults: ${escapeHtml(result.faultPlan)}. <a href="index.html">Coverage report</a></p>`,
    `<p class="meta">Repro: <code>${escapeHtml(result.repro)}</code></p>`,
    result.timeline === undefined ? '<p>This run recorded no timeline.</p>' : renderTimelineSvg(result.timeline, result.schedule, violations),
    LEGEND,
    violations.length === 0 ? '' : `<h2>Violations</h2>\n<ul>${violations.map((violation) => `<li class="violation-item"><b>${escapeHtml(violation.invariant)}</b> at ${violation.atMs} ms: ${escapeHtml(violation.message)}${violation.explanation === undefined ? '' : `<pre>${escapeHtml(violation.explanation.join('\n'))}</pre>`}</li>`).join('\n')}</ul>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

const WIDTH = 1360;
const LEFT = 190;
const RIGHT = 20;
const PLOT = WIDTH - LEFT - RIGHT;
const LANE = 18;
const ROW = 30;
const GAP = 8;

const STATUS_COLOURS: Readonly<Record<ProcessStatus, string>> = { running: '#2da44e', stopped: '#8c959f', crashed: '#cf222e', 'powered-off': '#6e1a1f' };
const OUTCOME_COLOURS = { ok: '#0969da', fail: '#bf3989', info: '#d4a72c' } as const;
/** Band colours by key (a leader's broker id); key -1 (no leader, fenced) is drawn hatched grey. */
const PALETTE = ['#a5d6ff', '#ffd8b5', '#d8b9ff', '#aceebb', '#ffcecb', '#fff8c5', '#b6e3ff', '#e6dcff'];

type Violations = readonly { readonly invariant: string; readonly atMs: number; readonly message: string; readonly explanation?: readonly string[] }[];

/** The SVG of a timeline; exported for tests. */
export function renderTimelineSvg(timeline: RunTimeline, schedule: readonly ScheduleEntry[], violations: Violations): string {
  const endMs = Math.max(1, timeline.endMs);
  const x = (ms: number): number => LEFT + (Math.min(Math.max(ms, 0), endMs) / endMs) * PLOT;
  const parts: string[] = [];
  let y = 30;
  parts.push(axis(endMs, x, y));
  y += 10;

  const faults = schedule.filter((entry): entry is FaultEntry => entry.type === 'fault');
  parts.push(sectionTitle('Nodes', y));
  y += 6;
  for (const lane of timeline.nodes) {
    parts.push(nodeLane(lane, faults, timeline.rows.filter((row) => row.node === lane.node), endMs, x, y));
    y += LANE + 2;
  }

  y += GAP;
  parts.push(sectionTitle('Faults', y));
  y += 6;
  const tracks = packFaults(faults, endMs, x);
  for (const [index, track] of tracks.entries()) {
    parts.push(`<g class="fault-track" data-track="${index}">${track.map((bar) => faultBar(bar.entry, bar.fromX, bar.toX, y)).join('')}</g>`);
    y += LANE + 2;
  }
  if (tracks.length === 0) {
    parts.push(`<text class="none" x="${LEFT}" y="${y + 13}">no faults</text>`);
    y += LANE + 2;
  }

  if (timeline.rows.length > 0) {
    y += GAP;
    parts.push(sectionTitle('State', y));
    y += 6;
    for (const row of timeline.rows) {
      parts.push(systemRow(row, endMs, x, y));
      y += ROW + 2;
    }
  }

  const clients = [...new Set(timeline.ops.map((op) => op.node))];
  if (clients.length > 0) {
    y += GAP;
    parts.push(sectionTitle(`Operations${timeline.opsDropped === 0 ? '' : ` (${timeline.opsDropped} more not drawn)`}`, y));
    y += 6;
    for (const client of clients) {
      parts.push(opsLane(client, timeline.ops.filter((op) => op.node === client), x, y));
      y += LANE + 2;
    }
  }

  const top = 22;
  y += 10;
  for (const violation of violations) {
    const at = num(x(violation.atMs));
    const claim = [`${violation.invariant} at ${violation.atMs} ms: ${violation.message}`, ...(violation.explanation ?? [])].join('\n');
    parts.push(`<g class="violation" data-invariant="${escapeHtml(violation.invariant)}" data-at-ms="${violation.atMs}"><title>${escapeHtml(claim)}</title><line x1="${at}" y1="${top}" x2="${at}" y2="${y}" stroke="#cf222e" stroke-width="2"/><line x1="${at}" y1="${top}" x2="${at}" y2="${y}" stroke="transparent" stroke-width="8"/><text x="${at}" y="${top - 6}" text-anchor="${x(violation.atMs) > LEFT + PLOT * 0.85 ? 'end' : 'middle'}" class="violation-label">${escapeHtml(violation.invariant)}</text></g>`);
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="${WIDTH}" height="${y}" viewBox="0 0 ${WIDTH} ${y}" font-family="system-ui, sans-serif" font-size="11">`,
    `<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#eaeef2"/><line x1="0" y1="0" x2="0" y2="6" stroke="#8c959f" stroke-width="2"/></pattern></defs>`,
    ...parts,
    '</svg>',
  ].join('\n');
}

/** Numbers in the SVG: one decimal, so the bytes do not depend on floating-point noise. */
function num(value: number): string {
  return value.toFixed(1);
}

function sectionTitle(text: string, y: number): string {
  return `<text class="section" x="4" y="${y + 2}" font-weight="bold">${escapeHtml(text)}</text>`;
}

/** Ticks at a round step giving about ten of them. */
function axis(endMs: number, x: (ms: number) => number, y: number): string {
  const raw = endMs / 10;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((factor) => factor * magnitude).find((candidate) => candidate >= raw) ?? raw;
  const ticks: string[] = [];
  for (let ms = 0; ms <= endMs; ms += step) {
    const at = num(x(ms));
    ticks.push(`<line x1="${at}" y1="${y}" x2="${at}" y2="${y + 5}" stroke="#57606a"/><text x="${at}" y="${y - 3}" text-anchor="middle">${ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`}</text>`);
  }
  return `<g class="axis"><line x1="${LEFT}" y1="${y}" x2="${LEFT + PLOT}" y2="${y}" stroke="#57606a"/>${ticks.join('')}</g>`;
}

function label(text: string, y: number, height: number): string {
  return `<text class="label" x="${LEFT - 6}" y="${y + height / 2 + 4}" text-anchor="end">${escapeHtml(text)}</text>`;
}

/** The nodes a fault strikes, for the node lanes' partition strips. */
function faultNodes(entry: FaultEntry): readonly string[] {
  switch (entry.kind) {
    case 'partition':
      return [...new Set(entry.blocked.flat())];
    case 'connection-break':
      return entry.nodes;
    case 'link-lag':
    case 'link-stall':
      return [entry.from, entry.to];
    case 'slow-metadata':
      return [...entry.from, entry.to];
    case 'cluster-power-loss':
      return [];
    default:
      return [entry.node];
  }
}

function faultEnd(entry: FaultEntry, endMs: number): number {
  return 'end' in entry ? Math.min(entry.end, endMs) : entry.at;
}

function describeFault(entry: FaultEntry): string {
  switch (entry.kind) {
    case 'partition':
      return `partition (${entry.shape}): ${entry.blocked.map(([from, to]) => `${from}→${to}`).join(', ')}`;
    case 'connection-break':
      return `connection-break ${entry.nodes[0]}↔${entry.nodes[1]}`;
    case 'link-lag':
      return `link-lag ${entry.from}→${entry.to} ${entry.latencyMs} ms${entry.clogged ? ', clogged' : ''}`;
    case 'link-stall':
      return `link-stall ${entry.from}→${entry.to}`;
    case 'slow-metadata':
      return `slow-metadata ${entry.from.join(', ')}${entry.bothWays ? '↔' : '→'}${entry.to} ${entry.clogged ? 'clogged' : `${entry.latencyMs} ms`}`;
    case 'cluster-power-loss':
      return 'cluster-power-loss';
    default:
      return `${entry.kind} ${entry.node}`;
  }
}

function nodeLane(lane: NodeLane, faults: readonly FaultEntry[], rows: readonly TimelineRow[], endMs: number, x: (ms: number) => number, y: number): string {
  const rects = lane.spans.map((span, index) => {
    const toMs = lane.spans[index + 1]?.fromMs ?? endMs;
    const from = x(span.fromMs);
    return `<rect class="span ${span.status}" x="${num(from)}" y="${y}" width="${num(Math.max(0.5, x(toMs) - from))}" height="${LANE}" fill="${STATUS_COLOURS[span.status]}"><title>${escapeHtml(`${lane.node} ${span.status} from ${span.fromMs} ms to ${toMs} ms`)}</title></rect>`;
  });
  // A network fault that cuts this node off shows as a hatched strip on its lane.
  const cut = faults.filter((entry) => (entry.kind === 'partition' || entry.kind === 'link-stall') && faultNodes(entry).includes(lane.node)).map((entry) => {
    const from = x(entry.at);
    return `<rect class="cut" x="${num(from)}" y="${y + LANE - 6}" width="${num(Math.max(1, x(faultEnd(entry, endMs)) - from))}" height="6" fill="url(#hatch)"><title>${escapeHtml(describeFault(entry))}</title></rect>`;
  });
  // The system's "no" states of this node (Kafka: fenced by the controller) as a strip on top.
  const marks = rows.flatMap((row) => row.bands.flatMap((band, index) => {
    if (band.key >= 0) return [];
    const from = x(band.fromMs);
    const toMs = row.bands[index + 1]?.fromMs ?? endMs;
    return [`<rect class="mark" x="${num(from)}" y="${y}" width="${num(Math.max(1, x(toMs) - from))}" height="6" fill="url(#hatch)"><title>${escapeHtml(`${row.name}: ${band.label} from ${band.fromMs} ms to ${toMs} ms`)}</title></rect>`];
  }));
  return `<g class="lane node" data-node="${escapeHtml(lane.node)}" data-server="${lane.server}">${label(lane.node, y, LANE)}${rects.join('')}${cut.join('')}${marks.join('')}</g>`;
}

/** Faults laid into tracks so that no two bars overlap, each in the first track with room. */
function packFaults(faults: readonly FaultEntry[], endMs: number, x: (ms: number) => number): { entry: FaultEntry; fromX: number; toX: number }[][] {
  const tracks: { entry: FaultEntry; fromX: number; toX: number }[][] = [];
  const ends: number[] = [];
  for (const entry of faults) {
    const fromX = x(entry.at);
    // An instant fault (a bit flip, a broken connection) still gets a visible bar.
    const toX = Math.max(fromX + 3, x(faultEnd(entry, endMs)));
    // A lasting fault's bar makes room for its label; an instant one (a broken connection, a bit
    // flip) is a tick whose label is only its title, so that dozens of them stay a few tracks.
    const width = 'end' in entry ? Math.max(toX - fromX, describeFault(entry).length * 6) : toX - fromX;
    let track = ends.findIndex((end) => end <= fromX);
    if (track < 0) {
      track = tracks.length;
      tracks.push([]);
      ends.push(0);
    }
    tracks[track]?.push({ entry, fromX, toX });
    ends[track] = fromX + width + 4;
  }
  return tracks;
}

function faultBar(entry: FaultEntry, fromX: number, toX: number, y: number): string {
  const text = describeFault(entry);
  const end = 'end' in entry ? `${entry.end} ms` : 'instant';
  return `<g class="fault" data-kind="${entry.kind}"><title>${escapeHtml(`${text}: ${entry.at} ms to ${end}`)}</title><rect x="${num(fromX)}" y="${y}" width="${num(toX - fromX)}" height="${LANE}" fill="#fb8f44" fill-opacity="0.55" stroke="#bc4c00"/>${'end' in entry ? `<text x="${num(fromX + 3)}" y="${y + 13}">${escapeHtml(text)}</text>` : ''}</g>`;
}

function bandFill(key: number): string {
  return key < 0 ? 'url(#hatch)' : (PALETTE[key % PALETTE.length] ?? '#eaeef2');
}

function systemRow(row: TimelineRow, endMs: number, x: (ms: number) => number, y: number): string {
  const bands = row.bands.map((band, index) => {
    const toMs = row.bands[index + 1]?.fromMs ?? endMs;
    const from = x(band.fromMs);
    const width = Math.max(0.5, x(toMs) - from);
    // The label shows where the band is wide enough; the title always holds it.
    const text = width > band.label.length * 5.5 ? `<text x="${num(from + 3)}" y="${y + 12}">${escapeHtml(band.label)}</text>` : '';
    return `<g class="band" data-key="${band.key}"><title>${escapeHtml(`${row.name}: ${band.label} (from ${band.fromMs} ms)`)}</title><rect x="${num(from)}" y="${y}" width="${num(width)}" height="${ROW}" fill="${bandFill(band.key)}" stroke="#fff" stroke-width="0.5"/>${text}</g>`;
  });
  let line = '';
  const series = row.series;
  if (series !== undefined && series.points.length > 0) {
    const max = Math.max(1, ...series.points.map((point) => point[1]));
    const py = (value: number): number => y + ROW - 2 - (value / max) * (ROW - 14);
    // A step line: the value holds until the next point.
    const coordinates: string[] = [];
    for (const [index, [atMs, value]] of series.points.entries()) {
      if (index > 0) coordinates.push(`${num(x(atMs))},${num(py(series.points[index - 1]?.[1] ?? value))}`);
      coordinates.push(`${num(x(atMs))},${num(py(value))}`);
    }
    const last = series.points[series.points.length - 1];
    if (last !== undefined) coordinates.push(`${num(x(endMs))},${num(py(last[1]))}`);
    line = `<polyline class="series" points="${coordinates.join(' ')}" fill="none" stroke="#24292f" stroke-width="1.2"><title>${escapeHtml(`${row.name} ${series.label}: ${last?.[1] ?? 0} at the end, ${max} at most`)}</title></polyline>`;
  }
  const dropped = row.dropped === 0 ? '' : ` (${row.dropped} older changes not kept)`;
  return `<g class="row" data-row="${escapeHtml(row.name)}">${label(row.name, y, ROW)}${row.dropped === 0 ? '' : `<title>${escapeHtml(row.name + dropped)}</title>`}${bands.join('')}${line}</g>`;
}

function opsLane(client: string, ops: readonly TimelineOp[], x: (ms: number) => number, y: number): string {
  const offsets = { ok: 2, fail: 8, info: 13 } as const;
  const counts = { ok: 0, fail: 0, info: 0 };
  let maxLatency = 0;
  const marks = ops.map((op) => {
    counts[op.outcome]++;
    maxLatency = Math.max(maxLatency, op.completeMs - op.invokeMs);
    const from = x(op.invokeMs);
    // The segment spans the operation's latency: from its invoke to its completion.
    return `<rect class="op ${op.outcome}" x="${num(from)}" y="${y + offsets[op.outcome]}" width="${num(Math.max(1, x(op.completeMs) - from))}" height="3" fill="${OUTCOME_COLOURS[op.outcome]}"/>`;
  });
  const summary = `${client}: ${counts.ok} ok, ${counts.fail} fail, ${counts.info} info; longest ${maxLatency} ms`;
  return `<g class="lane ops" data-node="${escapeHtml(client)}"><title>${escapeHtml(summary)}</title>${label(client, y, LANE)}${marks.join('')}</g>`;
}

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; color: #1b1f24; margin: 1rem; }
h1 { font-size: 1.3rem; margin: 0 0 .25rem; }
p.meta { color: #57606a; margin: .2rem 0; }
svg.timeline { border: 1px solid #d0d7de; background: #fff; }
svg .label { fill: #1b1f24; }
svg .violation-label { fill: #cf222e; font-weight: bold; }
.legend span { display: inline-block; margin-right: 1rem; }
.legend i { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: -2px; }
pre { white-space: pre-wrap; font-size: 12px; background: #f6f8fa; padding: .5rem; }
`;

const LEGEND = `<p class="legend">${[
  ...Object.entries(STATUS_COLOURS).map(([status, colour]) => `<span><i style="background:${colour}"></i>${status}</span>`),
  '<span><i style="background:#fb8f44"></i>fault</span>',
  '<span><i style="background:#8c959f"></i>hatched: cut off by a partition, no leader, or fenced</span>',
  ...Object.entries(OUTCOME_COLOURS).map(([outcome, colour]) => `<span><i style="background:${colour}"></i>op ${outcome}</span>`),
  '<span><i style="background:#cf222e"></i>violation</span>',
].join('')}</p>`;
