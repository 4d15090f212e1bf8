import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../impl/common/assert.ts';
import { DiskError } from '../../impl/env/node-environment.ts';
import { AleaRandomStream } from '../random/random-stream.ts';
import { type DiskOperation, SimDisk, type SimDiskOptions } from './sim-disk.ts';

const PAGE = 4096;

interface Harness {
  readonly disk: SimDisk;
  readonly operations: DiskOperation[];
  /** Moves the fake clock. */
  setNow(nowMs: number): void;
}

function harness(options: Partial<Omit<SimDiskOptions, 'clock' | 'onOperation'>> = {}, seed = 1): Harness {
  let nowMs = 0;
  const operations: DiskOperation[] = [];
  const disk = new SimDisk({
    clock: { nowMs: () => nowMs },
    random: new AleaRandomStream(seed, 'disk'),
    onOperation: (operation) => operations.push(operation),
    ...options,
  });
  return {
    disk,
    operations,
    setNow: (value) => {
      nowMs = value;
    },
  };
}

/** Distinct, non-zero bytes, so that a lost write never looks like a zero-filled hole. */
function pattern(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, index) => 1 + ((seed * 131 + index * 7) % 255));
}

function contentOf(disk: SimDisk, path: string): number[] {
  return [...disk.read(path, 0, disk.size(path))];
}

function concat(...parts: Uint8Array[]): number[] {
  return parts.flatMap((part) => [...part]);
}

function differingBits(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let bits = 0;
  for (let index = 0; index < a.length; index++) {
    let diff = (a[index] ?? 0) ^ (b[index] ?? 0);
    while (diff !== 0) {
      bits += diff & 1;
      diff >>= 1;
    }
  }
  return bits;
}

function diskErrorCode(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (error instanceof DiskError) return error.code;
    throw error;
  }
  throw new Error('expected a DiskError');
}

describe('sim disk: page cache and durability', () => {
  it('a write is visible to reads at once and durable only after fsync', () => {
    const { disk, operations } = harness();
    const data = pattern(100, 1);
    disk.write('f', 0, data);
    expect(contentOf(disk, 'f')).toEqual([...data]);
    expect(disk.unsyncedBytes('f')).toBe(100);
    expect(disk.durableSize('f')).toBe(0);
    disk.fsync('f');
    expect(disk.unsyncedBytes('f')).toBe(0);
    expect(disk.durableSize('f')).toBe(100);
    expect(operations).toEqual([
      { type: 'write', path: 'f', position: 0, length: 100 },
      { type: 'fsync', path: 'f', bytes: 100 },
    ]);
  });

  it('a process crash keeps unsynced data: the page cache survives', () => {
    const { disk, operations } = harness();
    disk.append('f', pattern(10, 1));
    disk.crash();
    expect(contentOf(disk, 'f')).toEqual([...pattern(10, 1)]);
    expect(disk.unsyncedBytes()).toBe(10);
    expect(operations.at(-1)).toEqual({ type: 'crash' });
  });

  it('power loss drops unsynced data and keeps fsynced data', () => {
    const { disk, operations } = harness({ tornWriteProbability: 0 });
    const synced = pattern(50, 1);
    disk.append('f', synced);
    disk.fsync('f');
    disk.append('f', pattern(30, 2));
    disk.write('g', 0, pattern(20, 3));
    disk.powerLoss();
    expect(contentOf(disk, 'f')).toEqual([...synced]);
    // The file's creation was journaled; its data was not.
    expect(disk.exists('g')).toBe(true);
    expect(disk.size('g')).toBe(0);
    expect(disk.unsyncedBytes()).toBe(0);
    expect(disk.usedBytes()).toBe(50);
    expect(operations.at(-1)).toEqual({ type: 'power-loss', filesTorn: 0, bytesLost: 50 });
    disk.checkConsistency();
  });

  it('write past the end zero-fills the hole; read past the end returns fewer bytes', () => {
    const { disk } = harness();
    disk.write('f', 3, new Uint8Array([9, 8]));
    expect(contentOf(disk, 'f')).toEqual([0, 0, 0, 9, 8]);
    expect([...disk.read('f', 4, 10)]).toEqual([8]);
    expect(disk.read('f', 5, 10).length).toBe(0);
    expect(disk.read('f', 100, 10).length).toBe(0);
  });

  it('read returns a copy, and a write keeps its own copy of the caller data', () => {
    const { disk } = harness();
    const data = new Uint8Array([1, 2, 3]);
    disk.write('f', 0, data);
    data[0] = 99;
    const read = disk.read('f', 0, 3);
    read[1] = 99;
    expect(contentOf(disk, 'f')).toEqual([1, 2, 3]);
  });

  it('list returns sorted paths under a prefix; delete is durable at once', () => {
    const { disk } = harness();
    for (const path of ['t-1/b', 't-0/z', 't-1/a', 'meta']) disk.write(path, 0, new Uint8Array([1]));
    expect(disk.list('t-1/')).toEqual(['t-1/a', 't-1/b']);
    expect(disk.list()).toEqual(['meta', 't-0/z', 't-1/a', 't-1/b']);
    disk.fsync('meta');
    disk.delete('meta');
    disk.powerLoss();
    expect(disk.exists('meta')).toBe(false);
  });
});

