#!/usr/bin/env node
import { randomInt } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { main } from '../sim/cli/main.ts';
import { workerSweepPool } from './sweep-pool.ts';

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
