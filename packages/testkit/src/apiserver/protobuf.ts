/**
 * Decoding of Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`:
 * `k8s\0` + runtime.Unknown{typeMeta, raw}) into the JSON the rest of the fixture uses.
 *
 * Why: kubectl ≥ 1.30's typed clients (`kubectl create namespace|configmap|secret|
 * deployment|serviceaccount|service …`) send protobuf bodies. Only the kinds and fields
 * those commands write are described here (field numbers from k8s.io/api's
 * generated.proto); unknown fields are skipped. Zero values are dropped like Go's
 * `omitempty` does, except for pointer fields (`keep`), where presence matters.
 */
import type { Json, JsonObject } from './json.ts';
import { type Scalar, schema } from './protobuf-schema.ts';
import { unsupportedMediaType } from './status.ts';

class Reader {
  pos = 0;
  readonly buf: Buffer;
  constructor(buf: Buffer) {
    this.buf = buf;
  }
  get done(): boolean {
    return this.pos >= this.buf.length;
  }
  varint(): number {
    let result = 0;
    let shift = 1;
    for (;;) {
      const byte = this.buf[this.pos++];
      if (byte === undefined) throw new Error('truncated varint');
      result += (byte & 0x7f) * shift;
      if (byte < 0x80) return result;
      shift *= 128;
    }
  }
  bytes(): Buffer {
    const length = this.varint();
    const out = this.buf.subarray(this.pos, this.pos + length);
    if (out.length !== length) throw new Error('truncated field');
    this.pos += length;
    return out;
  }
  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 2) this.bytes();
    else if (wireType === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wireType}`);
  }
}

/** Raw fields of one message: field number → list of (wire type, value). */
function fields(buf: Buffer): Map<number, (number | Buffer)[]> {
  const out = new Map<number, (number | Buffer)[]>();
  const r = new Reader(buf);
  while (!r.done) {
    const key = r.varint();
    const number = Math.floor(key / 8);
    const wire = key % 8;
    let value: number | Buffer | undefined;
    if (wire === 0) value = r.varint();
    else if (wire === 2) value = r.bytes();
    else r.skip(wire);
    if (value !== undefined) out.set(number, [...(out.get(number) ?? []), value]);
  }
  return out;
}

function asBuffer(v: number | Buffer | undefined): Buffer {
  return Buffer.isBuffer(v) ? v : Buffer.alloc(0);
}

function asNumber(v: number | Buffer | undefined): number {
  return typeof v === 'number' ? v : 0;
}

function scalar(type: Scalar, v: number | Buffer): Json {
  switch (type) {
    case 'string':
      return asBuffer(v).toString('utf8');
    case 'bytes':
      return asBuffer(v).toString('base64');
    case 'bool':
      return asNumber(v) !== 0;
    case 'int': {
      const n = asNumber(v);
      // Negative int32/int64 values arrive as 10-byte two's complement varints.
      return n >= 2 ** 63 ? n - 2 ** 64 : n;
    }
    case 'time': {
      const seconds = asNumber(fields(asBuffer(v)).get(1)?.[0]);
      return seconds === 0 ? null : `${new Date(seconds * 1000).toISOString().slice(0, 19)}Z`;
    }
    case 'intOrString': {
      const f = fields(asBuffer(v));
      return asNumber(f.get(1)?.[0]) === 1
        ? asBuffer(f.get(3)?.[0]).toString('utf8')
        : asNumber(f.get(2)?.[0]);
    }
    case 'quantity':
      return asBuffer(fields(asBuffer(v)).get(1)?.[0]).toString('utf8');
  }
  return null;
}

function isZero(value: Json): boolean {
  if (value === '' || value === 0 || value === false || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && Object.keys(value).length === 0;
}

function decodeMessage(name: string, buf: Buffer): JsonObject {
  const def = schema[name] ?? {};
  const out: JsonObject = {};
  for (const [number, values] of fields(buf)) {
    const field = def[number];
    if (field === undefined) continue;
    const type = field.type;
    let value: Json;
    if (typeof type === 'string') {
      const decoded = values.map((v) => scalar(type, v));
      value = field.repeated ? decoded : (decoded.at(-1) ?? null);
    } else if ('message' in type) {
      const decoded = values.map((v) => decodeMessage(type.message, asBuffer(v)));
      value = field.repeated ? decoded : (decoded.at(-1) ?? {});
    } else {
      const entries: JsonObject = {};
      for (const entry of values) {
        const f = fields(asBuffer(entry));
        const key = asBuffer(f.get(1)?.[0]).toString('utf8');
        const raw = f.get(2)?.[0] ?? Buffer.alloc(0);
        entries[key] = scalar(type.map, raw);
      }
      value = entries;
    }
    if (!field.keep && isZero(value)) continue;
    out[field.name] = value;
  }
  return out;
}

const magic = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** Decodes a protobuf-encoded object (with its `k8s\0` envelope) into JSON. */
export function decodeProtobufObject(body: Buffer): JsonObject {
  if (body.length < 4 || !body.subarray(0, 4).equals(magic))
    throw unsupportedMediaType('the protobuf body does not start with the k8s\\0 envelope');
  const unknown = fields(body.subarray(4));
  const typeMeta = fields(asBuffer(unknown.get(1)?.[0]));
  const apiVersion = asBuffer(typeMeta.get(1)?.[0]).toString('utf8');
  const kind = asBuffer(typeMeta.get(2)?.[0]).toString('utf8');
  if (schema[kind] === undefined)
    throw unsupportedMediaType(
      `the test API server cannot decode ${apiVersion}/${kind} from protobuf: send application/json instead`,
    );
  return { apiVersion, kind, ...decodeMessage(kind, asBuffer(unknown.get(2)?.[0])) };
}
