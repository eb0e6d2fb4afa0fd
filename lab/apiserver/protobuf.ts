// SPDX-License-Identifier: Apache-2.0
/**
 * Request bodies in the Kubernetes protobuf encoding (`k8s\0` + runtime.Unknown), as typed Go clients
 * send them (kubectl create/run/expose/auth, helm's release Secrets), decoded with protobufjs from the
 * schema in proto/k8s.proto and turned into the JSON form the rest of the server speaks: Time as
 * RFC 3339, IntOrString and Quantity as their JSON values, bytes as base64, embedded structs inlined,
 * and zero values of non-pointer fields dropped as Go's omitempty drops them. A body with fields the
 * schema does not know is refused rather than stored without them. Pure.
 * @see k8s.io/apimachinery/pkg/runtime/serializer/protobuf
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import protobuf from 'protobufjs';
import { REPO_ROOT } from '../paths.js';

export class ProtoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtoError';
  }
}

/** "apiVersion/kind" -> message name in k8s.proto. */
const KINDS: Record<string, string> = {
  'v1/Namespace': 'Namespace',
  'v1/ConfigMap': 'ConfigMap',
  'v1/Secret': 'Secret',
  'v1/ServiceAccount': 'ServiceAccount',
  'v1/Service': 'Service',
  'v1/Pod': 'Pod',
  'v1/ResourceQuota': 'ResourceQuota',
  'apps/v1/Deployment': 'Deployment',
  'rbac.authorization.k8s.io/v1/Role': 'Role',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'ClusterRole',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'RoleBinding',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'ClusterRoleBinding',
  'authorization.k8s.io/v1/SelfSubjectAccessReview': 'SelfSubjectAccessReview',
  'authorization.k8s.io/v1/SelfSubjectRulesReview': 'SelfSubjectRulesReview',
  'authorization.k8s.io/v1/SubjectAccessReview': 'SubjectAccessReview',
  'authorization.k8s.io/v1/LocalSubjectAccessReview': 'SubjectAccessReview',
  'authentication.k8s.io/v1/SelfSubjectReview': 'SelfSubjectReview',
  'authentication.k8s.io/v1/TokenReview': 'TokenReview',
  'authentication.k8s.io/v1/TokenRequest': 'TokenRequest',
  'policy/v1/Eviction': 'Eviction',
  'policy/v1/PodDisruptionBudget': 'PodDisruptionBudget',
  'scheduling.k8s.io/v1/PriorityClass': 'PriorityClass',
  'coordination.k8s.io/v1/Lease': 'Lease',
};

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);
const SCHEMA = path.join(REPO_ROOT, 'lab/apiserver/proto/k8s.proto');

let root: protobuf.Root | undefined;

function schema(): protobuf.Root {
  if (!root) {
    root = protobuf.parse(fs.readFileSync(SCHEMA, 'utf8'), { keepCase: true }).root;
    root.resolveAll();
  }
  return root;
}

function type(name: string): protobuf.Type {
  return schema().lookupType(`k8s.${name}`);
}

function rfc3339(seconds: number, nanos: number, micro: boolean): string {
  const iso = new Date(seconds * 1000).toISOString().replace(/\.\d+Z$/, '');
  return micro ? `${iso}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z` : `${iso}Z`;
}

const own = (m: object, k: string): boolean => Object.prototype.hasOwnProperty.call(m, k);
/** int64 fields decode as Long objects (or numbers when they fit). */
const num = (v: unknown): number => (typeof v === 'number' ? v : typeof (v as { toNumber?: unknown })?.toNumber === 'function' ? (v as { toNumber(): number }).toNumber() : Number(v));

/** One scalar as JSON, or undefined for a zero value Go would omit. */
function scalar(f: protobuf.Field, v: unknown): unknown {
  const ptr = f.options?.['(ptr)'] === true;
  switch (f.type) {
    case 'string': return v === '' ? undefined : v;
    case 'bytes': return Buffer.from(v as Uint8Array).toString('base64');
    case 'bool': return v || ptr ? v : undefined;
    default: {
      const n = num(v);
      return n !== 0 || ptr ? n : undefined;
    }
  }
}

