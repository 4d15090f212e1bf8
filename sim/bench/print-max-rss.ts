/**
 * Preloaded into a child the memory bench starts (`node --import ./sim/bench/print-max-rss.ts`):
 * at exit it writes the process's peak resident set size, as the operating system counts it, as
 * the last line of standard error. Nothing else.
 */
process.on('exit', () => {
  process.stderr.write(`\nmax-rss-kib ${process.resourceUsage().maxRSS}\n`);
});
