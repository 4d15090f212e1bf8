import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AleaRandomStream } from '../random/random-stream.ts';
import { PAGE_BYTES, SimDisk, type SimDiskOptions } from './sim-disk.ts';

// `rewrittenVersion` lets a checker read only the bytes appended to a file since it last looked.
// Its promise: while the value stays the same, every byte read before is still where it was. A
// change in place it missed would let a checker go on trusting bytes that are no longer there, so
// each kind of change in place is tested here, and a property checks the promise after any history.

function disk(options: Partial<Omit<SimDiskOptions, 'clock'>> = {}, seed = 1): SimDisk {
  return new SimDisk({ clock: { nowMs: () => 0 }, random: new AleaRandomStream(seed, 'disk'), ...options });
}

/** Distinct, non-zero bytes. */
function pattern(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, index) => 1 + ((seed * 131 + index * 7) % 255));
}

/** A disk with `f` holding 100 bytes, fsynced unless told otherwise. */
function withFile(options: Partial<Omit<SimDiskOptions, 'clock'>> = {}, synced = true): SimDisk {
  const result = disk(options);
  result.write('f', 0, pattern(100, 1));
  if (synced) result.fsync('f');
  return result;
}

describe('sim disk: rewrittenVersion stays while a file only grows', () => {
  it('appends, writes at or past the end, empty writes, fsync, writeback and a crash leave it', () => {
    const d = withFile({}, false);
    const before = d.rewrittenVersion('f');
    d.append('f', pattern(10, 2));
    d.write('f', d.size('f'), pattern(10, 3));
    d.write('f', d.size('f') + 50, pattern(10, 4));
    d.write('f', 3, new Uint8Array(0));
    d.fsync('f');
    d.append('f', pattern(10, 5));
    d.writeback(1_000_000);
    d.crash();
    expect(d.rewrittenVersion('f')).toBe(before);
    // The disk as a whole changed all along.
    expect(d.version).toBeGreaterThan(before);
  });

  it('a flip on read damages only the reader\'s copy: the file is as it was', () => {
    const d = withFile();
    const before = d.rewrittenVersion('f');
    d.setBitflip({ onReadProbability: 1, onWriteProbability: 0 });
    d.read('f', 0, 100);
    expect(d.rewrittenVersion('f')).toBe(before);
  });

  it('changes to other files leave it', () => {
    const d = withFile();
    const before = d.rewrittenVersion('f');
    d.write('g', 0, pattern(10, 2));
    d.write('g', 0, pattern(10, 3));
    d.truncate('g', 5);
    d.rename('g', 'h');
    d.delete('h');
    expect(d.rewrittenVersion('f')).toBe(before);
  });

  it('a power loss that finds the file synced leaves it', () => {
    const d = withFile();
    d.write('g', 0, pattern(10, 2));
    const before = d.rewrittenVersion('f');
    d.powerLoss();
    expect(d.rewrittenVersion('f')).toBe(before);
  });
});

