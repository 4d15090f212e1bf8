import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EXIT_CODES } from '../run/run-result.ts';
import type { CoverageReport } from './coverage-report.ts';
import { MergeError, mergeCoverageReports } from './merge-reports.ts';
import { REPORT_FILES, seedTimelineFile, writeCoverageReport } from './write-report.ts';
import type { TimelineLink } from './html-report.ts';

export const REPORT_USAGE = `Usage: npm run report -- merge --report OUT SHARD_DIR...

Merges the --report directories of the shards of one sweep (npm run sim -- --seeds A..B
--shard I/N --report SHARD_DIR) into OUT: coverage.json and index.html, the same as the report of
the whole sweep run in one place.

  --report OUT   Where to write the merged report (created if missing).
  -h, --help     Print this help and exit.
`;

export interface ReportIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** `npm run report -- merge --report OUT DIR...`: 0 when merged, 2 for bad input (one line). */
export function reportMain(argv: readonly string[], io: ReportIo): number {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: { report: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: true });
  } catch (error) {
    return usage(io, (error as Error).message);
  }
  if (parsed.values.help === true) {
    io.stdout(REPORT_USAGE);
    return EXIT_CODES.pass;
  }
  const [verb, ...dirs] = parsed.positionals;
  if (verb !== 'merge') return usage(io, verb === undefined ? 'name what to do: merge' : `unknown command ${JSON.stringify(verb)}; the one command is merge`);
  const out = parsed.values.report;
  if (out === undefined || out === '') return usage(io, 'merge needs --report OUT, the directory to write the merged report to');
  if (dirs.length === 0) return usage(io, 'merge needs the shards\' report directories');
  const reports: CoverageReport[] = [];
  for (const dir of dirs) {
    const path = join(dir, REPORT_FILES.json);
    if (!existsSync(path)) return usage(io, `${path}: no such file (give the --report directory of each shard)`);
    try {
      reports.push(JSON.parse(readFileSync(path, 'utf8')) as CoverageReport);
    } catch (error) {
      return usage(io, `${path}: not a coverage report (${(error as Error).message})`);
    }
  }
  let merged: CoverageReport;
  try {
    merged = mergeCoverageReports(reports);
  } catch (error) {
    if (error instanceof MergeError || error instanceof TypeError) return usage(io, `cannot merge: ${error.message}`);
    throw error;
  }
  try {
    // A sweep's report links the timeline page of each failing seed (`seed-N.html`); each shard
    // wrote its own seeds' pages, which are copied beside the merged report and linked in seed
    // order, as the whole sweep's report links them.
    mkdirSync(out, { recursive: true });
    const links: TimelineLink[] = [];
    for (const failure of merged.failures) {
      const file = seedTimelineFile(failure.seed);
      const from = dirs.map((dir) => join(dir, file)).find((path) => existsSync(path));
      if (from === undefined) continue;
      copyFileSync(from, join(out, file));
      links.push({ seed: failure.seed, verdict: failure.verdict, file });
    }
    writeCoverageReport(out, merged, links);
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'error';
    return usage(io, `--report: cannot write ${JSON.stringify(out)} (${code})`);
  }
  io.stdout(`merged ${reports.length} reports (${merged.seeds.count} seeds, worst verdict ${merged.worstVerdict}) into ${out}/index.html and coverage.json\n`);
  return EXIT_CODES.pass;
}

function usage(io: ReportIo, message: string): number {
  io.stderr(`refka report: ${message} (see --help)\n`);
  return EXIT_CODES.usage;
}
