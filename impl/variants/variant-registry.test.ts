import { describe, expect, it } from 'vitest';
import { PROTOCOL_VARIANTS, findVariant, rulesForVariants, variantRegistryProblems, type ProtocolVariant } from './variant-registry.ts';
import { KAFKA_RULES, protocolRules, rulesChangedFromKafka, type ProtocolRules } from './protocol-rules.ts';

const GOOD: ProtocolVariant = {
  name: 'pre-kip-test',
  summary: 'A made-up variant for this test.',
  source: 'KIP-0',
  configOverrides: { 'unclean.leader.election.enable': 'true' },
  rules: { truncateOnNewLeader: 'high-watermark' },
};

describe('PROTOCOL_VARIANTS', () => {
  it('has no problems', () => {
    expect(variantRegistryProblems(PROTOCOL_VARIANTS)).toEqual([]);
  });
});

describe('findVariant', () => {
  it('finds a variant by exact name and nothing else', () => {
    expect(findVariant('pre-kip-test', [GOOD])).toBe(GOOD);
    expect(findVariant('PRE-KIP-TEST', [GOOD])).toBeUndefined();
    expect(findVariant('no-such-variant')).toBeUndefined();
  });
});

describe('variantRegistryProblems', () => {
  it('accepts a well-formed registry', () => {
    expect(variantRegistryProblems([GOOD])).toEqual([]);
  });

  it('reports each kind of problem', () => {
    expect(variantRegistryProblems([GOOD, GOOD])).toEqual(["variant name 'pre-kip-test' is used twice"]);
    expect(variantRegistryProblems([{ ...GOOD, name: 'Pre_KIP' }])).toEqual(["variant name 'Pre_KIP' is not kebab-case"]);
    expect(variantRegistryProblems([{ ...GOOD, summary: ' ' }])).toEqual(["variant 'pre-kip-test' has no summary"]);
    expect(variantRegistryProblems([{ ...GOOD, source: '' }])).toEqual(["variant 'pre-kip-test' has no source (KIP or JIRA)"]);
    expect(variantRegistryProblems([{ ...GOOD, rules: {} }])).toEqual(["variant 'pre-kip-test' changes no protocol rule"]);
    expect(variantRegistryProblems([{ ...GOOD, rules: { truncateOnNewLeader: 'leader-epoch' } }])).toEqual(["variant 'pre-kip-test' changes no protocol rule"]);
    expect(variantRegistryProblems([{ ...GOOD, configOverrides: { 'no.such.key': '1' } }])).toEqual([
      "variant 'pre-kip-test' overrides unknown config key 'no.such.key'",
    ]);
    expect(variantRegistryProblems([{ ...GOOD, configOverrides: { acks: '7' } }])).toEqual([
      "variant 'pre-kip-test': acks must be one of all, 0, 1, -1; got '7'",
    ]);
    expect(variantRegistryProblems([{ ...GOOD, configOverrides: { acks: '-1' } }])).toEqual([
      "variant 'pre-kip-test' sets acks to '-1', not its canonical form 'all'",
    ]);
  });
});

describe('rulesForVariants', () => {
  it("is Kafka's rules without variants, and each variant changes only its own rules", () => {
    expect(rulesForVariants([])).toEqual(KAFKA_RULES);
    for (const variant of PROTOCOL_VARIANTS) {
      const rules = rulesForVariants([variant.name]);
      const changed = (Object.keys(KAFKA_RULES) as (keyof ProtocolRules)[]).filter((key) => rules[key] !== KAFKA_RULES[key]);
      expect([...changed].sort()).toEqual([...rulesChangedFromKafka(variant.rules)].sort());
      expect(changed.length).toBeGreaterThan(0);
    }
  });

  it('gives a frozen record', () => {
    expect(Object.isFrozen(rulesForVariants(['pre-kip-101']))).toBe(true);
  });
});

describe('protocolRules', () => {
  it('refuses two sources that set one rule to different values, and unknown rules', () => {
    expect(() => protocolRules([{ name: 'a', rules: { highWatermarkNeedsMinIsr: false } }, { name: 'b', rules: { highWatermarkNeedsMinIsr: true } }])).toThrow(/a and b set rule highWatermarkNeedsMinIsr/);
    expect(() => protocolRules([{ name: 'a', rules: { noSuchRule: true } as unknown as ProtocolRules }])).toThrow(/unknown rule noSuchRule/);
    expect(protocolRules([{ name: 'a', rules: { highWatermarkNeedsMinIsr: false } }, { name: 'b', rules: { highWatermarkNeedsMinIsr: false } }]).highWatermarkNeedsMinIsr).toBe(false);
  });
});
