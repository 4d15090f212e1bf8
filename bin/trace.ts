#!/usr/bin/env node
import { traceMain } from '../sim/trace-tool/trace-main.ts';

// `npm run trace -- FILE | head` closes the pipe early: that ends the listing, not in an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

process.exitCode = traceMain(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
