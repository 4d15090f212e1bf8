import { assert, assertIntegerInRange, assertNever, fail } from '../common/assert.ts';
import { ByteReader, ByteWriter, MalformedInput } from '../log/byte-codec.ts';

/**
 * A small schema-driven codec for Kafka's generated message format: the bytes that the classes
 * Kafka generates from its `*.json` message specs (`generator/.../MessageDataGenerator.java`)
 * write and read. refka's specs are transcriptions of those JSON files, field for field and with
 * the same version strings, so that a reader can hold one beside the other; the rules below are
 * the generator's.
 *
 * - A field is on the wire only in its `versions`. Writing a version without it drops the value
 *   if the field is `ignorable`, and is refused if the value is not the field's default (Kafka
 *   throws `UnsupportedVersionException`); reading such a version yields the default.
 * - Non-flexible versions: strings are an int16 length then UTF-8 bytes (-1 for null), bytes an
 *   int32 length (-1 for null), arrays an int32 count (-1 for null).
 * - Flexible versions (KIP-482): the same with unsigned-varint lengths holding length + 1 (0 for
 *   null), and every struct ends with its tagged fields: a count, then (tag, size, bytes) each.
 * - A string longer than 0x7fff UTF-8 bytes is refused both ways; a null where the version does
 *   not allow one is malformed.
 *
 * Supported: the field types the `__consumer_offsets` records use (int8/16/32/64, string, bytes,
 * arrays of structs). Not supported, because no spec refka transcribes needs them yet: declared
 * tagged fields, nullable structs, arrays of scalars, uuid, float64, records. Unknown tagged fields
 * in a flexible struct are skipped on read and not written back (Kafka keeps them in
 * `_unknownTaggedFields`); no Kafka release defines tags on the records refka reads.
 */

/** A version range as Kafka's JSON writes it: `"0+"`, `"3"`, `"0-1"`, or `"none"`. */
export interface Versions {
  readonly lowest: number;
  readonly highest: number;
}

/** Kafka's versions are int16; `"N+"` reaches `Short.MAX_VALUE`. */
const VERSION_MAX = 0x7fff;
const STRING_BYTES_MAX = 0x7fff;

export function parseVersions(text: string): Versions {
  if (text === 'none') return { lowest: 1, highest: 0 };
  const plus = /^(\d+)\+$/.exec(text);
  if (plus !== null) return { lowest: Number(plus[1]), highest: VERSION_MAX };
  const range = /^(\d+)-(\d+)$/.exec(text);
  if (range !== null) return { lowest: Number(range[1]), highest: Number(range[2]) };
  const single = /^(\d+)$/.exec(text);
  if (single !== null) return { lowest: Number(single[1]), highest: Number(single[1]) };
  return fail(`version range '${text}' is not one of "N", "N+", "N-M", "none"`);
}

export function versionsContain(versions: Versions, version: number): boolean {
  return version >= versions.lowest && version <= versions.highest;
}

export type ScalarType = 'int8' | 'int16' | 'int32' | 'int64' | 'string' | 'bytes';

/** A field as the JSON spec declares it; `type` of an array of structs names the struct's fields. */
export interface FieldSpec {
  readonly name: string;
  readonly type: ScalarType | { readonly structArray: string; readonly fields: readonly FieldSpec[] };
  readonly versions: string;
  readonly nullableVersions?: string;
  /** The JSON's `default`; `"null"` for a nullable string is written here as `null`. */
  readonly default?: number | string | null;
  readonly ignorable?: boolean;
}

export interface MessageSpec {
  readonly name: string;
  readonly validVersions: string;
  readonly flexibleVersions: string;
  readonly fields: readonly FieldSpec[];
}

export type FieldValue = number | string | null | Uint8Array | readonly MessageData[];
export interface MessageData {
  readonly [field: string]: FieldValue;
}

/** Limits that keep a malformed length from allocating or looping without bound. */
const ARRAY_ELEMENTS_MAX = 1_000_000;
const TAGGED_FIELDS_MAX = 10_000;

