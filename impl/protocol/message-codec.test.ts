import { describe, expect, it } from 'vitest';
import { AssertionError } from '../common/assert.ts';
import { ByteReader, ByteWriter, MalformedInput } from '../log/byte-codec.ts';
import { parseVersions, readMessage, writeMessage, type MessageData, type MessageSpec } from './message-codec.ts';

/**
 * Goal: the generic rules of Kafka's generated message code, each on a spec small enough to see
 * why a byte is there. The `__consumer_offsets` vectors in impl/group test the real specs.
 */

const SPEC: MessageSpec = {
  name: 'Example',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    { name: 'id', type: 'int16', versions: '0+' },
    { name: 'label', type: 'string', versions: '0+', nullableVersions: '1+' },
    { name: 'extra', type: 'int32', versions: '1+', default: -1, ignorable: true },
    { name: 'strict', type: 'int8', versions: '1+' },
    { name: 'blob', type: 'bytes', versions: '0+', nullableVersions: '0+' },
  ],
};

function write(data: MessageData, version: number, spec: MessageSpec = SPEC): number[] {
  const writer = new ByteWriter();
  writeMessage(writer, spec, data, version);
  return [...writer.finish()];
}

function read(bytes: readonly number[], version: number, spec: MessageSpec = SPEC): MessageData {
  return readMessage(new ByteReader(Uint8Array.from(bytes)), spec, version);
}

const DATA: MessageData = { id: 7, label: 'ab', extra: 9, strict: 1, blob: Uint8Array.from([5]) };

describe('version strings', () => {
  it('reads "N", "N+", "N-M" and "none" as Kafka writes them, and nothing else', () => {
    expect(parseVersions('3')).toEqual({ lowest: 3, highest: 3 });
    expect(parseVersions('0+')).toEqual({ lowest: 0, highest: 0x7fff });
    expect(parseVersions('0-4')).toEqual({ lowest: 0, highest: 4 });
    const none = parseVersions('none');
    expect(none.lowest).toBeGreaterThan(none.highest);
    expect(() => parseVersions('1+2')).toThrow(AssertionError);
  });
});

describe('fields by version', () => {
  it('writes each field only in its versions, non-flexible then flexible', () => {
    // v1: id int16, label int16-length string, extra int32, strict int8, blob int32-length bytes.
    expect(write(DATA, 1)).toEqual([0, 7, 0, 2, 0x61, 0x62, 0, 0, 0, 9, 1, 0, 0, 0, 1, 5]);
    // v2 (flexible): lengths are unsigned varints of length + 1, then an empty tagged-field count.
    expect(write(DATA, 2)).toEqual([0, 7, 3, 0x61, 0x62, 0, 0, 0, 9, 1, 2, 5, 0]);
  });

  it('drops an ignorable field a version lacks, and reads it back as its default', () => {
    expect(write({ ...DATA, strict: 0 }, 0)).toEqual([0, 7, 0, 2, 0x61, 0x62, 0, 0, 0, 1, 5]);
    expect(read([0, 7, 0, 2, 0x61, 0x62, 0, 0, 0, 1, 5], 0)).toEqual({ ...DATA, extra: -1, strict: 0 });
  });

  it('refuses to drop a non-ignorable field that holds more than its default (UnsupportedVersionException)', () => {
    expect(() => write(DATA, 0)).toThrow(/non-default Example.strict at version 0/);
  });

  it('writes null as -1 (non-flexible) or 0 (flexible), only where the version allows it', () => {
    expect(write({ ...DATA, label: null, blob: null }, 1)).toEqual([0, 7, 0xff, 0xff, 0, 0, 0, 9, 1, 0xff, 0xff, 0xff, 0xff]);
    expect(write({ ...DATA, label: null, blob: null }, 2)).toEqual([0, 7, 0, 0, 0, 0, 9, 1, 0, 0]);
    expect(() => write({ ...DATA, label: null, strict: 0 }, 0)).toThrow(AssertionError);
    expect(() => read([0, 7, 0xff, 0xff, 0, 0, 0, 0], 0)).toThrow(MalformedInput);
    expect(read([0, 7, 0xff, 0xff, 0, 0, 0, 9, 1, 0xff, 0xff, 0xff, 0xff], 1)).toEqual({ ...DATA, label: null, blob: null });
  });

  it('refuses versions the spec does not have, writing (a bug) and reading (malformed)', () => {
    expect(() => write(DATA, 3)).toThrow(AssertionError);
    expect(() => read([0, 7], 3)).toThrow(MalformedInput);
  });
});

