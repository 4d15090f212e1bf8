import { closeSync, openSync, writeSync } from 'node:fs';
import type { TraceSink } from '../core/trace.ts';

// The files of the command line: a run's trace (`--trace`), for a seed run or a scenario, and
// one-line messages for the file-system errors of any file it reads or writes.

export function openTraceSink(path: string): FileTraceSink | string {
  try {
    return new FileTraceSink(path);
  } catch (error) {
    return fileProblem(path, error);
  }
}

/** One line from a file-system error: the path and the system's reason, such as `EACCES`. */
export function fileProblem(path: string, error: unknown, verb: 'read' | 'write' = 'write'): string {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'error';
  return `cannot ${verb} ${JSON.stringify(path)} (${code})`;
}

/** JSON lines to a file, written in 64 KiB chunks: traces of long runs have millions of lines. */
export class FileTraceSink implements TraceSink {
  private readonly descriptor: number;
  private buffered: string[] = [];
  private bufferedChars = 0;

  constructor(path: string) {
    this.descriptor = openSync(path, 'w');
  }

  write(line: string): void {
    this.buffered.push(line);
    this.bufferedChars += line.length + 1;
    if (this.bufferedChars >= 65_536) this.flush();
  }

  close(): void {
    this.flush();
    closeSync(this.descriptor);
  }

  private flush(): void {
    if (this.buffered.length === 0) return;
    writeSync(this.descriptor, `${this.buffered.join('\n')}\n`);
    this.buffered = [];
    this.bufferedChars = 0;
  }
}