describe('sim disk: truncate', () => {
  it('shrinks both images and clips pending writes', () => {
    const { disk } = harness({ tornWriteProbability: 0 });
    disk.append('f', pattern(100, 1));
    disk.fsync('f');
    disk.append('f', pattern(100, 2));
    disk.truncate('f', 150);
    expect(disk.unsyncedBytes('f')).toBe(50);
    disk.truncate('f', 40);
    expect(disk.unsyncedBytes('f')).toBe(0);
    expect(disk.durableSize('f')).toBe(40);
    disk.powerLoss();
    expect(contentOf(disk, 'f')).toEqual([...pattern(100, 1).subarray(0, 40)]);
  });

  it('the new size is durable even over data that never reached the platter', () => {
    // ext4 journals the truncated size at once: the file keeps it after power loss, over zeros.
    const { disk } = harness({ tornWriteProbability: 0 });
    disk.append('f', pattern(10, 1));
    disk.truncate('f', 5);
    expect(contentOf(disk, 'f')).toEqual([...pattern(10, 1).subarray(0, 5)]);
    disk.powerLoss();
    expect(contentOf(disk, 'f')).toEqual([0, 0, 0, 0, 0]);
  });

  it('refuses to grow a file', () => {
    const { disk } = harness();
    disk.append('f', pattern(10, 1));
    expect(() => disk.truncate('f', 11)).toThrow(AssertionError);
  });
});

describe('sim disk: torn writes', () => {
  it('keeps only the whole 4 KiB pages of the first pending write, and loses later writes', () => {
    const { disk, operations } = harness({ tornWriteProbability: 1 });
    const synced = pattern(100, 1);
    const first = pattern(10_000, 2);
    disk.append('f', synced);
    disk.fsync('f');
    disk.append('f', first); // File positions 100 to 10,100: page boundaries 4096 and 8192 inside.
    disk.append('f', pattern(500, 3));
    disk.powerLoss();
    expect(contentOf(disk, 'f')).toEqual(concat(synced, first.subarray(0, 2 * PAGE - 100)));
    expect(operations.at(-1)).toEqual({ type: 'power-loss', filesTorn: 1, bytesLost: 10_500 - (2 * PAGE - 100) });
    disk.checkConsistency();
  });

  it('keeps nothing of a write that holds no page boundary', () => {
    const { disk, operations } = harness({ tornWriteProbability: 1 });
    disk.write('f', 100, pattern(3_000, 1));
    disk.powerLoss();
    expect(disk.size('f')).toBe(0);
    expect(operations.at(-1)).toEqual({ type: 'power-loss', filesTorn: 0, bytesLost: 3_000 });
  });

  it('tears a page-aligned write strictly inside it: a write ending on a boundary loses its last page', () => {
    const { disk } = harness({ tornWriteProbability: 1 });
    const first = pattern(2 * PAGE, 1);
    disk.write('f', 0, first);
    disk.powerLoss();
    expect(contentOf(disk, 'f')).toEqual([...first.subarray(0, PAGE)]);
  });

  it('never tears with probability 0', () => {
    const { disk } = harness({ tornWriteProbability: 0 });
    disk.write('f', 0, pattern(3 * PAGE, 1));
    disk.powerLoss();
    expect(disk.size('f')).toBe(0);
  });
});

