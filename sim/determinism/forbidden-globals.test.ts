import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sourceFiles } from './source-files.ts';

/**
 * Node logic, models, the simulator and the claims must be deterministic: they may see time, randomness and
 * I/O only through the injected environment. This test reads every source file under those
 * folders and fails on any use of a global that would let the host machine decide an outcome.
 * Tests themselves are exempt (they may time out, read temp directories...).
 */
const ROOT = join(import.meta.dirname, '..', '..');
const SCANNED = ['impl', 'model', 'sim', 'properties'];

const FORBIDDEN: readonly { pattern: RegExp; why: string }[] = [
  { pattern: /\bDate\.now\b/, why: 'wall-clock time' },
  { pattern: /\bnew Date\s*\(/, why: 'wall-clock time' },
  { pattern: /\bMath\.random\b/, why: 'unseeded randomness' },
  { pattern: /\bsetTimeout\b/, why: 'real timers' },
  { pattern: /\bsetInterval\b/, why: 'real timers' },
  { pattern: /\bsetImmediate\b/, why: 'real timers' },
  { pattern: /\bqueueMicrotask\b/, why: 'real scheduling' },
  { pattern: /\bperformance\.now\b/, why: 'wall-clock time' },
  { pattern: /\bprocess\.hrtime\b/, why: 'wall-clock time' },
  { pattern: /\bcrypto\.random\w*/, why: 'unseeded randomness' },
  { pattern: /\brandom(Int|Bytes|UUID|Fill)\b/, why: 'unseeded randomness (node:crypto)' },
  { pattern: /\bawait\b/, why: 'real asynchrony' },
  { pattern: /\bnew Promise\b/, why: 'real asynchrony' },
  { pattern: /\bprocess\.nextTick\b/, why: 'real scheduling' },
];

/** The benchmark measures wall time by design; it runs the simulator, it is not part of it. */
const EXEMPT = new Set(['sim/bench/wall-clock.ts']);


/** Drops comments and string contents so that prose about `Date.now` does not count. */
function codeOnly(source: string): string {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/.*$/gm, '')
    .replace(/'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"/g, "''");
}

export function findForbidden(source: string): string[] {
  const code = codeOnly(source);
  return FORBIDDEN.filter(({ pattern }) => pattern.test(code)).map(({ pattern, why }) => `${pattern.source} (${why})`);
}

describe('forbidden globals in impl/, model/, sim/, properties/', () => {
  it('the scanner catches each forbidden global and ignores prose', () => {
    expect(findForbidden('const t = Date.now();')).toHaveLength(1);
    expect(findForbidden('const r = Math.random();')).toHaveLength(1);
    expect(findForbidden('setTimeout(() => 0, 5)')).toHaveLength(1);
    expect(findForbidden('import { randomInt } from "node:crypto"; randomInt(3)')).toHaveLength(1);
    expect(findForbidden('async function f() { await g(); }')).toHaveLength(1);
    expect(findForbidden('// Date.now is forbidden\nconst s = "Math.random";')).toHaveLength(0);
  });

  const files = SCANNED.flatMap((folder) => sourceFiles(join(ROOT, folder)));

  it('scans a real tree', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it.each(files.map((file) => [relative(ROOT, file)]))('%s uses none', (file) => {
    if (EXEMPT.has(file)) return;
    expect(findForbidden(readFileSync(join(ROOT, file), 'utf8'))).toEqual([]);
  });
});
