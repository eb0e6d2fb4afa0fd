// SPDX-License-Identifier: Apache-2.0
/**
 * What kube-apiserver's Service REST storage does on create and update: IP families and policy,
 * ClusterIPs from the Service CIDRs (dual-stack, the first CIDR primary), NodePorts and the health-check
 * NodePort from the NodePort range, values kept across updates that omit them, type-dependent fields
 * dropped on a type change, and the field errors it answers with. Allocation is deterministic: the
 * lowest free value above the static band (kept for values users ask for), then the static band. Pure:
 * what is in use comes from the other stored Services.
 */
import { bigIntToIp, canonicalIp, familyOf, formatIp, ipToBigInt, parseCidr, parseIp, type IpFamily } from '../../lib/ip.js';
import type { StatusCause } from './status.js';
import { isRecord, type KObject } from './types.js';

export interface ServiceNetwork {
  /** Service CIDRs, the primary family first (one per family). */
  readonly cidrs: readonly string[];
  /** Inclusive NodePort range. */
  readonly nodePorts: readonly [number, number];
}

/** The lab's: IPv4 primary and IPv6 secondary, inside the documentation ranges; kube-apiserver's NodePort range. */
export const LAB_SERVICE_NETWORK: ServiceNetwork = { cidrs: ['198.51.100.128/25', '2001:db8:0:ff::/112'], nodePorts: [30000, 32767] };

/** ClusterIPs and NodePorts held by the other Services. */
export interface InUse {
  readonly ips: { has(ip: string): boolean };
  readonly ports: { has(port: number): boolean };
  /** Where the search for a free address of a family may start: every address of its dynamic band below is held. */
  readonly ipFloor?: (family: IpFamily) => bigint;
}

type Spec = Record<string, unknown>;
type Port = Record<string, unknown>;

const FAMILY: Record<IpFamily, string> = { 4: 'IPv4', 6: 'IPv6' };
const rec = (v: unknown): Record<string, unknown> => (isRecord(v) ? v : {});
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
const goStrings = (xs: readonly string[]): string => `[]string{${xs.map((x) => JSON.stringify(x)).join(', ')}}`;

function needsClusterIp(spec: Spec): boolean {
  return spec.type !== 'ExternalName';
}