const UTF8_ENCODER = new TextEncoder();
/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// `ignoreBOM: true` keeps a leading U+FEFF as Java's `new String(bytes, UTF_8)` does; malformed
// bytes become U+FFFD in both.
const UTF8_DECODER = new TextDecoder('utf-8', { ignoreBOM: true });

/** The default Kafka's generator gives a field that the spec leaves without one. */
export function defaultValue(field: FieldSpec): FieldValue {
  if (field.default !== undefined) return field.default;
  if (typeof field.type !== 'string') return [];
  switch (field.type) {
    case 'int8':
    case 'int16':
    case 'int32':
    case 'int64':
      return 0;
    case 'string':
      return '';
    case 'bytes':
      return new Uint8Array(0);
    default:
      return assertNever(field.type, 'field type');
  }
}

/** Writes `data` as version `version` of `spec`. Programming errors (a wrong type, a null where none is allowed) are assertions. */
export function writeMessage(writer: ByteWriter, spec: MessageSpec, data: MessageData, version: number): void {
  assert(versionsContain(parseVersions(spec.validVersions), version), `${spec.name} has no version ${version}`);
  const flexible = versionsContain(parseVersions(spec.flexibleVersions), version);
  writeStruct(writer, spec.name, spec.fields, data, version, flexible);
}

/** Reads version `version` of `spec`; throws {@link MalformedInput} on bytes Kafka would refuse. */
export function readMessage(reader: ByteReader, spec: MessageSpec, version: number): MessageData {
  if (!versionsContain(parseVersions(spec.validVersions), version)) {
    throw new MalformedInput(`${spec.name} has no version ${version}`);
  }
  const flexible = versionsContain(parseVersions(spec.flexibleVersions), version);
  return readStruct(reader, spec.fields, version, flexible);
}

function writeStruct(
  writer: ByteWriter,
  owner: string,
  fields: readonly FieldSpec[],
  data: MessageData,
  version: number,
  flexible: boolean,
): void {
  for (const field of fields) {
    const value = data[field.name];
    assert(value !== undefined, `${owner}.${field.name} is missing`);
    if (versionsContain(parseVersions(field.versions), version)) {
      writeField(writer, field, value, version, flexible);
    } else if (field.ignorable !== true) {
      assert(sameValue(value, defaultValue(field)), `cannot write a non-default ${owner}.${field.name} at version ${version}`);
    }
  }
  // refka declares no tagged fields and keeps no unknown ones: the count is always zero.
  if (flexible) writer.unsignedVarint(0);
}

function readStruct(reader: ByteReader, fields: readonly FieldSpec[], version: number, flexible: boolean): MessageData {
  const data: Record<string, FieldValue> = {};
  for (const field of fields) {
    data[field.name] = versionsContain(parseVersions(field.versions), version)
      ? readField(reader, field, version, flexible)
      : defaultValue(field);
  }
  if (flexible) skipTaggedFields(reader);
  return data;
}

function nullable(field: FieldSpec, version: number): boolean {
  return field.nullableVersions !== undefined && versionsContain(parseVersions(field.nullableVersions), version);
}

function writeField(writer: ByteWriter, field: FieldSpec, value: FieldValue, version: number, flexible: boolean): void {
  if (value === null) {
    assert(nullable(field, version), `${field.name} is not nullable at version ${version}`);
    if (flexible) writer.unsignedVarint(0);
    else if (field.type === 'string') writer.int16(-1);
    else writer.int32(-1);
    return;
  }
  const type = field.type;
  if (typeof type !== 'string') {
    assert(Array.isArray(value), `${field.name} must be an array`);
    const elements = value as readonly MessageData[];
    assert(elements.length <= ARRAY_ELEMENTS_MAX, `${field.name} has ${elements.length} elements`);
    writeLength(writer, elements.length, flexible, 'int32');
    for (const element of elements) writeStruct(writer, type.structArray, type.fields, element, version, flexible);
    return;
  }
  switch (type) {
    case 'int8':
    case 'int16':
    case 'int32':
    case 'int64':
      writeInteger(writer, field.name, type, value);
      return;
    case 'string': {
      assert(typeof value === 'string', `${field.name} must be a string`);
      // A lone surrogate has no UTF-8 form; Java would write '?' and TextEncoder U+FFFD, so
      // refka writes none at all.
      assert(!LONE_SURROGATE.test(value), `${field.name} is not well-formed UTF-16`);
      const bytes = UTF8_ENCODER.encode(value);
      assert(bytes.length <= STRING_BYTES_MAX, `'${field.name}' field is too long to be serialized`);
      writeLength(writer, bytes.length, flexible, 'int16');
      writer.bytes(bytes);
      return;
    }
    case 'bytes':
      assert(value instanceof Uint8Array, `${field.name} must be bytes`);
      writeLength(writer, value.length, flexible, 'int32');
      writer.bytes(value);
      return;
    default:
      assertNever(type, 'field type');
  }
}

