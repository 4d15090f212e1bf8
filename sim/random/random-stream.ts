import seedrandom from 'seedrandom';
import { assert, fail } from '../../impl/common/assert.ts';
import type { RandomStream } from '../../impl/env/node-environment.ts';

/**
 * A named, seeded stream built on seedrandom's Alea generator. The stream's seed is derived from
 * the run seed and the stream's name, so streams are independent of one another: the workload
 * draws the same numbers whether or not the fault scheduler draws any.
 */
export class AleaRandomStream implements RandomStream {
  readonly name: string;
  private readonly generator: seedrandom.PRNG;

  constructor(runSeed: number, name: string) {
    assert(Number.isSafeInteger(runSeed) && runSeed >= 0, `run seed must be a non-negative safe integer, got ${runSeed}`);
    assert(name.length > 0, 'a random stream needs a name');
    this.name = name;
    this.generator = seedrandom.alea(`refka/${runSeed}/${name}`);
  }

  next(): number {
    const value = this.generator();
    // Every draw of the run passes here: the message is built only when the check fails.
    if (!(value >= 0 && value < 1)) fail(`alea returned ${value} outside [0, 1)`);
    return value;
  }

  int(minInclusive: number, maxInclusive: number): number {
    assert(Number.isSafeInteger(minInclusive), `int: min ${minInclusive} is not an integer`);
    assert(Number.isSafeInteger(maxInclusive), `int: max ${maxInclusive} is not an integer`);
    assert(minInclusive <= maxInclusive, `int: empty range [${minInclusive}, ${maxInclusive}]`);
    return minInclusive + Math.floor(this.next() * (maxInclusive - minInclusive + 1));
  }

  chance(probability: number): boolean {
    assert(probability >= 0 && probability <= 1, `chance: probability ${probability} outside [0, 1]`);
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    assert(items.length > 0, 'pick: no items to pick from');
    const item = items[this.int(0, items.length - 1)];
    return item as T;
  }

  exponential(mean: number): number {
    assert(mean > 0, `exponential: mean ${mean} must be positive`);
    // 1 - next() lies in (0, 1], so the logarithm is finite.
    return -mean * Math.log(1 - this.next());
  }
}

/** Hands out one stream per name and refuses to hand the same name out twice. */
export class RandomStreams {
  private readonly issued = new Set<string>();

  constructor(readonly runSeed: number) {}

  stream(name: string): RandomStream {
    assert(!this.issued.has(name), `random stream '${name}' was already issued; share the object instead`);
    this.issued.add(name);
    return new AleaRandomStream(this.runSeed, name);
  }
}