describe('sim disk: rewrittenVersion moves with every change in place', () => {
  const cases: { name: string; change: (d: SimDisk) => void; options?: Partial<Omit<SimDiskOptions, 'clock'>>; synced?: boolean }[] = [
    { name: 'an overwrite in the middle', change: (d) => d.write('f', 40, pattern(10, 9)) },
    { name: 'an overwrite of the last byte', change: (d) => d.write('f', 99, pattern(1, 9)) },
    { name: 'a write that starts inside and runs past the end', change: (d) => d.write('f', 95, pattern(20, 9)) },
    { name: 'an overwrite with the same bytes', change: (d) => d.write('f', 0, pattern(100, 1)) },
    { name: 'a truncate', change: (d) => d.truncate('f', 60) },
    { name: 'a truncate to its own size', change: (d) => d.truncate('f', 100) },
    {
      name: 'a bit flip stored by an overwrite',
      change: (d) => {
        d.setBitflip({ onReadProbability: 0, onWriteProbability: 1 });
        d.write('f', 10, pattern(10, 9));
      },
    },
    {
      name: 'a bit flip stored by an append',
      change: (d) => {
        d.setBitflip({ onReadProbability: 0, onWriteProbability: 1 });
        d.append('f', pattern(10, 9));
      },
    },
    { name: 'a power loss that drops unsynced appended bytes', change: (d) => d.powerLoss(), synced: false },
    {
      name: 'a power loss that drops an unsynced overwrite',
      change: (d) => {
        d.write('f', 20, pattern(10, 9));
        const afterOverwrite = d.rewrittenVersion('f');
        d.powerLoss();
        expect(d.rewrittenVersion('f')).toBeGreaterThan(afterOverwrite);
      },
    },
    {
      name: 'a power loss that keeps a torn prefix of unsynced bytes',
      change: (d) => {
        d.append('f', pattern(3 * PAGE_BYTES, 9));
        const afterAppend = d.rewrittenVersion('f');
        d.powerLoss();
        expect(d.size('f')).toBeGreaterThan(100);
        expect(d.rewrittenVersion('f')).toBeGreaterThan(afterAppend);
      },
      options: { tornWriteProbability: 1 },
    },
    {
      name: 'a rename onto it',
      change: (d) => {
        d.write('g', 0, pattern(200, 9));
        d.rename('g', 'f');
      },
    },
    {
      name: 'a delete and a new file at the same path',
      change: (d) => {
        d.delete('f');
        d.write('f', 0, pattern(200, 1));
      },
    },
    {
      name: 'a wipe and a new file at the same path',
      change: (d) => {
        d.wipe();
        d.write('f', 0, pattern(200, 1));
      },
    },
  ];
  for (const { name, change, options, synced } of cases) {
    it(name, () => {
      const d = withFile(options, synced);
      const before = d.rewrittenVersion('f');
      change(d);
      expect(d.rewrittenVersion('f')).toBeGreaterThan(before);
      d.checkConsistency();
    });
  }

  it('a rename onto it of a file made before it (whose own value is lower)', () => {
    const d = disk();
    d.write('g', 0, pattern(200, 9));
    d.write('f', 0, pattern(100, 1));
    const before = d.rewrittenVersion('f');
    expect(d.rewrittenVersion('g')).toBeLessThan(before);
    d.rename('g', 'f');
    expect(d.rewrittenVersion('f')).toBeGreaterThan(before);
  });

  it('a flip the disk declines to store (checked flips only, none checked) leaves it', () => {
    const d = withFile({ checkedFlipsOnly: true, flipEscapesChecksums: () => true });
    const before = d.rewrittenVersion('f');
    d.setBitflip({ onReadProbability: 0, onWriteProbability: 1 });
    d.append('f', pattern(10, 9));
    expect(d.rewrittenVersion('f')).toBe(before);
  });

  it('a missing file has none: ENOENT', () => {
    expect(() => disk().rewrittenVersion('f')).toThrow(/no such file/);
  });
});

// ---------------------------------------------------------------------------------------------
// Property: after any history, a path whose rewrittenVersion is what a reader saw still starts
// with the bytes that reader saw.

const PATHS = ['a', 'b'] as const;

type Command =
  | { readonly kind: 'write'; readonly file: number; readonly position: number; readonly length: number; readonly seed: number }
  | { readonly kind: 'append'; readonly file: number; readonly length: number; readonly seed: number }
  | { readonly kind: 'truncate'; readonly file: number; readonly percent: number }
  | { readonly kind: 'fsync'; readonly file: number }
  | { readonly kind: 'writeback' }
  | { readonly kind: 'power-loss' }
  | { readonly kind: 'rename'; readonly from: number; readonly to: number }
  | { readonly kind: 'delete'; readonly file: number }
  | { readonly kind: 'wipe' }
  | { readonly kind: 'bitflip'; readonly onWrite: number }
  | { readonly kind: 'look'; readonly file: number };