function writeInteger(writer: ByteWriter, name: string, type: 'int8' | 'int16' | 'int32' | 'int64', value: FieldValue): void {
  assert(typeof value === 'number', `${name} must be a number`);
  switch (type) {
    case 'int8':
      assertIntegerInRange(value, -0x80, 0x7f, name);
      writer.int8(value);
      return;
    case 'int16':
      assertIntegerInRange(value, -0x8000, 0x7fff, name);
      writer.int16(value);
      return;
    case 'int32':
      assertIntegerInRange(value, -(2 ** 31), 2 ** 31 - 1, name);
      writer.int32(value);
      return;
    case 'int64':
      writer.int64(value);
      return;
    default:
      assertNever(type, 'integer type');
  }
}

function writeLength(writer: ByteWriter, length: number, flexible: boolean, fixedWidth: 'int16' | 'int32'): void {
  if (flexible) writer.unsignedVarint(length + 1);
  else if (fixedWidth === 'int16') writer.int16(length);
  else writer.int32(length);
}

/** The length field as Kafka reads it: negative means null. Flexible: `readUnsignedVarint() - 1` in int arithmetic. */
function readLength(reader: ByteReader, flexible: boolean, fixedWidth: 'int16' | 'int32'): number {
  if (flexible) return (reader.unsignedVarint() - 1) | 0;
  return fixedWidth === 'int16' ? reader.int16() : reader.int32();
}

function readField(reader: ByteReader, field: FieldSpec, version: number, flexible: boolean): FieldValue {
  const type = field.type;
  if (type === 'int8') return reader.int8();
  if (type === 'int16') return reader.int16();
  if (type === 'int32') return reader.int32();
  if (type === 'int64') return reader.int64();
  const length = readLength(reader, flexible, type === 'string' ? 'int16' : 'int32');
  if (length < 0) {
    if (!nullable(field, version)) throw new MalformedInput(`non-nullable field ${field.name} was serialized as null`);
    return null;
  }
  if (type === 'string') {
    if (length > STRING_BYTES_MAX) throw new MalformedInput(`string field ${field.name} had invalid length ${length}`);
    return UTF8_DECODER.decode(reader.bytes(length));
  }
  if (type === 'bytes') return reader.bytes(length);
  // An element takes at least one byte, so a count beyond the bytes left cannot be honest.
  if (length > reader.remaining || length > ARRAY_ELEMENTS_MAX) {
    throw new MalformedInput(`array field ${field.name} claims ${length} elements with ${reader.remaining} bytes left`);
  }
  const elements: MessageData[] = [];
  for (let index = 0; index < length; index++) elements.push(readStruct(reader, type.fields, version, flexible));
  return elements;
}

function skipTaggedFields(reader: ByteReader): void {
  const count = reader.unsignedVarint();
  if (count < 0 || count > TAGGED_FIELDS_MAX) throw new MalformedInput(`${count} tagged fields`);
  for (let index = 0; index < count; index++) {
    reader.unsignedVarint();
    const size = reader.unsignedVarint();
    if (size < 0) throw new MalformedInput(`tagged field of size ${size}`);
    reader.bytes(size);
  }
}

function sameValue(a: FieldValue, b: FieldValue): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) return a.length === b.length && a.every((byte, i) => byte === b[i]);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === 0 && b.length === 0;
  return a === b;
}
