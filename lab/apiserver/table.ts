// SPDX-License-Identifier: Apache-2.0
/** Server-side printing: `meta.k8s.io/v1 Table` as kubectl asks for it. Pure. */
import { evalPath } from './jsonpath.js';
import { humanAge } from './names.js';
import type { PrinterColumn, ResourceType } from './resources.js';
import { isRecord, type KObject } from './types.js';

type Cell = string | number | boolean | null;
interface Column { name: string; type: string; format: string; description: string; priority: number }
interface Printer { columns: Column[]; row(o: KObject, now: number): Cell[] }

const col = (name: string, priority = 0, type = 'string', format = ''): Column => ({ name, type, format, description: name, priority });
const rec = (v: unknown): Record<string, unknown> => (isRecord(v) ? v : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown, dflt = '<none>'): string => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : dflt);
const age = (o: KObject, now: number): string => humanAge(o.metadata.creationTimestamp, now);
const name = col('Name', 0, 'string', 'name');
const ageCol = col('Age');

function servicePorts(spec: Record<string, unknown>): string {
  const ports = arr(spec.ports).map((p) => {
    const r = rec(p);
    return `${String(r.port)}${r.nodePort ? `:${String(r.nodePort)}` : ''}/${str(r.protocol, 'TCP')}`;
  });
  return ports.length ? ports.join(',') : '<none>';
}

function externalIps(o: KObject): string {
  const spec = rec(o.spec);
  const ips = [...arr(spec.externalIPs).map(String), ...arr(rec(rec(o.status).loadBalancer).ingress).map((i) => str(rec(i).ip, str(rec(i).hostname, '')))].filter(Boolean);
  if (ips.length) return ips.join(',');
  if (spec.type === 'LoadBalancer') return '<pending>';
  if (spec.type === 'ExternalName') return str(spec.externalName);
  return '<none>';
}

function selector(v: unknown): string {
  const m = rec(v);
  const labels = isRecord(m.matchLabels) ? m.matchLabels : m;
  const parts = Object.entries(labels).filter(([, x]) => typeof x === 'string').map(([k, x]) => `${k}=${String(x)}`);
  return parts.length ? parts.join(',') : '<none>';
}

