import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSeed } from '../run/run-seed.ts';
import { traceMain } from './trace-main.ts';

const scratch = mkdtempSync(join(tmpdir(), 'refka-trace-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function trace(argv: readonly string[]): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const code = traceMain(argv, { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text) });
  return { code, stdout, stderr };
}

const line = (fields: Record<string, unknown>): string => JSON.stringify({ atMs: 0, kind: 'timer', node: '', peer: '', name: '', value: 0, detail: '', ...fields });

// A small trace with one line of each shape the filters look at.
const SAMPLE = [
  line({ kind: 'header', name: 'refka', detail: 'refka 0.1.0 seed 7: kafka', header: { version: '0.1.0', seed: 7, repro: 'npm run sim -- --seed 7', config: { acks: 'all' }, variants: [] } }),
  line({ atMs: 5, kind: 'send', node: 'producer-0', peer: 'broker-1', name: 'ProduceRequest', value: 1, summary: 't-2 acks=-1 3 records' }),
  line({ atMs: 7, kind: 'deliver', node: 'broker-1', peer: 'producer-0', name: 'ProduceRequest', value: 1, summary: 't-2 acks=-1 3 records' }),
  line({ atMs: 9, kind: 'send', node: 'broker-1', peer: 'broker-0', name: 'FetchResponse', value: 2, summary: 't-20 hw=5 no records' }),
  line({ atMs: 10, kind: 'state', node: 'controller-0', name: 't-2', value: 1, detail: 'leader 1, leader epoch 1, ISR 1,0, ELR none, partition epoch 3' }),
  line({ atMs: 12, kind: 'disk-op', node: 'broker-0', name: 'truncate', detail: '{"path":"kafka-logs/t-2/00000000000000000000.log","size":0}' }),
  line({ atMs: 14, kind: 'transition', node: '0/t-2', name: 'partition-replica', detail: 'BECOME_FOLLOWER -> follower.truncating' }),
  line({ atMs: 20, kind: 'fault', name: 'power-loss', value: 1, detail: 'broker-1' }),
  line({ atMs: 30, kind: 'violation', name: 'IsrHoldsCommitted', value: 30, detail: 't-2: ISR member 0 lacks committed offset 4', subject: { partition: 't-2', offset: 4 }, explanation: ['claim       ...', 'record      t-2 offset 4'] }),
].join('\n');

describe('npm run trace', () => {
  const file = join(scratch, 'sample.jsonl');
  writeFileSync(file, `${SAMPLE}\n`);
  const shown = (argv: readonly string[]): string[] => {
    const { code, stdout, stderr } = trace([file, ...argv]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    return stdout.trimEnd().split('\n');
  };
  /** The kinds of the entry lines shown (the header's lines and explanations left out). */
  const kinds = (argv: readonly string[]): string[] => shown(argv).filter((text) => /^[ \d]{9} ms /.test(text)).map((text) => text.split(/\s+/)[3] as string);

  it('prints every line readably, the header first and a violation with its explanation', () => {
    const lines = shown([]);
    expect(lines.slice(0, 3)).toEqual(['refka 0.1.0 seed 7: kafka', '  repro   npm run sim -- --seed 7', '  config  acks=all']);
    expect(lines).toContain('        5 ms  send       producer-0 -> broker-1       ProduceRequest             t-2 acks=-1 3 records');
    expect(lines).toContain('        7 ms  deliver    broker-1 <- producer-0       ProduceRequest             t-2 acks=-1 3 records');
    expect(lines.slice(-3)).toEqual([
      '       30 ms  violation                               IsrHoldsCommitted          t-2: ISR member 0 lacks committed offset 4',
      '              claim       ...',
      '              record      t-2 offset 4',
    ]);
  });

  it('filters by node, as the node, the other end of a message, or named by a fault', () => {
    expect(kinds(['--node', 'producer-0'])).toEqual(['send', 'deliver']);
    expect(kinds(['--node', 'broker-1', '--from', '10'])).toEqual(['fault']);
    expect(kinds(['--node', 'broker-0,controller-0'])).toEqual(['send', 'state', 'disk-op']);
  });

  it('filters by partition: state lines, summaries, paths, state machines and violations, not t-20', () => {
    expect(kinds(['--partition', 't-2'])).toEqual(['send', 'deliver', 'state', 'disk-op', 'transition', 'violation']);
    expect(kinds(['--partition', 't-20'])).toEqual(['send']);
  });

  it('filters by kind, time window and text, and combines filters', () => {
    expect(kinds(['--kind', 'fault,violation'])).toEqual(['fault', 'violation']);
    expect(shown(['--kind', 'fault'])[0]).toMatch(/^ +20 ms +fault/);
    expect(kinds(['--from', '9', '--to', '14'])).toEqual(['send', 'state', 'disk-op', 'transition']);
    expect(kinds(['--grep', 'hw=5'])).toEqual(['send']);
    expect(kinds(['--partition', 't-2', '--node', 'broker-1', '--to', '10'])).toEqual(['send', 'deliver']);
  });

  it('answers bad input with one line and exit 2: options, a missing file, a malformed line with its number', () => {
    const bad = (argv: readonly string[], message: RegExp, printedBefore = ''): void => {
      const { code, stdout, stderr } = trace(argv);
      expect(code).toBe(2);
      expect(stdout).toBe(printedBefore);
      expect(stderr).toMatch(message);
      expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    };
    bad([], /name the trace file/);
    bad([file, file], /one trace file at a time/);
    bad([file, '--kind', 'sends'], /--kind takes .*got "sends"/);
    bad([file, '--partition', 'broker-1x'], /--partition takes topic-partition names/);
    bad([file, '--from', '3.5'], /--from takes simulated milliseconds, a whole number; got "3.5"/);
    bad([file, '--from', '-3'], /Option '--from' argument is ambiguous/);
    bad([file, '--from', '9', '--to', '3'], /--from 9 is after --to 3/);
    bad([file, '--bogus'], /Unknown option '--bogus'/);
    bad([join(scratch, 'missing.jsonl')], /cannot read .*missing\.jsonl.*\(ENOENT\)/);
    const malformed = join(scratch, 'malformed.jsonl');
    writeFileSync(malformed, `${SAMPLE.split('\n').slice(0, 2).join('\n')}\n{"atMs": 3, "kind": "send"\n`);
    // The listing streams: what came before the malformed line is printed, then the error.
    bad([malformed], /malformed\.jsonl:3: not a trace line \(not JSON\)/, `${trace([file, '--to', '5']).stdout}`);
  });

  it('reads a real run\'s trace, longer than one read, and finds its violation by partition', () => {
    const path = join(scratch, 'run.jsonl');
    const lines: string[] = [];
    runSeed({ seed: 1, durationMs: 60_000, brokers: 3, controllers: 1, faults: { type: 'swarm' }, config: {}, variants: ['pre-kip-101'], groups: false, repro: 'r', traceSink: { write: (text) => void lines.push(text) } });
    writeFileSync(path, `${lines.join('\n')}\n`);
    const all = trace([path]);
    expect(all.code).toBe(0);
    expect(all.stdout.split('\n').filter((text) => /^[ \d]{9} ms /.test(text))).toHaveLength(lines.length - 1);
    // Re-pinned when KIP-853 moved the run (the metadata log holds the VotersRecord), and when
    // brokers began refusing clients until first unfenced (2026-12-03).
    const violations = trace([path, '--partition', 't-2', '--kind', 'violation']);
    expect(violations.stdout).toMatch(/^ +14775 ms +violation +IsrHoldsCommitted +t-2: ISR member 1 lacks committed offset 348/m);
    expect(violations.stdout).toContain('record      t-2 offset 348');
  });
});