describe('sim disk: rename and the zero-length-file hazard', () => {
  function writeCheckpoint(disk: SimDisk, fsyncTemp: boolean): void {
    disk.write('checkpoint', 0, pattern(40, 1));
    disk.fsync('checkpoint');
    disk.write('checkpoint.tmp', 0, pattern(60, 2));
    if (fsyncTemp) disk.fsync('checkpoint.tmp');
    disk.rename('checkpoint.tmp', 'checkpoint');
  }

  it('an unsynced temp file renamed over another comes back empty after power loss', () => {
    const { disk } = harness({ tornWriteProbability: 0 });
    writeCheckpoint(disk, false);
    expect(contentOf(disk, 'checkpoint')).toEqual([...pattern(60, 2)]);
    expect(disk.unsyncedBytes('checkpoint')).toBe(60);
    disk.powerLoss();
    expect(disk.list()).toEqual(['checkpoint']);
    expect(disk.size('checkpoint')).toBe(0);
  });

  it('a temp file fsynced before the rename keeps its content', () => {
    const { disk } = harness({ tornWriteProbability: 1 });
    writeCheckpoint(disk, true);
    disk.powerLoss();
    expect(disk.list()).toEqual(['checkpoint']);
    expect(contentOf(disk, 'checkpoint')).toEqual([...pattern(60, 2)]);
    expect(disk.usedBytes()).toBe(60);
  });
});

describe('sim disk: writeback', () => {
  it('makes durable only the prefix of writes old enough, in write order', () => {
    const { disk, operations, setNow } = harness({ tornWriteProbability: 0, dirtyExpireMs: 30_000 });
    const writes = [pattern(10, 1), pattern(20, 2), pattern(30, 3)];
    for (const [index, data] of writes.entries()) {
      setNow(index * 20_000);
      disk.append('f', data);
    }
    expect(disk.writeback(49_999)).toBe(10);
    expect(disk.writeback(50_000)).toBe(20);
    expect(disk.durableSize('f')).toBe(30);
    expect(disk.unsyncedBytes('f')).toBe(30);
    expect(operations.filter((operation) => operation.type === 'writeback')).toEqual([
      { type: 'writeback', bytes: 10 },
      { type: 'writeback', bytes: 20 },
    ]);
    disk.powerLoss();
    expect(contentOf(disk, 'f')).toEqual(concat(writes[0]!, writes[1]!));
  });

  it('applies the old-enough prefix of each file independently of the other files', () => {
    const { disk, setNow } = harness({ dirtyExpireMs: 100 });
    disk.append('a', pattern(1, 1));
    setNow(500);
    disk.append('a', pattern(2, 2));
    disk.append('b', pattern(4, 3));
    expect(disk.writeback(300)).toBe(1);
    expect(disk.writeback(300)).toBe(0);
    expect(disk.writeback(600)).toBe(6);
    expect(disk.unsyncedBytes()).toBe(0);
  });
});

