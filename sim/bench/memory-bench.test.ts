import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { simScriptNodeFlags } from './sim-command.ts';

describe('the bench runs the simulator as npm run sim does', () => {
  it('takes the Node flags of the sim script', () => {
    expect(simScriptNodeFlags('node bin/build.mjs && node .build/sim.mjs')).toEqual([]);
    expect(simScriptNodeFlags('node bin/build.mjs && node --max-semi-space-size=8 --stack-size=2000 .build/sim.mjs')).toEqual(['--max-semi-space-size=8', '--stack-size=2000']);
    expect(() => simScriptNodeFlags('tsx --max-semi-space-size=8 bin/sim.ts')).toThrow(/not "node bin\/build.mjs && node \[node flags\] .build\/sim.mjs"/);
    expect(() => simScriptNodeFlags('node .build/sim.mjs')).toThrow(/not "node bin\/build.mjs/);
    expect(() => simScriptNodeFlags('node bin/build.mjs && node inspect .build/sim.mjs')).toThrow(/passes inspect, not a Node flag/);
  });

  it('reads the package\'s own sim script, which sets the young generation\'s size', () => {
    const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
    expect(simScriptNodeFlags(packageJson.scripts['sim'] as string)).toContain('--max-semi-space-size=8');
  });
});
