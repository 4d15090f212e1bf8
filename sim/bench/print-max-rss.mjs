import { readFileSync } from 'node:fs';

/**
 * Preloaded into a child the memory bench starts (`node --import ./sim/bench/print-max-rss.mjs`; plain JavaScript, as the child runs the bundle `bin/build.mjs` makes, without tsx):
 * at exit it writes the process's peak resident set size as the last line of standard error.
 * On Linux it is `VmHWM` of /proc/self/status, the peak of this program's own memory image:
 * `getrusage`'s maxRSS (`process.resourceUsage().maxRSS`) survives exec, so a child forked from a
 * large parent (the bench, after its profiled runs) reports the parent's size (measured: 311 MiB
 * for a run `/usr/bin/time` puts at 230). Elsewhere it falls back to maxRSS, and says so.
 */
/** @returns {{ kib: number, source: string }} */
function peakKib() {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match !== null) return { kib: Number(match[1]), source: 'VmHWM' };
  } catch {
    // Not Linux: no /proc.
  }
  return { kib: process.resourceUsage().maxRSS, source: 'maxRSS' };
}

process.on('exit', () => {
  const peak = peakKib();
  process.stderr.write(`\nmax-rss-kib ${peak.kib} ${peak.source}\n`);
});
