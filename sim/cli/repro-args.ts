/**
 * The repro line: the arguments, and the copy-paste shell line, that rerun one seed of a
 * {@link SimCommand}. Parsing the arguments back gives the same run, so the line is a contract too.
 */
import { assertIntegerInRange, assertNever } from '../../impl/common/assert.ts';
import { FAULT_KINDS } from '../nemesis/fault-kind.ts';
import type { SimCommand } from './args.ts';
import { SIM_DEFAULTS, SIM_LIMITS, defaultReplicationFactor, formatDuration } from './cli-defaults.ts';

/**
 * The arguments that reproduce `command` for one seed: `--seed` first, then every option whose
 * value is not the default, in a fixed order (the order of the help text), so a run always yields
 * the same line. Output options (--trace, --report, --json) are included, so parsing the line gives
 * back the same command.
 */
export function reproArgs(command: SimCommand, seed: number): string[] {
  assertIntegerInRange(seed, 0, SIM_LIMITS.maxSeed, 'repro seed');
  const args = ['--seed', String(seed)];
  const push = (flag: string, value: string): void => {
    // A value starting with '-' must be attached, or parseArgs takes it for an option.
    if (value.startsWith('-')) {
      args.push(`${flag}=${value}`);
    } else {
      args.push(flag, value);
    }
  };
  if (command.durationMs !== SIM_DEFAULTS.durationMs) {
    push('--duration', formatDuration(command.durationMs));
  }
  if (command.brokers !== SIM_DEFAULTS.brokers) {
    push('--brokers', String(command.brokers));
  }
  if (command.controllers !== SIM_DEFAULTS.controllers) {
    push('--controllers', String(command.controllers));
  }
  if (command.partitions !== SIM_DEFAULTS.partitions) {
    push('--partitions', String(command.partitions));
  }
  if (command.replicationFactor !== defaultReplicationFactor(command.brokers)) {
    push('--replication-factor', String(command.replicationFactor));
  }
  for (const key of Object.keys(command.config).sort()) {
    push('--config', `${key}=${command.config[key] ?? ''}`);
  }
  for (const variant of [...command.variants].sort()) {
    push('--variant', variant);
  }
  if (!command.groups) args.push('--no-groups');
  const faults = command.faults;
  switch (faults.type) {
    case 'swarm':
      break;
    case 'none':
    case 'swarm-beyond':
      push('--faults', faults.type);
      break;
    case 'kinds':
      push('--faults', FAULT_KINDS.filter((kind) => faults.kinds.includes(kind)).join(','));
      break;
    default:
      assertNever(faults, 'fault selection');
  }
  // Output options (--trace, --report, --json, --emit-schedule) are left out on purpose: the line names the run,
  // and rerunning one seed of a sweep must not overwrite the sweep's report.
  return args;
}

/** A copy-paste line that reruns `command` for `seed`, e.g. `npm run sim -- --seed 42 --brokers 5`. */
export function reproCommand(command: SimCommand, seed: number): string {
  return ['npm run sim --', ...reproArgs(command, seed).map(shellQuote)].join(' ');
}

/** POSIX shell quoting: plain words stay bare, anything else goes in single quotes. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) {
    return word;
  }
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
