import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from '../run/run-result.ts';
import { buildCoverageReport, type CoverageReport } from './coverage-report.ts';
import { renderHtmlReport } from './html-report.ts';

/** The files `--report DIR` writes, relative to DIR. */
export const REPORT_FILES = { json: 'coverage.json', html: 'index.html' } as const;

/** The exact bytes of `coverage.json`: two-space indented JSON and a trailing newline. */
export function serializeCoverageReport(report: CoverageReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/**
 * Writes the report of `results` into `dir` (created if missing): `coverage.json` and
 * `index.html`, replacing earlier ones. It runs after the simulation, never inside it, so it may
 * use the file system synchronously.
 */
export function writeReport(dir: string, results: readonly RunResult[]): void {
  writeCoverageReport(dir, buildCoverageReport(results));
}

/** Writes an already built (or merged, `merge-reports.ts`) report into `dir`. */
export function writeCoverageReport(dir: string, report: CoverageReport): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, REPORT_FILES.json), serializeCoverageReport(report), 'utf8');
  writeFileSync(join(dir, REPORT_FILES.html), renderHtmlReport(report), 'utf8');
}
