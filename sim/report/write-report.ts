import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from '../run/run-result.ts';
import { buildCoverageReport, type CoverageReport } from './coverage-report.ts';
import { renderHtmlReport, type TimelineLink } from './html-report.ts';
import { renderTimelinePage } from './timeline-svg.ts';

/** The files `--report DIR` writes, relative to DIR. */
export const REPORT_FILES = { json: 'coverage.json', html: 'index.html', timeline: 'timeline.html' } as const;

/** A sweep's failing seed's timeline page, relative to DIR. */
export function seedTimelineFile(seed: number): string {
  return `seed-${seed}.html`;
}

/** The exact bytes of `coverage.json`: two-space indented JSON and a trailing newline. */
export function serializeCoverageReport(report: CoverageReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/**
 * Writes the report of `results` into `dir` (created if missing): `coverage.json`, `index.html`
 * and, for each result that carries a timeline (`RunResult.timeline`), its timeline page:
 * `timeline.html` for a single run, `seed-N.html` for the seeds of a sweep (`sweep`, a shard included) (the CLI keeps the
 * timelines of a sweep's failing seeds only), linked from `index.html`. Earlier files are
 * replaced. It runs after the simulation, never inside it, so it may use the file system
 * synchronously.
 */
export function writeReport(dir: string, results: readonly RunResult[], sweep: boolean = results.length !== 1): void {
  mkdirSync(dir, { recursive: true });
  const links: TimelineLink[] = [];
  for (const result of results) {
    if (result.timeline === undefined) continue;
    // A sweep's pages are named by seed, even when its slice (a --shard) ran one seed: the merge
    // of the shards' reports finds them by that name.
    const file = sweep ? seedTimelineFile(result.seed) : REPORT_FILES.timeline;
    writeFileSync(join(dir, file), renderTimelinePage(result), 'utf8');
    links.push({ seed: result.seed, verdict: result.verdict, file });
  }
  writeCoverageReport(dir, buildCoverageReport(results), links);
}

/** Writes an already built (or merged, `merge-reports.ts`) report into `dir`, linking the timeline pages `links`. */
export function writeCoverageReport(dir: string, report: CoverageReport, links: readonly TimelineLink[] = []): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, REPORT_FILES.json), serializeCoverageReport(report), 'utf8');
  writeFileSync(join(dir, REPORT_FILES.html), renderHtmlReport(report, links), 'utf8');
}