const BUILTIN: Record<string, Printer> = {
  namespaces: { columns: [name, col('Status'), ageCol], row: (o, now) => [o.metadata.name ?? '', str(rec(o.status).phase, ''), age(o, now)] },
  nodes: {
    columns: [name, col('Status'), col('Roles'), ageCol, col('Version'), col('Internal-IP', 1), col('External-IP', 1)],
    row: (o, now) => {
      const ready = arr(rec(o.status).conditions).map(rec).find((c) => c.type === 'Ready');
      const roles = Object.keys(o.metadata.labels ?? {}).filter((k) => k.startsWith('node-role.kubernetes.io/')).map((k) => k.split('/')[1]);
      const addr = (type: string) => str(arr(rec(o.status).addresses).map(rec).find((a) => a.type === type)?.address);
      return [o.metadata.name ?? '', ready?.status === 'True' ? 'Ready' : 'NotReady', roles.join(',') || '<none>', age(o, now), str(rec(rec(o.status).nodeInfo).kubeletVersion, ''), addr('InternalIP'), addr('ExternalIP')];
    },
  },
  services: {
    columns: [name, col('Type'), col('Cluster-IP'), col('External-IP'), col('Port(s)'), ageCol, col('Selector', 1)],
    row: (o, now) => {
      const spec = rec(o.spec);
      return [o.metadata.name ?? '', str(spec.type, 'ClusterIP'), str(spec.clusterIP), externalIps(o), servicePorts(spec), age(o, now), selector(spec.selector)];
    },
  },
  pods: {
    columns: [name, col('Ready'), col('Status'), col('Restarts', 0, 'string'), ageCol, col('IP', 1), col('Node', 1)],
    row: (o, now) => {
      const st = rec(o.status);
      const cs = arr(st.containerStatuses).map(rec);
      const total = arr(rec(o.spec).containers).length;
      const restarts = cs.reduce((n, c) => n + (typeof c.restartCount === 'number' ? c.restartCount : 0), 0);
      // As kubectl's printer: a waiting or terminated container's reason stands for the phase.
      const reason = cs.map((c) => str(rec(rec(c.state).waiting).reason, '') || str(rec(rec(c.state).terminated).reason, '')).find(Boolean);
      const status = o.metadata.deletionTimestamp ? 'Terminating' : reason ?? str(st.reason, '');
      return [o.metadata.name ?? '', `${cs.filter((c) => c.ready === true).length}/${total}`, status || str(st.phase, 'Pending'), String(restarts), age(o, now), str(st.podIP), str(rec(o.spec).nodeName)];
    },
  },
  configmaps: { columns: [name, col('Data', 0, 'integer'), ageCol], row: (o, now) => [o.metadata.name ?? '', Object.keys(rec(o.data)).length + Object.keys(rec(o.binaryData)).length, age(o, now)] },
  secrets: { columns: [name, col('Type'), col('Data', 0, 'integer'), ageCol], row: (o, now) => [o.metadata.name ?? '', str(o.type, 'Opaque'), Object.keys(rec(o.data)).length, age(o, now)] },
  endpoints: {
    columns: [name, col('Endpoints'), ageCol],
    row: (o, now) => {
      const eps = arr(o.subsets).flatMap((s) => arr(rec(s).addresses).flatMap((a) => arr(rec(s).ports).map((p) => `${String(rec(a).ip)}:${String(rec(p).port)}`)));
      return [o.metadata.name ?? '', eps.join(',') || '<none>', age(o, now)];
    },
  },
  deployments: {
    columns: [name, col('Ready'), col('Up-to-date', 0, 'integer'), col('Available', 0, 'integer'), ageCol, col('Selector', 1)],
    row: (o, now) => {
      const st = rec(o.status);
      const n = (v: unknown) => (typeof v === 'number' ? v : 0);
      return [o.metadata.name ?? '', `${n(st.readyReplicas)}/${n(rec(o.spec).replicas ?? 1)}`, n(st.updatedReplicas), n(st.availableReplicas), age(o, now), selector(rec(o.spec).selector)];
    },
  },
  daemonsets: {
    columns: [name, col('Desired', 0, 'integer'), col('Current', 0, 'integer'), col('Ready', 0, 'integer'), col('Up-to-date', 0, 'integer'), col('Available', 0, 'integer'), col('Node Selector'), ageCol],
    row: (o, now) => {
      const st = rec(o.status);
      const n = (v: unknown) => (typeof v === 'number' ? v : 0);
      const ns = selector(rec(rec(rec(o.spec).template).spec).nodeSelector);
      return [o.metadata.name ?? '', n(st.desiredNumberScheduled), n(st.currentNumberScheduled), n(st.numberReady), n(st.updatedNumberScheduled), n(st.numberAvailable), ns, age(o, now)];
    },
  },
  events: {
    columns: [col('Last Seen'), col('Type'), col('Reason'), col('Object'), col('Message')],
    row: (o, now) => {
      const io = rec(o.involvedObject ?? o.regarding);
      const last = str(o.lastTimestamp ?? o.eventTime ?? o.metadata.creationTimestamp, '');
      return [humanAge(last || undefined, now), str(o.type, ''), str(o.reason, ''), `${String(io.kind ?? '').toLowerCase()}/${String(io.name ?? '')}`, str(o.message ?? o.note, '')];
    },
  },
  leases: { columns: [name, col('Holder'), ageCol], row: (o, now) => [o.metadata.name ?? '', str(rec(o.spec).holderIdentity, ''), age(o, now)] },
  customresourcedefinitions: { columns: [name, col('Created At', 0, 'date')], row: (o) => [o.metadata.name ?? '', o.metadata.creationTimestamp ?? ''] },
};

function crdPrinter(cols: PrinterColumn[]): Printer {
  if (cols.length === 0) return { columns: [name, ageCol], row: (o, now) => [o.metadata.name ?? '', age(o, now)] };
  return {
    columns: [name, ...cols.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: c.description ?? '', priority: c.priority ?? 0 }))],
    row: (o, now) => [o.metadata.name ?? '', ...cols.map((c) => {
      const vals = evalPath(o, c.jsonPath);
      if (vals.length === 0) return null;
      const v = vals[0];
      if (c.type === 'date' && typeof v === 'string') return humanAge(v, now);
      if (c.type === 'integer' || c.type === 'number' || c.type === 'boolean') return v as Cell;
      return vals.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(',');
    })],
  };
}

function printerFor(t: ResourceType, version: string): Printer {
  if (t.crd !== undefined) return crdPrinter(t.columns?.[version] ?? []);
  return BUILTIN[t.resource] ?? { columns: [name, ageCol], row: (o, now) => [o.metadata.name ?? '', age(o, now)] };
}

export interface TableOptions {
  now: number;
  /** "None", "Metadata" (default) or "Object": what each row carries. */
  includeObject?: string;
  /** Leave out columnDefinitions (later events of a watch). */
  noHeaders?: boolean;
  resourceVersion?: string;
}

/** A Table of `items` as `kubectl get` shows them. */
export function toTable(t: ResourceType, version: string, items: KObject[], opts: TableOptions): Record<string, unknown> {
  const p = printerFor(t, version);
  const rows = items.map((o) => {
    const row: Record<string, unknown> = { cells: p.row(o, opts.now) };
    if (opts.includeObject === 'Object') row.object = o;
    else if (opts.includeObject !== 'None') row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
    return row;
  });
  const table: Record<string, unknown> = { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: opts.resourceVersion ? { resourceVersion: opts.resourceVersion } : {} };
  table.columnDefinitions = opts.noHeaders ? [] : p.columns;
  table.rows = rows;
  return table;
}
