#!/usr/bin/env node
import { randomInt } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { main } from '../sim/cli/main.ts';
import { workerSweepPool } from './sweep-pool.ts';

// V8 lets a heap grow to about four times what survived its last full collection before it
// collects again; a long run's RSS was mostly that slack (issue 12: a 600 s run peaked at 390 MB
// with 76 MB live). A factor of 1.5 keeps it near what the run holds (236 MB), for a few percent
// more time in the collector (spec/simulator.md, "History checks and memory"). Set before any
// worker starts: flags are the process's, so sweep workers run with it too.
setFlagsFromString('--heap-growing-percent=50');

// The one place refka draws entropy: choosing a seed when the user gave none. Everything after
// this line is a function of that seed, and the seed is printed so the run can be replayed.
// It lives outside sim/ so that the deterministic core never touches a random source.
void Promise.resolve(main(process.argv.slice(2), {
  chooseSeed: () => randomInt(0, 2 ** 31),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stderrIsTty: process.stderr.isTTY === true,
  cores: availableParallelism(),
  pool: workerSweepPool,
})).then((code) => {
  process.exitCode = code;
});
