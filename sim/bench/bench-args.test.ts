import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from './bench-args.ts';

describe('parseBenchArgs', () => {
  it('defaults to five pairs and eight sweep seeds, and --quick to one pair and two seeds', () => {
    expect(parseBenchArgs([])).toEqual({ type: 'run', options: { pairs: 5, sweepSeeds: 8, quick: false, skipVariants: false, out: undefined } });
    expect(parseBenchArgs(['--quick'])).toEqual({ type: 'run', options: { pairs: 1, sweepSeeds: 2, quick: true, skipVariants: false, out: undefined } });
    expect(parseBenchArgs(['--quick', '--pairs', '3', '--sweep-seeds=4', '--skip-variants', '--out', 'x.json'])).toEqual({
      type: 'run',
      options: { pairs: 3, sweepSeeds: 4, quick: true, skipVariants: true, out: 'x.json' },
    });
  });

  it('answers bad flags with one line naming the problem', () => {
    for (const argv of [['--pairs', '0'], ['--pairs', 'five'], ['--pairs', '101'], ['--sweep-seeds', '-1'], ['--bogus'], ['--pairs'], ['extra'], ['--out', '']]) {
      const parsed = parseBenchArgs(argv);
      expect(parsed.type, argv.join(' ')).toBe('error');
      if (parsed.type === 'error') expect(parsed.message).not.toContain('\n');
    }
    const bad = parseBenchArgs(['--pairs', 'five']);
    expect(bad.type === 'error' && bad.message).toBe('--pairs must be a whole number from 1 to 100, got "five"');
  });

  it('gives help', () => {
    expect(parseBenchArgs(['-h']).type).toBe('help');
  });
});