function value(f: protobuf.Field, v: unknown): unknown {
  return f.resolvedType instanceof protobuf.Type ? message(f.resolvedType, v as protobuf.Message) : scalar(f, v);
}

/** A decoded message as the Kubernetes JSON form; undefined for a zero Time. */
function message(t: protobuf.Type, m: protobuf.Message): unknown {
  const r = m as unknown as Record<string, unknown>;
  switch (t.name) {
    case 'Time':
    case 'MicroTime': {
      const s = own(r, 'seconds') ? num(r.seconds) : 0;
      const n = own(r, 'nanos') ? num(r.nanos) : 0;
      return s === 0 && n === 0 ? undefined : rfc3339(s, n, t.name === 'MicroTime');
    }
    case 'IntOrString': return num(r.type ?? 0) === 1 ? String(r.strVal ?? '') : num(r.intVal ?? 0);
    case 'Quantity': return String(r.string ?? '');
    case 'ExtraValue': return Array.isArray(r.items) ? [...(r.items as string[])] : [];
    case 'FieldsV1': return own(r, 'Raw') ? JSON.parse(Buffer.from(r.Raw as Uint8Array).toString('utf8')) as unknown : {};
    default: break;
  }
  const out: Record<string, unknown> = {};
  for (const f of t.fieldsArray) {
    if (!own(r, f.name)) continue;
    const v = r[f.name];
    let j: unknown;
    if (f.map) {
      const entries = Object.entries(v as Record<string, unknown>);
      // Empty maps and lists are omitted, as Go's omitempty does.
      if (entries.length) j = Object.fromEntries(entries.map(([k, x]) => [k, value(f, x) ?? (f.type === 'string' ? '' : null)]));
    } else if (f.repeated) {
      const items = v as unknown[];
      if (items.length) j = items.map((x) => value(f, x) ?? (f.type === 'string' ? '' : 0));
    } else j = value(f, v);
    if (j === undefined) continue;
    if (f.name.startsWith('inline_')) Object.assign(out, j);
    else out[f.name] = j;
  }
  return out;
}

/** "Message.number" of every field in `buf` that the schema of `t` does not declare, at any depth. */
function unknownFields(t: protobuf.Type, buf: Uint8Array): string[] {
  const out: string[] = [];
  const r = protobuf.Reader.create(buf);
  while (r.pos < r.len) {
    const tag = r.uint32();
    const no = tag >>> 3;
    const wire = tag & 7;
    const f = t.fieldsById[no];
    if (!f) {
      out.push(`${t.name}.${no}`);
      r.skipType(wire);
      continue;
    }
    if (wire !== 2) {
      r.skipType(wire);
      continue;
    }
    const bytes = r.bytes();
    if (f.map) {
      // A map entry: key = 1, value = 2; only message values can hide unknown fields.
      if (f.resolvedType instanceof protobuf.Type) {
        const e = protobuf.Reader.create(bytes);
        while (e.pos < e.len) {
          const et = e.uint32();
          if (et >>> 3 === 2 && (et & 7) === 2) out.push(...unknownFields(f.resolvedType, e.bytes()));
          else e.skipType(et & 7);
        }
      }
    } else if (f.resolvedType instanceof protobuf.Type) out.push(...unknownFields(f.resolvedType, bytes));
  }
  return out;
}