describe('strings as Java writes and reads them', () => {
  const STRING_SPEC: MessageSpec = {
    name: 'S',
    validVersions: '0-1',
    flexibleVersions: '1+',
    fields: [{ name: 's', type: 'string', versions: '0+' }],
  };

  it('keeps a leading byte-order mark, as new String(bytes, UTF_8) does', () => {
    const bytes = write({ s: '\uFEFFx' }, 0, STRING_SPEC);
    expect(bytes).toEqual([0, 4, 0xef, 0xbb, 0xbf, 0x78]);
    expect(read(bytes, 0, STRING_SPEC)).toEqual({ s: '\uFEFFx' });
  });

  it('reads malformed UTF-8 as U+FFFD, as Java does', () => {
    expect(read([0, 2, 0x61, 0xff], 0, STRING_SPEC)).toEqual({ s: 'a\uFFFD' });
  });

  it('writes surrogate pairs as four-byte UTF-8 and refuses a lone surrogate', () => {
    expect(write({ s: '\u{1F600}' }, 0, STRING_SPEC)).toEqual([0, 4, 0xf0, 0x9f, 0x98, 0x80]);
    expect(() => write({ s: 'a\ud800' }, 0, STRING_SPEC)).toThrow(AssertionError);
    expect(() => write({ s: '\udc00' }, 0, STRING_SPEC)).toThrow(AssertionError);
  });

  it('limits a string to 0x7fff UTF-8 bytes both ways', () => {
    expect(write({ s: 'x'.repeat(0x7fff) }, 0, STRING_SPEC)).toHaveLength(2 + 0x7fff);
    expect(() => write({ s: 'x'.repeat(0x8000) }, 0, STRING_SPEC)).toThrow(/too long to be serialized/);
    // Flexible: a varint length of 0x8000 (0x8001 encoded) is refused before reading the bytes.
    expect(() => read([0x81, 0x80, 0x02], 1, STRING_SPEC)).toThrow(/invalid length 32768/);
  });
});

describe('arrays of structs and tagged fields', () => {
  const ARRAY_SPEC: MessageSpec = {
    name: 'A',
    validVersions: '0-1',
    flexibleVersions: '1+',
    fields: [{ name: 'items', versions: '0+', type: { structArray: 'Item', fields: [{ name: 'n', type: 'int8', versions: '0+' }] } }],
  };

  it('writes an int32 count (non-flexible) or a varint count + 1 with a tag section per element (flexible)', () => {
    expect(write({ items: [{ n: 1 }, { n: 2 }] }, 0, ARRAY_SPEC)).toEqual([0, 0, 0, 2, 1, 2]);
    expect(write({ items: [{ n: 1 }, { n: 2 }] }, 1, ARRAY_SPEC)).toEqual([3, 1, 0, 2, 0, 0]);
    expect(read([3, 1, 0, 2, 0, 0], 1, ARRAY_SPEC)).toEqual({ items: [{ n: 1 }, { n: 2 }] });
  });

  it('refuses a count larger than the bytes left, and a null array', () => {
    expect(() => read([0x7f, 0xff, 0xff, 0xff, 1], 0, ARRAY_SPEC)).toThrow(MalformedInput);
    expect(() => read([0xff, 0xff, 0xff, 0xff], 0, ARRAY_SPEC)).toThrow(/non-nullable field items/);
  });

  it('skips unknown tagged fields and refuses an absurd tag count', () => {
    // One element (n = 1) carrying tag 9 of two bytes, then the struct's own empty tag section.
    expect(read([2, 1, 1, 9, 2, 0xaa, 0xbb, 0], 1, ARRAY_SPEC)).toEqual({ items: [{ n: 1 }] });
    expect(() => read([1, 0xff, 0xff, 0xff, 0xff, 0x07], 1, ARRAY_SPEC)).toThrow(MalformedInput);
  });
});
