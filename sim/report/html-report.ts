import { FAULT_KINDS } from '../nemesis/fault-kind.ts';
import type { Verdict } from '../run/run-result.ts';
import {
  MAX_FAILURES_LISTED,
  MAX_RUNS_LISTED,
  type CoverageReport,
  type InvariantCoverage,
  type InvariantStatus,
  type MachineCoverageSummary,
} from './coverage-report.ts';

/**
 * Renders a coverage report as one self-contained HTML page (`index.html`): inline CSS, no
 * script, no external resource, so it opens from a CI artefact or a local directory as it is.
 *
 * Every string from the report is HTML-escaped: invariant names, messages and repro commands
 * come from run results and may hold any character. The output is a pure function of the
 * report (no date, no clock), so the same report always renders to the same bytes.
 */
export function renderHtmlReport(report: CoverageReport, timelines: readonly TimelineLink[] = []): string {
  const title = `refka coverage: ${report.system === '' ? '(no runs)' : report.system}`;
  const sections = [
    renderHeader(report),
    renderTimelineLinks(timelines),
    renderInvariants(report.invariants),
    renderMachines(report.machines),
    renderFaults(report),
    renderFailures(report),
    renderRuns(report, timelines),
  ];
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    ...sections,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** A run's timeline page written beside the report (`write-report.ts`). */
export interface TimelineLink {
  readonly seed: number;
  readonly verdict: Verdict;
  readonly file: string;
}

function renderTimelineLinks(timelines: readonly TimelineLink[]): string {
  if (timelines.length === 0) return '';
  const items = timelines.map((link) => `<li><a href="${escapeHtml(link.file)}">seed ${link.seed}</a> ${verdictBadge(link.verdict)}</li>`);
  return `<h2>Timelines</h2>\n<ul class="timelines">${items.join('')}</ul>`;
}

/** Escapes the five characters that matter in HTML text and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const STYLE = `
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1b1f24; background: #fff; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .5rem; border-bottom: 1px solid #d0d7de; padding-bottom: .25rem; }
h3 { font-size: 1.05rem; margin: 1.25rem 0 .4rem; }
p.meta { color: #57606a; margin: .25rem 0; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
th, td { text-align: left; vertical-align: top; padding: .35rem .5rem; border-bottom: 1px solid #eaeef2; }
th { background: #f6f8fa; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
code.repro { user-select: all; background: #f6f8fa; padding: .1rem .3rem; border-radius: 3px; word-break: break-all; }
.statement, .small { color: #57606a; font-size: 13px; }
.badge { display: inline-block; padding: .05rem .5rem; border-radius: 1rem; font-size: 13px; font-weight: 600; white-space: nowrap; border: 1px solid transparent; }
.good { background: #dafbe1; color: #116329; border-color: #aceebb; }
.bad { background: #ffebe9; color: #a40e26; border-color: #ffcecb; }
.warn { background: #fff8c5; color: #7d4e00; border-color: #f5e0a0; }
.off { background: #f6f8fa; color: #57606a; border-color: #d0d7de; }
.verdicts span { margin-right: .5rem; }
.bar { display: inline-block; width: 12rem; height: .8rem; background: #eaeef2; border-radius: .4rem; overflow: hidden; vertical-align: middle; margin-right: .5rem; }
.bar > span { display: block; height: 100%; background: #2da44e; }
td { overflow-wrap: break-word; }
td.claim { min-width: 14rem; }
.source { font-style: italic; overflow-wrap: anywhere; }
details > summary { cursor: pointer; color: #57606a; font-size: 13px; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; }
ul.missed { margin: .25rem 0 .5rem; padding-left: 1.25rem; columns: 2; }
`;

function renderHeader(report: CoverageReport): string {
  const verdicts = (Object.keys(report.verdicts) as Verdict[])
    .map((verdict) => {
      const count = report.verdicts[verdict];
      return `<span>${count === 0 ? badge('off', verdict) : verdictBadge(verdict)} ${count}</span>`;
    })
    .join('');
  const seeds = report.seeds;
  const seedText =
    seeds.count === 0
      ? 'none'
      : seeds.count === 1
        ? String(seeds.list[0])
        : `${seeds.list[0]} … ${seeds.list[seeds.list.length - 1]}` +
          (seeds.truncated ? ` (first ${seeds.list.length} listed in coverage.json)` : '');
  return [
    '<header>',
    // A swarm sweep draws a configuration per seed, so a sweep can have many systems: the title
    // names one, and lists several in a fold rather than as a paragraph-long heading.
    report.systems.length <= 1
      ? `<h1>refka coverage report: ${escapeHtml(report.system === '' ? '(no runs)' : report.system)}</h1>`
      : `<h1>refka coverage report: ${report.systems.length} configurations</h1>\n` +
        `<details><summary>the configurations</summary><ul>${report.systems.map((system) => `<li>${escapeHtml(system)}</li>`).join('')}</ul></details>`,
    `<p class="meta">${seeds.count} ${seeds.count === 1 ? 'run' : 'runs'}; seeds ${escapeHtml(seedText)}. ` +
      `Worst verdict: ${verdictBadge(report.worstVerdict)}</p>`,
    `<p class="verdicts">${verdicts}</p>`,
    '</header>',
  ].join('\n');
}

function verdictBadge(verdict: Verdict): string {
  return badge(verdict === 'pass' ? 'good' : 'bad', verdict);
}

function badge(tone: 'good' | 'bad' | 'warn' | 'off', text: string): string {
  return `<span class="badge ${tone}">${escapeHtml(text)}</span>`;
}

const STATUS_CLASS: Readonly<Record<InvariantStatus, 'good' | 'bad' | 'warn' | 'off'>> = {
  held: 'good',
  seen: 'good',
  violated: 'bad',
  'never-seen': 'warn',
  'not-checked': 'warn',
  'not-applicable': 'off',
};

function renderInvariants(invariants: readonly InvariantCoverage[]): string {
  if (invariants.length === 0) return '<h2>Invariants</h2>\n<p>No invariant was reported by any run.</p>';
  const rows = invariants.map((invariant) => {
    const seeds = invariant.violatingSeeds.join(', ');
    // Listed seeds are distinct and capped, so there can be fewer of them than violating runs.
    const more =
      invariant.violatingSeeds.length < invariant.runsViolated ? ` (${invariant.runsViolated} runs in all)` : '';
    const violations =
      invariant.violations === 0
        ? '0'
        : `${invariant.violations}<div class="small">${invariant.violatingSeeds.length === 1 ? 'seed' : 'seeds'} ` +
          `${escapeHtml(seeds + more)}</div>`;
    const hitSeeds =
      invariant.hitSeeds.length === 0
        ? ''
        : `<div class="small">${invariant.hitSeeds.length === 1 ? 'seed' : 'seeds'} ${escapeHtml(invariant.hitSeeds.join(', '))}` +
          `${invariant.hitSeeds.length < invariant.runsHit ? ` (${invariant.runsHit} runs in all)` : ''}</div>`;
    const excused = invariant.excused === 0 ? '' : `<div class="small">${invariant.excused} excused in ${invariant.runsExcused} ${invariant.runsExcused === 1 ? 'run' : 'runs'} (faults named per finding in --json)</div>`;
    const notApplicable =
      invariant.notApplicableRuns === 0
        ? '0'
        : `${invariant.notApplicableRuns}` +
          invariant.notApplicableReasons.map((entry) => `<div class="small">${entry.runs} ${entry.runs === 1 ? 'run' : 'runs'}: ${escapeHtml(entry.reason)} (${entry.runs === 1 ? 'seed' : 'seeds'} ${escapeHtml(entry.seeds.join(', '))}${entry.seeds.length < entry.runs ? ', ...' : ''})</div>`).join('') +
          (invariant.ignoredViolations === 0
            ? ''
            : `<div class="small">${invariant.ignoredViolations} violations ignored there</div>`);
    return [
      '<tr>',
      `<td class="claim"><code>${escapeHtml(invariant.name)}</code><div class="statement">${escapeHtml(invariant.statement)}</div>` +
        `<div class="small source">${escapeHtml(invariant.source)}</div></td>`,
      `<td>${escapeHtml(invariant.kind)}</td>`,
      `<td>${badge(STATUS_CLASS[invariant.status], invariant.status)}</td>`,
      `<td class="num">${invariant.runsChecked}</td>`,
      `<td class="num">${invariant.timesChecked}</td>`,
      `<td class="num">${invariant.timesHit}${hitSeeds}</td>`,
      `<td class="num">${violations}${excused}</td>`,
      `<td class="num">${notApplicable}</td>`,
      '</tr>',
    ].join('');
  });
  return [
    '<h2>Invariants</h2>',
    '<p class="small">Counts cover the runs where each invariant applies. For <code>sometimes</code> ' +
      'invariants "hit" means the behaviour was seen; for the others it means a check held.</p>',
    '<table>',
    '<thead><tr><th>Invariant, statement and source</th><th>Kind</th><th>Status</th><th class="num">Runs checked</th>' +
      '<th class="num">Times checked</th><th class="num">Times hit</th><th class="num">Violations</th>' +
      '<th class="num">Not applicable (runs)</th></tr></thead>',
    '<tbody>',
    ...rows,
    '</tbody>',
    '</table>',
  ].join('\n');
}

function renderMachines(machines: readonly MachineCoverageSummary[]): string {
  if (machines.length === 0) return '<h2>Model coverage</h2>\n<p>No model machine was reported by any run.</p>';
  const blocks = machines.map((machine) =>
    [
      `<h3><code>${escapeHtml(machine.machine)}</code></h3>`,
      `<p>States: ${bar(machine.states.reached, machine.states.total)}</p>`,
      missedList('Unreached states', machine.states.unreached),
      `<p>Transitions: ${bar(machine.transitions.taken, machine.transitions.total)}</p>`,
      missedList('Untaken transitions', machine.transitions.untaken),
      `<p class="small">Transitions rejected by the model: ` +
        `${machine.rejected === 0 ? '0' : badge('bad', String(machine.rejected))}</p>`,
    ].join('\n'),
  );
  return ['<h2>Model coverage</h2>', ...blocks].join('\n');
}

function bar(covered: number, total: number): string {
  const percent = total === 0 ? 0 : (100 * covered) / total;
  const shown = percent.toFixed(1);
  return (
    `<span class="bar" role="img" aria-label="${shown}%"><span style="width:${shown}%"></span></span>` +
    `${covered} of ${total} (${shown}%)`
  );
}

function missedList(label: string, names: readonly string[]): string {
  if (names.length === 0) return '';
  const items = names.map((name) => `<li><code>${escapeHtml(name)}</code></li>`).join('');
  return `<div class="small">${escapeHtml(label)}:</div>\n<ul class="missed">${items}</ul>`;
}

function renderFaults(report: CoverageReport): string {
  const rows = FAULT_KINDS.map(
    (kind) => `<tr><td><code>${escapeHtml(kind)}</code></td><td class="num">${report.faults[kind]}</td></tr>`,
  );
  return [
    '<h2>Faults injected</h2>',
    '<table style="width:auto">',
    '<thead><tr><th>Kind</th><th class="num">Count</th></tr></thead>',
    '<tbody>',
    ...rows,
    '</tbody>',
    '</table>',
  ].join('\n');
}

function renderFailures(report: CoverageReport): string {
  const total = report.seeds.count - report.verdicts.pass;
  if (total === 0) return '<h2>Failures</h2>\n<p>No run failed.</p>';
  const rows = report.failures.map((failure) => {
    const details: string[] = [];
    if (failure.firstViolation !== undefined) {
      const first = failure.firstViolation;
      details.push(
        `<code>${escapeHtml(first.invariant)}</code> at ${first.atMs} ms: ${escapeHtml(first.message)}`,
      );
      if (first.explanation !== undefined) {
        details.push(`<details><summary>explanation</summary><pre>${escapeHtml(first.explanation.join('\n'))}</pre></details>`);
      }
    }
    if (failure.crash !== undefined) details.push(`crash: ${escapeHtml(failure.crash)}`);
    if (failure.liveness !== undefined) details.push(`did not converge: ${escapeHtml(failure.liveness)}`);
    if (failure.livenessExplanation !== undefined) {
      details.push(`<details><summary>explanation</summary><pre>${escapeHtml(failure.livenessExplanation.join('\n'))}</pre></details>`);
    }
    details.push(`<span class="small">fault mix planned: ${escapeHtml(failure.faultPlan)}</span>`);
    return [
      '<tr>',
      `<td class="num">${failure.seed}</td>`,
      `<td>${verdictBadge(failure.verdict)}</td>`,
      `<td>${details.map((detail) => `<div>${detail}</div>`).join('')}</td>`,
      `<td><code class="repro">${escapeHtml(failure.repro)}</code></td>`,
      '</tr>',
    ].join('');
  });
  const shown =
    report.failures.length < total
      ? `<p class="small">Showing the first ${report.failures.length} of ${total} failed runs ` +
        `(at most ${MAX_FAILURES_LISTED} are listed).</p>`
      : '';
  return [
    '<h2>Failures</h2>',
    ...(shown === '' ? [] : [shown]),
    '<table>',
    '<thead><tr><th class="num">Seed</th><th>Verdict</th><th>What went wrong</th><th>Reproduce</th></tr></thead>',
    '<tbody>',
    ...rows,
    '</tbody>',
    '</table>',
  ].join('\n');
}

function renderRuns(report: CoverageReport, timelines: readonly TimelineLink[]): string {
  if (report.runs.length === 0) return '';
  const pages = new Map(timelines.map((link) => [link.seed, link.file]));
  const rows = report.runs.map((run) => {
    const faults = run.faults.length === 0 ? 'none' : run.faults.map((fault) => `${escapeHtml(fault.kind)} ${fault.count}`).join(', ');
    const notApplied =
      run.claimsNotApplied.length === 0
        ? ''
        : `<details><summary>${run.claimsNotApplied.length} did not apply</summary>${run.claimsNotApplied.map((name) => `<code>${escapeHtml(name)}</code>`).join(', ')}</details>`;
    const seen =
      run.sometimesSeen.length === 0
        ? '0'
        : `<details><summary>${run.sometimesSeen.length}</summary>${run.sometimesSeen.map((name) => `<code>${escapeHtml(name)}</code>`).join(', ')}</details>`;
    const page = pages.get(run.seed);
    return [
      '<tr>',
      `<td class="num">${run.seed}</td>`,
      `<td>${verdictBadge(run.verdict)}${page === undefined ? '' : `<div><a href="${escapeHtml(page)}">timeline</a></div>`}</td>`,
      `<td>${faults}<div class="small">mix: ${escapeHtml(run.faultPlan)}</div></td>`,
      `<td>${run.claimsApplied} of ${run.claims}${notApplied}</td>`,
      `<td>${seen}</td>`,
      '</tr>',
    ].join('');
  });
  const shown =
    report.runs.length < report.seeds.count
      ? `<p class="small">The first ${report.runs.length} of ${report.seeds.count} runs (at most ${MAX_RUNS_LISTED} are listed).</p>`
      : '';
  return [
    '<h2>Runs</h2>',
    ...(shown === '' ? [] : [shown]),
    '<p class="small">Per seed: the faults that happened (the mix is what swarm testing planned), ' +
      'the claims that applied to its configuration and faults, and the <code>sometimes</code> claims it hit.</p>',
    '<table>',
    '<thead><tr><th class="num">Seed</th><th>Verdict</th><th>Faults that happened</th><th>Claims applied</th>' +
      '<th>Sometimes seen</th></tr></thead>',
    '<tbody>',
    ...rows,
    '</tbody>',
    '</table>',
  ].join('\n');
}
