// SPDX-License-Identifier: Apache-2.0
/** The demo scenario is the user documentation: objects picked by kind and name from docs/EXAMPLES.md. Pure. */
import yaml from 'js-yaml';
import type { KubeObject } from '../kube.js';

/** An object wanted from the examples. */
export interface Wanted {
  readonly kind: string;
  readonly name: string;
}

/** The demo: the module, the L2 example (class, 3-IP Service), an IPv6 Service, an ETP Local Service, and the BGP example. */
export const DEMO: readonly Wanted[] = [
  { kind: 'ModuleConfig', name: 'metallb' },
  { kind: 'MetalLoadBalancerClass', name: 'ingress' },
  { kind: 'Service', name: 'web' },
  { kind: 'Service', name: 'web-v6' },
  { kind: 'Service', name: 'web-local' },
  { kind: 'Secret', name: 'tor-password' },
  { kind: 'MetalLoadBalancerPool', name: 'public' },
  { kind: 'MetalLoadBalancerBGPPeer', name: 'tor' },
  { kind: 'MetalLoadBalancerConfiguration', name: 'edge' },
  { kind: 'Service', name: 'api' },
];

/** Every object of every ```yaml block in a markdown text. */
export function yamlObjects(markdown: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const m of markdown.matchAll(/```yaml\n([\s\S]*?)```/g)) {
    for (const doc of yaml.loadAll(m[1] ?? '')) if (doc && typeof doc === 'object') out.push(doc as KubeObject);
  }
  return out;
}

/** The wanted objects in order, or an error naming every one that is missing. */
export function pickExamples(markdown: string, wanted: readonly Wanted[]): KubeObject[] {
  const all = yamlObjects(markdown);
  const missing: string[] = [];
  const out: KubeObject[] = [];
  for (const w of wanted) {
    const o = all.find((x) => x.kind === w.kind && x.metadata?.name === w.name);
    if (o) out.push(o);
    else missing.push(`${w.kind}/${w.name}`);
  }
  if (missing.length) throw new Error(`docs/EXAMPLES.md lacks ${missing.join(', ')}`);
  return out;
}

/** The node labels the examples ask the user to set (`kubectl label node ... key=""`), per node. */
export function exampleNodeLabels(markdown: string): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const m of markdown.matchAll(/kubectl label node ((?:[a-z0-9-]+ )+)([a-z0-9./-]+)=("[^"]*"|\S*)/g)) {
    const value = (m[3] ?? '').replace(/^"|"$/g, '');
    for (const n of (m[1] ?? '').trim().split(' ')) out.set(n, { ...(out.get(n) ?? {}), [m[2] ?? '']: value });
  }
  return out;
}

/** The BGP password of the example Secret, so the lab router can use the same one. */
export function examplePassword(objs: readonly KubeObject[]): string | undefined {
  const s = objs.find((o) => o.kind === 'Secret');
  const sd = s?.stringData as Record<string, string> | undefined;
  return sd?.password;
}

/** The BFD settings of the example peer, if any. */
export function exampleBfd(objs: readonly KubeObject[]): { receiveInterval: number; transmitInterval: number; detectMultiplier: number } | undefined {
  const p = objs.find((o) => o.kind === 'MetalLoadBalancerBGPPeer');
  const bfd = (p?.spec as { bfd?: { receiveInterval?: number; transmitInterval?: number; detectMultiplier?: number } } | undefined)?.bfd;
  if (!bfd) return undefined;
  return { receiveInterval: bfd.receiveInterval ?? 300, transmitInterval: bfd.transmitInterval ?? 300, detectMultiplier: bfd.detectMultiplier ?? 3 };
}
