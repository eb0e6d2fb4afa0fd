// SPDX-License-Identifier: Apache-2.0
/**
 * Keeps the label `l2-load-balancer.network.deckhouse.io/member: ""` on exactly the nodes selected by any
 * MetalLoadBalancerClass (the L2 speakers run there). Merge-patches only the nodes whose label must change.
 */
import { kubernetes, type HookConfig, type HookInput } from '../../lib/hook-sdk/index.js';
import { nodeFromObject, selectedNodes } from './lib/eligibility.js';
import { MEMBER_LABEL, NETWORK_API } from './lib/names.js';
import { classFromObject } from './lib/service.js';
import { classesInForce, CLASSES_IN_FORCE } from './lib/classes.js';
import type { L2LoadBalancerValue } from '../../lib/schemas/types.generated.js';

const queue = '/modules/metallb/node-labels-update';

export const classes = kubernetes({ name: 'mlbc', apiVersion: NETWORK_API, kind: 'MetalLoadBalancerClass', queue, filter: classFromObject });
export const nodes = kubernetes({ name: 'nodes', apiVersion: 'v1', kind: 'Node', queue, filter: nodeFromObject });

export const config: HookConfig = { beforeHelm: 15, kubernetes: [classes, nodes] };

/** Nodes to label and nodes to unlabel. Pure. */
export function membershipChanges(all: readonly { name: string; labels: Record<string, string> }[], wanted: ReadonlySet<string>): { add: string[]; remove: string[] } {
  const add = all.filter((n) => wanted.has(n.name) && n.labels[MEMBER_LABEL] !== '').map((n) => n.name).sort();
  const remove = all.filter((n) => !wanted.has(n.name) && MEMBER_LABEL in n.labels).map((n) => n.name).sort();
  return { add, remove };
}

export function handle(input: HookInput): void {
  const all = input.snapshot(nodes);
  // the classes in force, as discovery keeps them: a class edited into something unusable keeps its nodes
  const inForce = classesInForce(input.snapshot(classes), input.values.get<L2LoadBalancerValue[]>(CLASSES_IN_FORCE)).classes;
  const wanted = new Set(inForce.flatMap((c) => selectedNodes(all, { nodeSelector: c.nodeSelector, tolerations: c.tolerations })));
  const { add, remove } = membershipChanges(all, wanted);
  for (const name of add) input.kube.mergePatch({ apiVersion: 'v1', kind: 'Node', name }, { metadata: { labels: { [MEMBER_LABEL]: '' } } }, { ignoreMissingObject: true });
  for (const name of remove) input.kube.mergePatch({ apiVersion: 'v1', kind: 'Node', name }, { metadata: { labels: { [MEMBER_LABEL]: null } } }, { ignoreMissingObject: true });
}
