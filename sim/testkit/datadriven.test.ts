import { describe, expect, it } from 'vitest';
import { DataDrivenError, parseDataDriven } from './datadriven.ts';

// The datadriven file format: its command lines, quoting and errors (issue 14). Every error names
// the file and line; a script is never read as something other than what it says.

function parse(text: string): ReturnType<typeof parseDataDriven> {
  return parseDataDriven('f.txt', text);
}

function args(line: string): Record<string, string> {
  const [testCase] = parse(`${line}\n----\n\n`);
  return Object.fromEntries(testCase?.args ?? []);
}

function error(text: string): string {
  try {
    parse(text);
    return 'no error';
  } catch (thrown) {
    if (thrown instanceof DataDrivenError) return thrown.message;
    throw thrown;
  }
}

describe('datadriven command lines', () => {
  it('split at spaces and tabs into a command and key=value or bare arguments', () => {
    const [testCase] = parse('cmd  a=1\tb  flag c=x=y\n----\nout\n\n');
    expect(testCase?.command).toBe('cmd');
    expect(Object.fromEntries(testCase?.args ?? [])).toEqual({ a: '1', b: '', flag: '', c: 'x=y' });
    expect([...(testCase?.bare ?? [])]).toEqual(['b', 'flag']);
    expect(testCase?.expected).toBe('out');
  });

  it('keep the spaces of a quoted value, and its escaped quotes and backslashes', () => {
    expect(args('produce value="hello world" key=k')).toEqual({ value: 'hello world', key: 'k' });
    expect(args('produce value="  two  spaces  "')).toEqual({ value: '  two  spaces  ' });
    expect(args('produce value="say \\"hi\\" \\\\ bye"')).toEqual({ value: 'say "hi" \\ bye' });
    expect(args('produce value="" key="a=b c"')).toEqual({ value: '', key: 'a=b c' });
    // A quoted empty value is a value, not a bare word.
    expect([...(parse('cmd v=""\n----\n\n')[0]?.bare ?? [])]).toEqual([]);
  });

  it('answer malformed quoting with file:line, never a guess', () => {
    const at4 = (line: string): string => error(`cmd\n----\n\n${line}\n----\n\n`);
    expect(at4('produce value="hello world')).toBe(`f.txt:4: unterminated quote in 'value="hello world'`);
    expect(at4('produce value="hello"world')).toBe(`f.txt:4: text right after a closing quote: 'value="hello"world'`);
    expect(at4('produce value=hel"lo')).toBe(`f.txt:4: stray '"' in 'value=hel"lo': only a whole value may be quoted, as key="a b"`);
    expect(at4('produce "value"=x')).toBe(`f.txt:4: stray '"' in '"value"=x': only a whole value may be quoted, as key="a b"`);
    expect(at4('produce value="a\\nb"')).toBe(`f.txt:4: in a quoted value '\\' may only escape '"' or '\\': 'value="a\\\\n'`);
    expect(at4('produce =x')).toBe(`f.txt:4: '=x' has no argument name before its '='`);
    expect(at4('a=b c')).toBe(`f.txt:4: a command line starts with a command name, not 'a=b c'`);
    expect(at4('produce v=1 v=2')).toBe(`f.txt:4: argument 'v' given twice`);
  });

  it('refuse Windows line ends with the line of the first one', () => {
    expect(error('cmd\n----\nok\n\ncmd x=1\r\n----\n\n')).toBe('f.txt:5: carriage return in the file: save it with \\n line ends');
  });
});
