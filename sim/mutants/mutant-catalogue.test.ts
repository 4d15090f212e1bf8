import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KAFKA_RULES, protocolRules, rulesChangedFromKafka } from '../../impl/variants/protocol-rules.ts';
import { PROTOCOL_VARIANTS } from '../../impl/variants/variant-registry.ts';
import { parseSimArgs } from '../cli/args.ts';
import { main } from '../cli/main.ts';
import { EXIT_CODES, type RunResult } from '../run/run-result.ts';
import type { SeedRun } from '../run/run-seed.ts';
import { isMutantName, mutantByName, MUTANTS } from './mutant-catalogue.ts';
import { catchingClaim } from './mutant-run.ts';
import { median, mutantCatches, mutantsReport } from './mutant-report.ts';

describe('the mutant catalogue', () => {
  it('has unique kebab-case names, none of them a variant', () => {
    const names = MUTANTS.map((mutant) => mutant.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
    for (const variant of PROTOCOL_VARIANTS) expect(isMutantName(variant.name)).toBe(false);
  });

  it('has at least 12 mutants, spread over the controller, the leader, the follower, the log, the producer state, the clients and the groups', () => {
    expect(MUTANTS.length).toBeGreaterThanOrEqual(12);
    expect(new Set(MUTANTS.map((mutant) => mutant.area))).toEqual(new Set(['controller', 'leader', 'follower', 'log', 'producer-state', 'clients', 'groups']));
  });

  it('gives each mutant a one-sentence summary and the Kafka class and method it lives in', () => {
    for (const mutant of MUTANTS) {
      expect(mutant.summary).toMatch(/^[A-Z].*\.$/);
      expect(mutant.where).toMatch(/^[A-Z]\w+(\.\w+)?/);
    }
  });

  it("changes at least one rule away from Kafka's in every mutant, and no rule a variant changes", () => {
    const variantRules = new Set(PROTOCOL_VARIANTS.flatMap((variant) => rulesChangedFromKafka(variant.rules)));
    for (const mutant of MUTANTS) {
      const changed = rulesChangedFromKafka(mutant.rules);
      expect(changed.length, mutant.name).toBeGreaterThan(0);
      for (const rule of changed) expect(variantRules.has(rule), `${mutant.name} changes ${rule}`).toBe(false);
      const rules = protocolRules([mutantByName(mutant.name)]);
      expect(Object.keys(KAFKA_RULES).filter((key) => rules[key as keyof typeof rules] !== KAFKA_RULES[key as keyof typeof KAFKA_RULES])).toEqual(changed);
    }
  });

  it('is not reachable from the command line', () => {
    const choose = { chooseSeed: () => 1 };
    for (const mutant of MUTANTS) {
      expect(parseSimArgs(['--mutant', mutant.name], choose).type).toBe('error');
      expect(parseSimArgs(['--variant', mutant.name], choose).type).toBe('error');
      expect(parseSimArgs([`--${mutant.name}`], choose).type).toBe('error');
    }
    // Whatever the command line says, the run it asks for carries no mutant.
    const runs: SeedRun[] = [];
    const runner = (run: SeedRun): RunResult => {
      runs.push(run);
      throw new Error('not run');
    };
    const io = { chooseSeed: () => 1, stdout: () => undefined, stderr: () => undefined, stderrIsTty: false };
    expect(main(['--seed', '1', '--mutant', 'acks-all-on-local-append'], io, runner)).toBe(EXIT_CODES.usage);
    expect(() => main(['--seed', '1', '--variant', 'pre-kip-101'], io, runner)).toThrow('not run');
    expect(runs).toHaveLength(1);
    expect(runs[0]?.mutants).toBeUndefined();
    // And no file of the command line knows the catalogue.
    for (const file of readdirSync(new URL('../cli/', import.meta.url))) {
      if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
      expect(readFileSync(new URL(`../cli/${file}`, import.meta.url), 'utf8'), file).not.toMatch(/mutant/i);
    }
  });
});

describe('the mutants report', () => {
  const outcome = (seed: number, verdict: 'pass' | 'safety' | 'crash', claim: string | undefined, digest: string) => ({ seed, verdict, claim, violated: claim === undefined || claim === 'crash' ? [] : [claim], digest });

  it('counts catches, their first claims and the seeds whose run the mutant changed', () => {
    const baseline = new Map([1, 2, 3].map((seed) => [seed, outcome(seed, 'pass', undefined, `d${seed}`)]));
    const entry = mutantCatches('acks-all-on-local-append', [outcome(1, 'safety', 'lost-write', 'x'), outcome(2, 'pass', undefined, 'd2'), outcome(3, 'crash', 'crash', 'y')], baseline);
    expect(entry.caught).toEqual([1, 3]);
    expect(entry.claims).toEqual([{ claim: 'crash', seeds: 1 }, { claim: 'lost-write', seeds: 1 }]);
    expect(entry.violated).toEqual([{ claim: 'lost-write', seeds: [1] }]);
    expect(entry.changedBehaviour).toBe(2);
    expect(entry.baselineFailures).toEqual([]);
    const quiet = mutantCatches('consumer-skips-record-at-position', [1, 2, 3].map((seed) => outcome(seed, 'pass', undefined, `d${seed}`)), baseline);
    const report = mutantsReport([1, 2, 3], [entry, quiet]);
    expect(report.medianCatches).toBe(1);
    expect(report.uncaught).toEqual(['consumer-skips-record-at-position']);
    expect(report.unchanged).toEqual(['consumer-skips-record-at-position']);
  });

  it('takes the median of the middle two for an even count', () => {
    expect(median([])).toBe(0);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 0])).toBe(2);
  });

  it('names the first applicable violated claim, else the verdict', () => {
    const violation = (invariant: string, atMs: number, applies: boolean) => ({ invariant, atMs, applies, message: '' });
    expect(catchingClaim({ verdict: 'pass', violations: [] })).toBeUndefined();
    expect(catchingClaim({ verdict: 'safety', violations: [violation('lost-write', 60_000, true), violation('LogMatching', 5, false), violation('StrongIsr', 10, true)] })).toBe('StrongIsr');
    expect(catchingClaim({ verdict: 'crash', violations: [violation('LogMatching', 5, false)] })).toBe('crash');
  });
});
