import { readFileSync } from 'node:fs';
import { bundledBuild } from './build-info.ts';

let version: string | undefined;

/**
 * refka's version, from package.json: read once, when a trace header first asks for it (a run
 * without a trace never reads it). A constant of the build, so it cannot make two runs differ.
 */
export function refkaVersion(): string {
  // A bundle (`bin/build.mjs`) lives elsewhere than its sources: its build says the version.
  if (version === undefined && bundledBuild !== undefined) version = bundledBuild.version;
  if (version === undefined) {
    try {
      const parsed = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
      version = typeof parsed.version === 'string' ? parsed.version : 'unknown';
    } catch {
      version = 'unknown';
    }
  }
  return version;
}
