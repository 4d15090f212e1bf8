#!/usr/bin/env node
import { randomInt } from 'node:crypto';
import { propertiesMain } from '../properties/cluster/properties-cli.ts';

// `npm run properties`: the cluster properties at many runs (properties/cluster/). The host gives
// the entropy for a seed when none is given (printed, so the run can be repeated) and the clock
// for the report; everything else is a function of the seed.
process.exitCode = propertiesMain(process.argv.slice(2), {
  chooseSeed: () => randomInt(-(2 ** 31), 2 ** 31 - 1),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  nowMs: () => performance.now(),
});