const fileIndex = fc.integer({ min: 0, max: PATHS.length - 1 });
const commandArbitrary: fc.Arbitrary<Command> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('write' as const), file: fileIndex, position: fc.integer({ min: 0, max: 2 * PAGE_BYTES }), length: fc.integer({ min: 0, max: PAGE_BYTES + 100 }), seed: fc.integer({ min: 0, max: 1000 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('append' as const), file: fileIndex, length: fc.integer({ min: 0, max: PAGE_BYTES + 100 }), seed: fc.integer({ min: 0, max: 1000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), file: fileIndex, percent: fc.integer({ min: 0, max: 100 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('fsync' as const), file: fileIndex }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'writeback' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'power-loss' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rename' as const), from: fileIndex, to: fileIndex }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), file: fileIndex }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'wipe' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('bitflip' as const), onWrite: fc.constantFrom(0, 0.5, 1) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('look' as const), file: fileIndex }) },
);

function run(d: SimDisk, command: Command, nowMs: { value: number }): void {
  const exists = (path: string): boolean => d.exists(path);
  switch (command.kind) {
    case 'write':
      d.write(PATHS[command.file] as string, command.position, pattern(command.length, command.seed));
      return;
    case 'append':
      d.append(PATHS[command.file] as string, pattern(command.length, command.seed));
      return;
    case 'truncate': {
      const path = PATHS[command.file] as string;
      if (exists(path)) d.truncate(path, Math.floor((d.size(path) * command.percent) / 100));
      return;
    }
    case 'fsync': {
      const path = PATHS[command.file] as string;
      if (exists(path)) d.fsync(path);
      return;
    }
    case 'writeback':
      nowMs.value += 40_000;
      d.writeback(nowMs.value);
      return;
    case 'power-loss':
      d.powerLoss();
      return;
    case 'rename': {
      const from = PATHS[command.from] as string;
      if (exists(from)) d.rename(from, PATHS[command.to] as string);
      return;
    }
    case 'delete': {
      const path = PATHS[command.file] as string;
      if (exists(path)) d.delete(path);
      return;
    }
    case 'wipe':
      d.wipe();
      return;
    case 'bitflip':
      d.setBitflip({ onReadProbability: 0.5, onWriteProbability: command.onWrite });
      return;
    case 'look':
      return;
  }
}

describe('sim disk: rewrittenVersion property', () => {
  it('while a path keeps its value, it starts with the bytes read when the value was seen; values never go back', () => {
    fc.assert(
      fc.property(fc.array(commandArbitrary, { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 1000 }), fc.constantFrom(0, 0.5, 1), (commands, seed, torn) => {
        const nowMs = { value: 0 };
        const d = new SimDisk({ clock: { nowMs: () => nowMs.value }, random: new AleaRandomStream(seed, 'disk'), tornWriteProbability: torn });
        /** Per path: what a reader last read, and the value it saw then. */
        const looks = new Map<string, { bytes: Uint8Array; rewritten: number }>();
        /** Per path: the highest value ever seen there. */
        const highest = new Map<string, number>();
        for (const command of commands) {
          run(d, command, nowMs);
          if (command.kind === 'look') {
            const path = PATHS[command.file] as string;
            if (d.exists(path)) looks.set(path, { bytes: d.peek(path, 0, d.size(path)), rewritten: d.rewrittenVersion(path) });
          }
          for (const path of PATHS) {
            if (!d.exists(path)) continue;
            const rewritten = d.rewrittenVersion(path);
            expect(rewritten).toBeGreaterThanOrEqual(highest.get(path) ?? 0);
            highest.set(path, rewritten);
            const look = looks.get(path);
            if (look === undefined || look.rewritten !== rewritten) continue;
            expect(d.size(path)).toBeGreaterThanOrEqual(look.bytes.length);
            expect(d.peek(path, 0, look.bytes.length)).toEqual(look.bytes);
          }
          d.checkConsistency();
        }
      }),
      { numRuns: 300 },
    );
  });
});
