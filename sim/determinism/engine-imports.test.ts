import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sourceFiles } from './source-files.ts';

/**
 * The simulator engine knows no Kafka rule: systems (`sim/kafka/`, the self-test `sim/testkit/`)
 * register their claims with it, and the claims (`properties/`) may read the engine's types, never
 * the other way round. This test reads every engine source file and fails on an import of
 * `properties/` or of a system's folder.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const ENGINE = ['sim/core', 'sim/disk', 'sim/invariants', 'sim/nemesis', 'sim/network', 'sim/random', 'sim/conformance'];
/** The run loop, split along its seams: each part is the engine as much as the loop is. */
const RUN_LOOP = ['sim/run/simulation.ts', 'sim/run/simulation-options.ts', 'sim/run/node-host.ts', 'sim/run/fault-records.ts', 'sim/run/run-result-builder.ts'];
const FORBIDDEN = [/from '[./]*\/?properties\//, /from '\.\.\/kafka\//, /from '\.\.\/testkit\//];


describe('the engine imports no claims and no system', () => {
  it('has no import of properties/, sim/kafka/ or sim/testkit/ in its folders, nor in the run loop', () => {
    const offending: string[] = [];
    const files = [...ENGINE.flatMap((folder) => sourceFiles(join(ROOT, folder))), ...RUN_LOOP.map((file) => join(ROOT, file)), join(ROOT, 'sim/run/system.ts')];
    for (const file of files) {
      for (const [index, line] of readFileSync(file, 'utf8').split('\n').entries()) {
        if (FORBIDDEN.some((pattern) => pattern.test(line))) offending.push(`${relative(ROOT, file)}:${index + 1}: ${line.trim()}`);
      }
    }
    expect(files.length).toBeGreaterThan(10);
    expect(offending).toEqual([]);
  });
});