describe('sim disk: faults', () => {
  it('a bit flip on read damages only the returned copy', () => {
    const { disk, operations } = harness();
    const data = pattern(64, 1);
    disk.write('f', 0, data);
    expect(disk.hasFaults()).toBe(false);
    disk.setBitflip({ onReadProbability: 1, onWriteProbability: 0 });
    expect(disk.hasFaults()).toBe(true);
    const damaged = disk.read('f', 0, 64);
    expect(differingBits(damaged, data)).toBe(1);
    const flip = operations.at(-1);
    expect(flip?.type).toBe('bitflip');
    if (flip?.type === 'bitflip') expect(flip.on).toBe('read');
    disk.clearFaults();
    expect(disk.hasFaults()).toBe(false);
    expect(contentOf(disk, 'f')).toEqual([...data]);
  });

  it('a read into a caller buffer fills its prefix; a flip on it damages the buffer, and draws as a plain read does', () => {
    const data = pattern(64, 1);
    const plain = harness({}, 7);
    const into = harness({}, 7);
    for (const { disk } of [plain, into]) {
      disk.write('f', 0, data);
      disk.setBitflip({ onReadProbability: 1, onWriteProbability: 0 });
    }
    const buffer = new Uint8Array(100).fill(5);
    const read = into.disk.read('f', 60, 10, buffer);
    expect(read.length).toBe(4);
    expect(read.buffer).toBe(buffer.buffer);
    expect(differingBits(read, data.subarray(60))).toBe(1);
    expect(buffer[4]).toBe(5);
    // The same draws as a read that allocates: a caller may switch without moving any run.
    expect([...read]).toEqual([...plain.disk.read('f', 60, 10)]);
    expect(() => into.disk.read('f', 0, 64, new Uint8Array(8))).toThrow(AssertionError);
    into.disk.clearFaults();
    expect(contentOf(into.disk, 'f')).toEqual([...data]);
  });

  it('a bit flip on write is stored, fsynced and survives power loss', () => {
    const { disk, operations } = harness({ tornWriteProbability: 0 });
    const data = pattern(64, 1);
    disk.setBitflip({ onReadProbability: 0, onWriteProbability: 1 });
    disk.write('f', 0, data);
    disk.clearFaults();
    expect([...data]).toEqual([...pattern(64, 1)]);
    const stored = disk.read('f', 0, 64);
    expect(differingBits(stored, data)).toBe(1);
    const flip = operations.find((operation) => operation.type === 'bitflip');
    expect(flip).toMatchObject({ type: 'bitflip', path: 'f', on: 'write' });
    disk.fsync('f');
    disk.powerLoss();
    expect([...disk.read('f', 0, 64)]).toEqual([...stored]);
  });

  it('ENOSPC: a growing write to a full disk throws and changes nothing', () => {
    const { disk, operations } = harness();
    disk.write('f', 0, pattern(100, 1));
    disk.setCapacityBytes(disk.usedBytes());
    expect(disk.hasFaults()).toBe(true);
    const before = operations.length;
    expect(diskErrorCode(() => disk.append('f', pattern(1, 2)))).toBe('ENOSPC');
    expect(diskErrorCode(() => disk.write('f', 99, pattern(2, 2)))).toBe('ENOSPC');
    expect(diskErrorCode(() => disk.write('g', 0, pattern(1, 2)))).toBe('ENOSPC');
    expect(disk.exists('g')).toBe(false);
    expect(contentOf(disk, 'f')).toEqual([...pattern(100, 1)]);
    expect(disk.unsyncedBytes()).toBe(100);
    expect(operations.length).toBe(before);
    // Overwriting bytes already allocated needs no space.
    disk.write('f', 0, pattern(100, 3));
    disk.clearFaults();
    disk.append('f', pattern(1, 2));
    expect(disk.usedBytes()).toBe(101);
  });

  it('ENOENT for every operation on a missing file', () => {
    const { disk } = harness();
    expect(diskErrorCode(() => disk.read('x', 0, 1))).toBe('ENOENT');
    expect(diskErrorCode(() => disk.size('x'))).toBe('ENOENT');
    expect(diskErrorCode(() => disk.truncate('x', 0))).toBe('ENOENT');
    expect(diskErrorCode(() => disk.delete('x'))).toBe('ENOENT');
    expect(diskErrorCode(() => disk.rename('x', 'y'))).toBe('ENOENT');
    expect(diskErrorCode(() => disk.fsync('x'))).toBe('ENOENT');
    expect(diskErrorCode(() => disk.durableSize('x'))).toBe('ENOENT');
    expect(disk.exists('y')).toBe(false);
  });

  it('bad arguments are caller bugs: AssertionError', () => {
    const { disk } = harness();
    disk.write('f', 0, pattern(10, 1));
    expect(() => disk.read('f', -1, 1)).toThrow(AssertionError);
    expect(() => disk.read('f', 0, 1.5)).toThrow(AssertionError);
    expect(() => disk.write('f', -1, pattern(1, 1))).toThrow(AssertionError);
    expect(() => disk.write('f', 0.5, pattern(1, 1))).toThrow(AssertionError);
    expect(() => disk.truncate('f', -1)).toThrow(AssertionError);
    expect(() => disk.write('', 0, pattern(1, 1))).toThrow(AssertionError);
    expect(() => disk.setBitflip({ onReadProbability: 2, onWriteProbability: 0 })).toThrow(AssertionError);
  });

  it('wipe removes every file, durable or not', () => {
    const { disk, operations } = harness();
    disk.write('a', 0, pattern(10, 1));
    disk.fsync('a');
    disk.write('b', 0, pattern(10, 2));
    disk.wipe();
    expect(disk.list()).toEqual([]);
    expect(disk.usedBytes()).toBe(0);
    disk.powerLoss();
    expect(disk.list()).toEqual([]);
    expect(operations).toContainEqual({ type: 'wipe' });
  });
});

// ---------------------------------------------------------------------------------------------
// Model-based property: the disk against a plain-array model of durable bytes + pending writes.