function needsNodePorts(spec: Spec): boolean {
  return spec.type === 'NodePort' || (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
}

function needsHealthCheckPort(spec: Spec): boolean {
  return spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local';
}

/** ClusterIPs and NodePorts a stored Service holds. */
export function heldBy(o: KObject): { ips: string[]; ports: number[] } {
  const spec = rec(o.spec);
  const ips = strs(spec.clusterIPs).filter((ip) => ip !== 'None' && familyOf(ip));
  const ports = (Array.isArray(spec.ports) ? spec.ports : []).map((p) => Number(rec(p).nodePort ?? 0)).filter((n) => n > 0);
  const hc = Number(spec.healthCheckNodePort ?? 0);
  if (hc > 0) ports.push(hc);
  return { ips: ips.map(canonicalIp), ports };
}

interface Range {
  family: IpFamily;
  cidr: string;
  first: bigint;
  last: bigint;
  staticEnd: bigint;
}

function ranges(net: ServiceNetwork): Range[] {
  return net.cidrs.map((cidr) => {
    const r = parseCidr(cidr);
    // IPv4 ranges exclude the network and broadcast addresses; IPv6 ones the subnet-router anycast address.
    const first = r.first + 1n;
    const last = r.family === 4 ? r.last - 1n : r.last;
    const size = last - first + 1n;
    const band = size / 16n < 16n ? 16n : size / 16n > 256n ? 256n : size / 16n;
    return { family: r.family, cidr, first, last, staticEnd: first + (band < size ? band : 0n) };
  });
}

function pickIp(r: Range, used: InUse): string | undefined {
  const free = (n: bigint): string | undefined => {
    const ip = formatIp(bigIntToIp(n, r.family));
    return used.ips.has(ip) ? undefined : ip;
  };
  const floor = used.ipFloor?.(r.family) ?? r.staticEnd;
  for (let n = floor > r.staticEnd ? floor : r.staticEnd; n <= r.last; n++) { const ip = free(n); if (ip) return ip; }
  for (let n = r.first; n < r.staticEnd; n++) { const ip = free(n); if (ip) return ip; }
  return undefined;
}

function pickPort(net: ServiceNetwork, used: { has(port: number): boolean }): number | undefined {
  const [lo, hi] = net.nodePorts;
  const size = hi - lo + 1;
  const band = Math.min(Math.max(16, Math.floor(size / 32)), 128);
  for (let p = lo + band; p <= hi; p++) if (!used.has(p)) return p;
  for (let p = lo; p < lo + band; p++) if (!used.has(p)) return p;
  return undefined;
}

/** Type-dependent fields an update to another type leaves behind (dropTypeDependentFields). */
function dropTypeDependent(spec: Spec, old: Spec): void {
  if (spec.type === 'ExternalName' && old.type !== 'ExternalName') {
    if (spec.clusterIP === old.clusterIP) delete spec.clusterIP;
    if (JSON.stringify(spec.clusterIPs) === JSON.stringify(old.clusterIPs)) delete spec.clusterIPs;
    if (JSON.stringify(spec.ipFamilies) === JSON.stringify(old.ipFamilies)) delete spec.ipFamilies;
    if (spec.ipFamilyPolicy === old.ipFamilyPolicy) delete spec.ipFamilyPolicy;
  }
  if (!needsNodePorts(spec) && needsNodePorts(old)) {
    const oldPorts = new Map((Array.isArray(old.ports) ? old.ports : []).map((p) => [`${String(rec(p).port)}/${String(rec(p).protocol)}`, rec(p).nodePort]));
    for (const p of Array.isArray(spec.ports) ? spec.ports.map(rec) : []) if (p.nodePort !== undefined && p.nodePort === oldPorts.get(`${String(p.port)}/${String(p.protocol)}`)) delete p.nodePort;
  }
  if (!needsHealthCheckPort(spec) && spec.healthCheckNodePort === old.healthCheckNodePort) delete spec.healthCheckNodePort;
  if (spec.type !== 'LoadBalancer') {
    if (spec.allocateLoadBalancerNodePorts === old.allocateLoadBalancerNodePorts) delete spec.allocateLoadBalancerNodePorts;
    if (spec.loadBalancerClass === old.loadBalancerClass) delete spec.loadBalancerClass;
  }
}

/** Values an update omits that the stored Service already has (patchAllocatedValues). */
function keepAllocated(spec: Spec, old: Spec): void {
  if (needsClusterIp(spec) && needsClusterIp(old)) {
    if (!spec.clusterIP && !strs(spec.clusterIPs).length) {
      spec.clusterIP = old.clusterIP;
      spec.clusterIPs = old.clusterIPs;
    } else if (!strs(spec.clusterIPs).length && spec.clusterIP === old.clusterIP) spec.clusterIPs = old.clusterIPs;
    if (spec.ipFamilies === undefined && old.ipFamilies !== undefined) spec.ipFamilies = old.ipFamilies;
    if (spec.ipFamilyPolicy === undefined && old.ipFamilyPolicy !== undefined) spec.ipFamilyPolicy = old.ipFamilyPolicy;
  }
  if (needsNodePorts(spec) && needsNodePorts(old)) {
    const ports = Array.isArray(spec.ports) ? spec.ports.map(rec) : [];
    const oldPorts = Array.isArray(old.ports) ? old.ports.map(rec) : [];
    const inNew = new Set(ports.map((p) => Number(p.nodePort ?? 0)).filter((n) => n > 0));
    const byName = new Map(oldPorts.map((p) => [String(p.name ?? ''), Number(p.nodePort ?? 0)]));
    for (const p of ports) {
      if (p.nodePort) continue;
      const was = byName.get(String(p.name ?? '')) ?? 0;
      if (was > 0 && !inNew.has(was)) p.nodePort = was;
    }
  }
  if (needsHealthCheckPort(spec) && needsHealthCheckPort(old) && !spec.healthCheckNodePort && old.healthCheckNodePort) spec.healthCheckNodePort = old.healthCheckNodePort;
}

/** Families and policy as the request implies them, or field errors. */
function families(spec: Spec, rs: Range[], causes: StatusCause[]): IpFamily[] {
  const served = rs.map((r) => r.family);
  const policy = spec.ipFamilyPolicy as string | undefined;
  const wanted = strs(spec.ipFamilies);
  const ips = strs(spec.clusterIPs).filter((ip) => ip !== 'None');
  const fams: IpFamily[] = [];
  wanted.forEach((f, i) => {
    const fam = f === 'IPv4' ? 4 : f === 'IPv6' ? 6 : undefined;
    if (!fam) causes.push({ reason: 'FieldValueNotSupported', field: `spec.ipFamilies[${i}]`, message: `Unsupported value: "${f}": supported values: "IPv4", "IPv6"` });
    else if (!served.includes(fam)) causes.push({ reason: 'FieldValueInvalid', field: `spec.ipFamilies[${i}]`, message: `Invalid value: "${f}": not configured on this cluster` });
    else if (fams.includes(fam)) causes.push({ reason: 'FieldValueDuplicate', field: `spec.ipFamilies[${i}]`, message: `Duplicate value: "${f}"` });
    else fams.push(fam);
  });
  ips.forEach((ip, i) => {
    const fam = familyOf(ip);
    if (fam && fams[i] === undefined && !fams.includes(fam)) fams[i] = fam;
  });
  const dual = policy === 'PreferDualStack' || policy === 'RequireDualStack';
  if (policy !== undefined && policy !== 'SingleStack' && !dual) {
    causes.push({ reason: 'FieldValueNotSupported', field: 'spec.ipFamilyPolicy', message: `Unsupported value: "${policy}": supported values: "PreferDualStack", "RequireDualStack", "SingleStack"` });
  }
  if ((wanted.length > 1 || ips.length > 1) && !dual) {
    causes.push({ reason: 'FieldValueInvalid', field: 'spec.ipFamilyPolicy', message: `Invalid value: "${policy ?? 'SingleStack'}": must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified` });
  }
  if (policy === 'RequireDualStack' && served.length < 2) causes.push({ reason: 'FieldValueInvalid', field: 'spec.ipFamilyPolicy', message: 'Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services' });
  if (fams.length === 0) fams.push(served[0] ?? 4);
  if (dual && served.length > 1 && fams.length === 1) fams.push(served.find((f) => f !== fams[0]) ?? 6);
  return fams;
}

/** Allocates into `o` (a Service being written over `old`); returns field errors, none when it worked. */
export function allocateService(o: KObject, old: KObject | undefined, inUse: InUse, net: ServiceNetwork): StatusCause[] {
  const spec = rec(o.spec);
  o.spec = spec;
  const causes: StatusCause[] = [];
  if (old) {
    const oldSpec = rec(old.spec);
    dropTypeDependent(spec, oldSpec);
    keepAllocated(spec, oldSpec);
    if (needsClusterIp(spec) && needsClusterIp(oldSpec) && oldSpec.clusterIP && spec.clusterIP !== oldSpec.clusterIP) {
      causes.push({ reason: 'FieldValueInvalid', field: 'spec.clusterIPs[0]', message: `Invalid value: ${goStrings(strs(spec.clusterIPs).length ? strs(spec.clusterIPs) : [String(spec.clusterIP ?? '')])}: may not change once set` });
      return causes;
    }
  }
  const rs = ranges(net);
  if (!needsClusterIp(spec)) {
    if (spec.clusterIP || strs(spec.clusterIPs).length) causes.push({ reason: 'FieldValueForbidden', field: 'spec.clusterIPs', message: 'Forbidden: may not be set for ExternalName services' });
    return causes;
  }
  // clusterIP and clusterIPs[0] agree; either one given fills the other.
  const given = strs(spec.clusterIPs);
  if (spec.clusterIP && !given.length) spec.clusterIPs = [spec.clusterIP];
  else if (!spec.clusterIP && given.length) spec.clusterIP = given[0];
  else if (spec.clusterIP && given[0] !== spec.clusterIP) causes.push({ reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `Invalid value: ${goStrings(given)}: first value must match \`clusterIP\`` });
  const ips = strs(spec.clusterIPs);
  if (ips.length > 2) causes.push({ reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `Invalid value: ${goStrings(ips)}: may only hold up to 2 values` });
  const headless = spec.clusterIP === 'None';
  ips.forEach((ip, i) => {
    if (ip === 'None' ? i > 0 || ips.length > 1 : !familyOf(ip)) causes.push({ reason: 'FieldValueInvalid', field: `spec.clusterIPs[${i}]`, message: `Invalid value: "${ip}": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)` });
  });
  if (causes.length) return causes;
  const fams = families(spec, rs, causes);
  if (causes.length) return causes;
  spec.ipFamilyPolicy ??= 'SingleStack';
  spec.ipFamilies = fams.map((f) => FAMILY[f]);
  if (headless) {
    spec.clusterIPs = ['None'];
  } else {
    const out: string[] = [];
    for (const [i, fam] of fams.entries()) {
      const r = rs.find((x) => x.family === fam);
      if (!r) continue;
      const asked = ips[i];
      if (asked) {
        const canon = canonicalIp(asked);
        if (familyOf(canon) !== fam) {
          causes.push({ reason: 'FieldValueInvalid', field: `spec.clusterIPs[${i}]`, message: `Invalid value: "${asked}": expected an ${FAMILY[fam]} value as indicated by \`ipFamilies[${i}]\`` });
          continue;
        }
        const n = ipToBigInt(parseIp(canon));
        const mine = old ? heldBy(old).ips.includes(canon) : false;
        if (n < r.first || n > r.last) causes.push({ reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `Invalid value: ${goStrings(ips)}: failed to allocate IP ${asked}: the provided IP (${asked}) is not in the valid range. The range of valid IPs is ${r.cidr}` });
        else if (inUse.ips.has(canon) && !mine) causes.push({ reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `Invalid value: ${goStrings(ips)}: failed to allocate IP ${asked}: provided IP is already allocated` });
        else out.push(canon);
      } else {
        const ip = pickIp(r, inUse);
        if (!ip) causes.push({ reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `Invalid value: []string{}: failed to allocate IP: range is full` });
        else out.push(ip);
      }
    }
    if (causes.length) return causes;
    spec.clusterIPs = out;
    spec.clusterIP = out[0];
  }
  allocatePorts(spec, old ? heldBy(old).ports : [], inUse, net, causes);
  return causes;
}

function allocatePorts(spec: Spec, mine: readonly number[], inUse: InUse, net: ServiceNetwork, causes: StatusCause[]): void {
  const ports = Array.isArray(spec.ports) ? spec.ports.map(rec) : [];
  const [lo, hi] = net.nodePorts;
  const added = new Set<number>();
  const taken = { has: (n: number) => added.has(n) || inUse.ports.has(n), add: (n: number) => added.add(n) };
  const seen = new Map<string, number>();
  const check = (field: string, n: number): boolean => {
    if (n < lo || n > hi) {
      causes.push({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${n}: provided port is not in the valid range. The range of valid ports is ${lo}-${hi}` });
      return false;
    }
    if (taken.has(n) && !mine.includes(n)) {
      causes.push({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${n}: provided port is already allocated` });
      return false;
    }
    return true;
  };
  const wantPorts = needsNodePorts(spec);
  ports.forEach((p: Port, i) => {
    const n = Number(p.nodePort ?? 0);
    const field = `spec.ports[${i}].nodePort`;
    if (n && !wantPorts && spec.type !== 'LoadBalancer') {
      causes.push({ reason: 'FieldValueForbidden', field, message: `Forbidden: may not be used when \`type\` is '${String(spec.type)}'` });
      return;
    }
    if (!n) return;
    // The same NodePort may serve one port number over two protocols, never two port numbers.
    const key = `${String(p.port)}`;
    const dup = [...seen.entries()].find(([k, v]) => v === n && k !== key);
    if (dup) {
      causes.push({ reason: 'FieldValueDuplicate', field, message: `Duplicate value: ${n}` });
      return;
    }
    seen.set(key, n);
    if (check(field, n)) taken.add(n);
  });
  if (causes.length) return;
  if (wantPorts) {
    const byPort = new Map<string, number>();
    for (const p of ports) {
      if (p.nodePort) continue;
      const again = byPort.get(String(p.port));
      const n = again ?? pickPort(net, taken);
      if (n === undefined) {
        causes.push({ reason: 'FieldValueInvalid', field: 'spec.ports', message: 'Invalid value: "": failed to allocate a nodePort: range is full' });
        return;
      }
      p.nodePort = n;
      byPort.set(String(p.port), n);
      taken.add(n);
    }
  }
  if (needsHealthCheckPort(spec)) {
    const n = Number(spec.healthCheckNodePort ?? 0);
    if (n) {
      if (check('spec.healthCheckNodePort', n)) taken.add(n);
    } else {
      const p = pickPort(net, taken);
      if (p === undefined) causes.push({ reason: 'FieldValueInvalid', field: 'spec.healthCheckNodePort', message: 'Invalid value: 0: failed to allocate a health check node port: range is full' });
      else spec.healthCheckNodePort = p;
    }
  } else if (spec.healthCheckNodePort) {
    causes.push({ reason: 'FieldValueInvalid', field: 'spec.healthCheckNodePort', message: `Invalid value: ${String(spec.healthCheckNodePort)}: may only be set when \`type\` is 'LoadBalancer' and \`externalTrafficPolicy\` is 'Local'` });
  }
}

/**
 * What the stored Services hold, kept current as they are written (add the new version, remove the old), so
 * that a write needs neither a scan of every Service nor a walk over every held address.
 */
export class ServiceHoldings {
  readonly #ips = new Map<string, number>();
  readonly #ports = new Map<number, number>();
  readonly #floor = new Map<IpFamily, bigint>();
  readonly #ranges: Range[];

  constructor(net: ServiceNetwork) {
    this.#ranges = ranges(net);
  }

  add(o: KObject): void {
    const h = heldBy(o);
    for (const ip of h.ips) this.#ips.set(ip, (this.#ips.get(ip) ?? 0) + 1);
    for (const p of h.ports) this.#ports.set(p, (this.#ports.get(p) ?? 0) + 1);
  }

  remove(o: KObject): void {
    const h = heldBy(o);
    for (const ip of h.ips) {
      const left = (this.#ips.get(ip) ?? 1) - 1;
      if (left > 0) this.#ips.set(ip, left);
      else {
        this.#ips.delete(ip);
        const fam = familyOf(ip);
        const floor = fam && this.#floor.get(fam);
        const n = ipToBigInt(parseIp(ip));
        if (fam && floor !== undefined && n < floor) this.#floor.set(fam, n);
      }
    }
    for (const p of h.ports) {
      const left = (this.#ports.get(p) ?? 1) - 1;
      if (left > 0) this.#ports.set(p, left);
      else this.#ports.delete(p);
    }
  }

  /** What every Service but `self` (the stored version of the one being written, if any) holds. */
  inUseExcept(self: KObject | undefined): InUse {
    const mine = self ? heldBy(self) : { ips: [], ports: [] };
    const ips = { has: (ip: string) => (this.#ips.get(ip) ?? 0) > (mine.ips.includes(ip) ? 1 : 0) };
    const ports = { has: (p: number) => (this.#ports.get(p) ?? 0) > (mine.ports.includes(p) ? 1 : 0) };
    // The floor counts self's addresses as held, so it holds only when self has none.
    return mine.ips.length ? { ips, ports } : { ips, ports, ipFloor: (fam) => this.#advance(fam) };
  }

  /** Moves the family's floor past the addresses held right above it (each step passes a held address once). */
  #advance(fam: IpFamily): bigint {
    const r = this.#ranges.find((x) => x.family === fam);
    if (!r) return 0n;
    let n = this.#floor.get(fam) ?? r.staticEnd;
    while (n <= r.last && this.#ips.has(formatIp(bigIntToIp(n, fam)))) n++;
    this.#floor.set(fam, n);
    return n;
  }
}
