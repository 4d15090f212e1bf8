import type { RatioSummary } from './pairs.ts';

/**
 * One printed figure of the bench. A comparison's figure is the median of its per-round ratios
 * and carries their min and max and how many rounds there were; other figures carry none.
 */
export interface BenchFigure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly note: string;
  readonly min?: number;
  readonly max?: number;
  readonly pairs?: number;
}

/** A comparison as a figure: the median ratio, with the spread of the rounds. */
export function ratioFigure(name: string, summary: RatioSummary, note: string, digits = 2): BenchFigure {
  return { name, value: round(summary.median, digits), unit: 'x', note, min: round(summary.min, digits), max: round(summary.max, digits), pairs: summary.ratios.length };
}

/** A comparison for the JSON report: every round's ratio, rounded for reading. */
export function roundSummary(summary: RatioSummary, digits = 3): Record<string, unknown> {
  return { median: round(summary.median, digits), min: round(summary.min, digits), max: round(summary.max, digits), ratios: summary.ratios.map((ratio) => round(ratio, digits)) };
}

/** One line of the printed table. */
export function formatFigure(figure: BenchFigure): string {
  const spread = figure.min === undefined || figure.max === undefined ? '' : ` [${figure.min}..${figure.max} over ${figure.pairs ?? '?'} pairs]`;
  return `${figure.name.padEnd(36)} ${String(figure.value).padStart(12)} ${figure.unit.padEnd(10)} ${figure.note}${spread}\n`;
}

export function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