const PATHS = ['a', 'b', 'c'] as const;
const EXPIRE_MS = 30_000;

type Command =
  | { readonly kind: 'write'; readonly file: number; readonly position: number; readonly length: number; readonly seed: number }
  | { readonly kind: 'append'; readonly file: number; readonly length: number; readonly seed: number }
  | { readonly kind: 'truncate'; readonly file: number; readonly percent: number }
  | { readonly kind: 'fsync'; readonly file: number }
  | { readonly kind: 'tick'; readonly ms: number }
  | { readonly kind: 'writeback' }
  | { readonly kind: 'crash' }
  | { readonly kind: 'power-loss' }
  | { readonly kind: 'rename'; readonly from: number; readonly to: number }
  | { readonly kind: 'delete'; readonly file: number };

const fileIndex = fc.integer({ min: 0, max: PATHS.length - 1 });
const commandArbitrary: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('write' as const), file: fileIndex, position: fc.integer({ min: 0, max: 3 * PAGE }), length: fc.integer({ min: 0, max: 2 * PAGE + 100 }), seed: fc.integer({ min: 0, max: 1000 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('append' as const), file: fileIndex, length: fc.integer({ min: 0, max: 2 * PAGE + 100 }), seed: fc.integer({ min: 0, max: 1000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), file: fileIndex, percent: fc.integer({ min: 0, max: 100 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('fsync' as const), file: fileIndex }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 40_000 }) }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'writeback' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'crash' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'power-loss' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rename' as const), from: fileIndex, to: fileIndex }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), file: fileIndex }) },
);

interface ModelWrite {
  readonly position: number;
  readonly data: number[];
  readonly atMs: number;
}

interface ModelFile {
  durable: number[];
  pending: ModelWrite[];
}

function applyWrite(bytes: number[], position: number, data: readonly number[]): number[] {
  const result = bytes.slice();
  while (result.length < position) result.push(0);
  for (const [index, byte] of data.entries()) result[position + index] = byte;
  return result;
}

function currentOf(file: ModelFile): number[] {
  return file.pending.reduce((bytes, write) => applyWrite(bytes, write.position, write.data), file.durable);
}

/** The largest prefix of a write ending on a page boundary strictly inside it, found by walking pages. */
function tornModelPrefix(write: ModelWrite): number {
  let best = 0;
  for (let boundary = PAGE; boundary < write.position + write.data.length; boundary += PAGE) {
    if (boundary > write.position) best = boundary - write.position;
  }
  return best;
}

class DiskModel {
  readonly files = new Map<string, ModelFile>();
  nowMs = 0;

  write(path: string, position: number, data: number[]): void {
    const file = this.files.get(path) ?? { durable: [], pending: [] };
    this.files.set(path, file);
    if (data.length > 0) file.pending.push({ position, data, atMs: this.nowMs });
  }

  truncate(file: ModelFile, size: number): void {
    file.durable = file.durable.slice(0, size);
    while (file.durable.length < size) file.durable.push(0);
    file.pending = file.pending
      .filter((write) => write.position < size)
      .map((write) => ({ ...write, data: write.data.slice(0, size - write.position) }));
  }

  fsync(file: ModelFile): void {
    file.durable = currentOf(file);
    file.pending = [];
  }

  writeback(): void {
    for (const file of this.files.values()) {
      while (file.pending[0] !== undefined && file.pending[0].atMs <= this.nowMs - EXPIRE_MS) {
        const [first] = file.pending.splice(0, 1);
        file.durable = applyWrite(file.durable, first!.position, first!.data);
      }
    }
  }
}

