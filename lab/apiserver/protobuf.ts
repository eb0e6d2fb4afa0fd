// SPDX-License-Identifier: Apache-2.0
/**
 * Decoding of the Kubernetes protobuf envelope for the few kinds whose bodies typed Go clients send
 * as protobuf (kubectl's `create namespace|configmap|secret` generators, helm's release Secrets,
 * delete options). Other kinds get 415. Pure.
 * @see k8s.io/apimachinery/pkg/runtime/serializer/protobuf (magic "k8s\0" + runtime.Unknown)
 */

export class ProtoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtoError';
  }
}

type Field =
  | { name: string; type: 'string' | 'bytes' | 'int' | 'bool' | 'time'; repeated?: boolean }
  | { name: string; type: 'map'; values: 'string' | 'bytes' }
  | { name: string; type: 'msg'; msg: Schema; repeated?: boolean };
type Schema = Record<number, Field>;

const OWNER: Schema = { 1: { name: 'kind', type: 'string' }, 3: { name: 'name', type: 'string' }, 4: { name: 'uid', type: 'string' }, 5: { name: 'apiVersion', type: 'string' }, 6: { name: 'controller', type: 'bool' }, 7: { name: 'blockOwnerDeletion', type: 'bool' } };
const META: Schema = {
  1: { name: 'name', type: 'string' }, 2: { name: 'generateName', type: 'string' }, 3: { name: 'namespace', type: 'string' },
  5: { name: 'uid', type: 'string' }, 6: { name: 'resourceVersion', type: 'string' }, 7: { name: 'generation', type: 'int' },
  8: { name: 'creationTimestamp', type: 'time' }, 11: { name: 'labels', type: 'map', values: 'string' }, 12: { name: 'annotations', type: 'map', values: 'string' },
  13: { name: 'ownerReferences', type: 'msg', msg: OWNER, repeated: true }, 14: { name: 'finalizers', type: 'string', repeated: true },
};

/** The kinds understood, by "apiVersion/kind". */
const KINDS: Record<string, Schema> = {
  'v1/Namespace': { 1: { name: 'metadata', type: 'msg', msg: META }, 2: { name: 'spec', type: 'msg', msg: { 1: { name: 'finalizers', type: 'string', repeated: true } } } },
  'v1/ConfigMap': { 1: { name: 'metadata', type: 'msg', msg: META }, 2: { name: 'data', type: 'map', values: 'string' }, 3: { name: 'binaryData', type: 'map', values: 'bytes' }, 4: { name: 'immutable', type: 'bool' } },
  'v1/Secret': { 1: { name: 'metadata', type: 'msg', msg: META }, 2: { name: 'data', type: 'map', values: 'bytes' }, 3: { name: 'type', type: 'string' }, 4: { name: 'stringData', type: 'map', values: 'string' }, 5: { name: 'immutable', type: 'bool' } },
  'v1/DeleteOptions': {
    1: { name: 'gracePeriodSeconds', type: 'int' }, 2: { name: 'preconditions', type: 'msg', msg: { 1: { name: 'uid', type: 'string' }, 2: { name: 'resourceVersion', type: 'string' } } },
    4: { name: 'propagationPolicy', type: 'string' }, 5: { name: 'dryRun', type: 'string', repeated: true },
  },
};

interface Raw { no: number; wire: number; int: bigint; bytes: Uint8Array }

function varint(buf: Uint8Array, at: number): [bigint, number] {
  let v = 0n;
  for (let shift = 0n, i = at; i < buf.length && shift < 70n; i++, shift += 7n) {
    const b = buf[i] ?? 0;
    v |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [v, i + 1];
  }
  throw new ProtoError('truncated varint');
}

function fields(buf: Uint8Array): Raw[] {
  const out: Raw[] = [];
  let at = 0;
  while (at < buf.length) {
    const [key, next] = varint(buf, at);
    at = next;
    const no = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (no === 0) throw new ProtoError('field number 0');
    if (wire === 0) {
      const [v, n] = varint(buf, at);
      out.push({ no, wire, int: v, bytes: new Uint8Array() });
      at = n;
    } else if (wire === 2) {
      const [len, n] = varint(buf, at);
      const end = n + Number(len);
      if (len > BigInt(buf.length) || end > buf.length) throw new ProtoError('length past the end');
      out.push({ no, wire, int: 0n, bytes: buf.subarray(n, end) });
      at = end;
    } else if (wire === 1 || wire === 5) {
      at += wire === 1 ? 8 : 4;
      if (at > buf.length) throw new ProtoError('fixed field past the end');
    } else throw new ProtoError(`unsupported wire type ${wire}`);
  }
  return out;
}

const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

function decodeMsg(buf: Uint8Array, schema: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields(buf)) {
    const def = schema[f.no];
    if (!def) continue;
    const want = def.type === 'int' || def.type === 'bool' ? 0 : 2;
    if (f.wire !== want) throw new ProtoError(`field ${def.name}: wire type ${f.wire}`);
    let v: unknown;
    switch (def.type) {
      case 'string': v = text(f.bytes); break;
      case 'bytes': v = Buffer.from(f.bytes).toString('base64'); break;
      case 'int': v = Number(BigInt.asIntN(64, f.int)); break;
      case 'bool': v = f.int !== 0n; break;
      case 'time': {
        const secs = fields(f.bytes).find((x) => x.no === 1)?.int ?? 0n;
        v = new Date(Number(secs) * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
        break;
      }
      case 'msg': v = decodeMsg(f.bytes, def.msg); break;
      case 'map': {
        const entry = fields(f.bytes);
        const key = entry.find((x) => x.no === 1);
        const val = entry.find((x) => x.no === 2);
        const m = (out[def.name] ?? {}) as Record<string, string>;
        m[key ? text(key.bytes) : ''] = val ? (def.values === 'string' ? text(val.bytes) : Buffer.from(val.bytes).toString('base64')) : '';
        out[def.name] = m;
        continue;
      }
    }
    if ('repeated' in def && def.repeated) out[def.name] = [...((out[def.name] as unknown[]) ?? []), v];
    else out[def.name] = v;
  }
  return out;
}

const MAGIC = [0x6b, 0x38, 0x73, 0x00];

/** Decodes `k8s\0` + runtime.Unknown into the JSON form; throws ProtoError naming what is not understood. */
export function decodeK8sProtobuf(buf: Uint8Array): Record<string, unknown> {
  if (buf.length < 4 || MAGIC.some((b, i) => buf[i] !== b)) throw new ProtoError('missing the "k8s\\0" prefix');
  const unknown = fields(buf.subarray(4));
  const typeMeta = unknown.find((f) => f.no === 1 && f.wire === 2);
  const raw = unknown.find((f) => f.no === 2 && f.wire === 2);
  const tm = typeMeta ? fields(typeMeta.bytes) : [];
  const apiVersion = text(tm.find((f) => f.no === 1)?.bytes ?? new Uint8Array());
  const kind = text(tm.find((f) => f.no === 2)?.bytes ?? new Uint8Array());
  const schema = KINDS[`${apiVersion}/${kind}`] ?? (kind === 'DeleteOptions' ? KINDS['v1/DeleteOptions'] : undefined);
  if (!schema) throw new ProtoError(`protobuf bodies of ${apiVersion} ${kind} are not supported; send JSON`);
  return { apiVersion, kind, ...decodeMsg(raw?.bytes ?? new Uint8Array(), schema) };
}