function unknownOf(buf: Uint8Array): { apiVersion: string; kind: string; raw: Uint8Array } {
  if (buf.length < 4 || !MAGIC.equals(Buffer.from(buf.subarray(0, 4)))) throw new ProtoError('missing the "k8s\\0" prefix');
  let u: Record<string, unknown>;
  try {
    u = type('Unknown').decode(buf.subarray(4)) as unknown as Record<string, unknown>;
  } catch (e) {
    throw new ProtoError(`malformed protobuf envelope: ${(e as Error).message}`);
  }
  const tm = (u.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
  return { apiVersion: tm.apiVersion ?? '', kind: tm.kind ?? '', raw: (u.raw as Uint8Array | undefined) ?? new Uint8Array() };
}

/** Decodes a `k8s\0` body into the JSON form; throws ProtoError naming what is not understood. */
export function decodeK8sProtobuf(buf: Uint8Array): Record<string, unknown> {
  const { apiVersion, kind, raw } = unknownOf(buf);
  const name = KINDS[`${apiVersion}/${kind}`] ?? (kind === 'DeleteOptions' ? 'DeleteOptions' : undefined);
  if (!name) throw new ProtoError(`protobuf bodies of ${apiVersion} ${kind} are not supported; send JSON`);
  const t = type(name);
  let m: protobuf.Message;
  try {
    m = t.decode(raw);
  } catch (e) {
    throw new ProtoError(`malformed protobuf ${apiVersion} ${kind}: ${(e as Error).message}`);
  }
  // The decoder skips fields the schema lacks: name them instead of storing the object without them.
  const unknown = unknownFields(t, raw);
  if (unknown.length) throw new ProtoError(`the protobuf ${apiVersion} ${kind} has fields this server does not decode (${unknown.slice(0, 5).join(', ')}); send it as JSON (kubectl create -f, or --dry-run=client -o json | kubectl create -f -)`);
  return { apiVersion, kind, ...(message(t, m) as Record<string, unknown>) };
}

/** Encodes a JSON-form object of a supported kind as a `k8s\0` body (for tests and clients of the lab). */
export function encodeK8sProtobuf(obj: Record<string, unknown>): Uint8Array {
  const apiVersion = String(obj.apiVersion ?? '');
  const kind = String(obj.kind ?? '');
  const name = KINDS[`${apiVersion}/${kind}`] ?? (kind === 'DeleteOptions' ? 'DeleteOptions' : undefined);
  if (!name) throw new ProtoError(`protobuf bodies of ${apiVersion} ${kind} are not supported`);
  const raw = type(name).encode(fromJson(type(name), obj)).finish();
  const env = type('Unknown').encode({ typeMeta: { apiVersion, kind }, raw }).finish();
  return Buffer.concat([MAGIC, env]);
}

/** The JSON form back to a message object (the inverse of message()). */
function fromJson(t: protobuf.Type, j: unknown): Record<string, unknown> {
  const r = (j ?? {}) as Record<string, unknown>;
  switch (t.name) {
    case 'Time':
    case 'MicroTime': {
      const ms = Date.parse(String(j));
      return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
    }
    case 'IntOrString': return typeof j === 'string' ? { type: 1, strVal: j } : { type: 0, intVal: j };
    case 'Quantity': return { string: String(j) };
    case 'ExtraValue': return { items: j };
    case 'FieldsV1': return { Raw: Buffer.from(JSON.stringify(j)) };
    default: break;
  }
  const out: Record<string, unknown> = {};
  const conv = (f: protobuf.Field, v: unknown): unknown => {
    if (f.resolvedType instanceof protobuf.Type) return fromJson(f.resolvedType, v);
    return f.type === 'bytes' ? Buffer.from(String(v), 'base64') : v;
  };
  for (const f of t.fieldsArray) {
    const src = f.name.startsWith('inline_') ? r : r[f.name];
    if (src === undefined) continue;
    if (f.map) out[f.name] = Object.fromEntries(Object.entries(src as Record<string, unknown>).map(([k, v]) => [k, conv(f, v)]));
    else if (f.repeated) out[f.name] = (src as unknown[]).map((v) => conv(f, v));
    else out[f.name] = conv(f, src);
  }
  return out;
}
