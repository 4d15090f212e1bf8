import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { simScriptNodeFlags } from './memory-bench.ts';

describe('the memory bench runs bin/sim.ts as npm run sim does', () => {
  it('takes the Node flags of the sim script', () => {
    expect(simScriptNodeFlags('tsx bin/sim.ts')).toEqual([]);
    expect(simScriptNodeFlags('tsx --max-semi-space-size=8 --stack-size=2000 bin/sim.ts')).toEqual(['--max-semi-space-size=8', '--stack-size=2000']);
    expect(() => simScriptNodeFlags('node dist/sim.js')).toThrow(/not "tsx \[node flags\] bin\/sim.ts"/);
    expect(() => simScriptNodeFlags('tsx watch bin/sim.ts')).toThrow(/passes watch, not a Node flag/);
  });

  it('reads the package\'s own sim script, which sets the young generation\'s size', () => {
    const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
    expect(simScriptNodeFlags(packageJson.scripts['sim'] as string)).toContain('--max-semi-space-size=8');
  });
});
