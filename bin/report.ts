#!/usr/bin/env node
import { reportMain } from '../sim/report/report-main.ts';

process.exitCode = reportMain(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
