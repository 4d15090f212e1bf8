import { readFileSync } from 'node:fs';

let version: string | undefined;

/**
 * refka's version, from package.json: read once, when a trace header first asks for it (a run
 * without a trace never reads it). A constant of the build, so it cannot make two runs differ.
 */
export function refkaVersion(): string {
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
