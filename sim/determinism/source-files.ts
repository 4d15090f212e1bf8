import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Every TypeScript source file below `directory`, tests left out, in sorted order: what the
 * source-reading tests (forbidden globals, engine imports) scan. Test tooling: it reads the real
 * file system, so no simulated code may import it.
 */
export function sourceFiles(directory: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(directory).sort()) {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) files.push(...sourceFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) files.push(path);
  }
  return files;
}