function runCommand(disk: SimDisk, model: DiskModel, command: Command, setNow: (nowMs: number) => void, tornWriteProbability: number): void {
  switch (command.kind) {
    case 'write':
    case 'append': {
      const path = PATHS[command.file]!;
      const position = command.kind === 'write' ? command.position : (model.files.get(path) ? currentOf(model.files.get(path)!).length : 0);
      const data = pattern(command.length, command.seed);
      disk.write(path, position, data);
      model.write(path, position, [...data]);
      return;
    }
    case 'truncate':
    case 'fsync':
    case 'delete': {
      const path = PATHS[command.file]!;
      const file = model.files.get(path);
      if (file === undefined) {
        expect(diskErrorCode(() => (command.kind === 'truncate' ? disk.truncate(path, 0) : disk[command.kind](path)))).toBe('ENOENT');
        return;
      }
      if (command.kind === 'truncate') {
        const size = Math.floor((currentOf(file).length * command.percent) / 100);
        disk.truncate(path, size);
        model.truncate(file, size);
      } else if (command.kind === 'fsync') {
        disk.fsync(path);
        model.fsync(file);
      } else {
        disk.delete(path);
        model.files.delete(path);
      }
      return;
    }
    case 'rename': {
      const from = PATHS[command.from]!;
      const to = PATHS[command.to]!;
      const file = model.files.get(from);
      if (file === undefined) {
        expect(diskErrorCode(() => disk.rename(from, to))).toBe('ENOENT');
        return;
      }
      disk.rename(from, to);
      model.files.delete(from);
      model.files.set(to, file);
      return;
    }
    case 'tick':
      model.nowMs += command.ms;
      setNow(model.nowMs);
      return;
    case 'writeback':
      disk.writeback(model.nowMs);
      model.writeback();
      return;
    case 'crash':
      disk.crash();
      return;
    case 'power-loss':
      powerLossAgainstModel(disk, model, tornWriteProbability);
      return;
  }
}

/** After power loss a file holds its durable bytes, or those plus the torn prefix: nothing else. */
function powerLossAgainstModel(disk: SimDisk, model: DiskModel, tornWriteProbability: number): void {
  disk.powerLoss();
  for (const [path, file] of model.files) {
    const actual = contentOf(disk, path);
    const first = file.pending[0];
    const prefix = first === undefined ? 0 : tornModelPrefix(first);
    const torn = first === undefined ? file.durable : applyWrite(file.durable, first.position, first.data.slice(0, prefix));
    const tearable = prefix > 0 && tornWriteProbability > 0;
    const mustTear = prefix > 0 && tornWriteProbability === 1;
    const isTorn = tearable && actual.length === torn.length && actual.every((byte, index) => byte === torn[index]);
    if (!isTorn || mustTear) expect(actual).toEqual(mustTear ? torn : file.durable);
    file.durable = actual;
    file.pending = [];
  }
}

function checkAgainstModel(disk: SimDisk, model: DiskModel): void {
  expect(disk.list()).toEqual([...model.files.keys()].sort());
  let unsynced = 0;
  for (const [path, file] of model.files) {
    expect(contentOf(disk, path)).toEqual(currentOf(file));
    const pendingBytes = file.pending.reduce((sum, write) => sum + write.data.length, 0);
    expect(disk.unsyncedBytes(path)).toBe(pendingBytes);
    unsynced += pendingBytes;
  }
  expect(disk.unsyncedBytes()).toBe(unsynced);
  disk.checkConsistency();
}

function runAgainstModel(commands: readonly Command[], tornWriteProbability: number, seed: number): DiskOperation[] {
  const { disk, operations, setNow } = harness({ tornWriteProbability, dirtyExpireMs: EXPIRE_MS }, seed);
  const model = new DiskModel();
  for (const command of commands) {
    runCommand(disk, model, command, setNow, tornWriteProbability);
    checkAgainstModel(disk, model);
  }
  return operations;
}

describe('sim disk: model-based property', () => {
  it('after any history, power loss leaves each file durable, or durable plus a whole-page torn prefix', () => {
    fc.assert(
      fc.property(
        fc.array(commandArbitrary, { maxLength: 40 }),
        fc.constantFrom(0, 0.5, 1),
        fc.integer({ min: 0, max: 1_000_000 }),
        (commands, tornWriteProbability, seed) => {
          const operations = runAgainstModel(commands, tornWriteProbability, seed);
          // The same seed and the same history must give the same operations, tears included.
          expect(runAgainstModel(commands, tornWriteProbability, seed)).toEqual(operations);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('with tearing forced, a torn write is observed; with tearing off, never', () => {
    const history: Command[] = [
      { kind: 'write', file: 0, position: 100, length: 2 * PAGE, seed: 1 },
      { kind: 'power-loss' },
    ];
    const tornCount = (probability: number): number => {
      const operations = runAgainstModel(history, probability, 1);
      const powerLoss = operations.find((operation) => operation.type === 'power-loss');
      return powerLoss?.type === 'power-loss' ? powerLoss.filesTorn : -1;
    };
    expect(tornCount(1)).toBe(1);
    expect(tornCount(0)).toBe(0);
  });
});
