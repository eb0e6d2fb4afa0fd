// SPDX-License-Identifier: Apache-2.0
/** Reads the cluster state the node agent needs from the API server. */
import type { V1ConfigMap, V1DaemonSet, V1Deployment, V1Node, V1Pod, V1Secret, V1Service } from '@kubernetes/client-node';
import type { Kube } from '../kube.js';
import type { ClusterView } from './desired.js';
import { AGENT_LABEL } from './publish.js';

export function apiSource(kube: Kube): () => Promise<ClusterView> {
  return async () => {
    const [nodes, deployments, daemonSets, secrets, configMaps, services, pods] = await Promise.all([
      kube.list<V1Node>('/api/v1/nodes'),
      kube.list<V1Deployment>('/apis/apps/v1/deployments'),
      kube.list<V1DaemonSet>('/apis/apps/v1/daemonsets'),
      kube.list<V1Secret>('/api/v1/secrets'),
      kube.list<V1ConfigMap>('/api/v1/configmaps'),
      kube.list<V1Service>('/api/v1/services'),
      kube.list<V1Pod>(`/api/v1/pods?labelSelector=${encodeURIComponent(`${AGENT_LABEL}=true`)}`),
    ]);
    return { nodes, deployments, daemonSets, secrets, configMaps, services, pods };
  };
}
