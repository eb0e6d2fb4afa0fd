// SPDX-License-Identifier: Apache-2.0
/**
 * The demo's own workload, `app: web`: the endpoints of the examples' Services, which matter for the
 * externalTrafficPolicy Local one (`web-local`). Two host-network pods answering HTTP with their node's
 * name, from the controller image (the lab has no other images), so the Service has ready endpoints on
 * two nodes only. Pure.
 */
import type { KubeObject } from '../kube.js';

export const WEB_IMAGE = 'registry.deckhouse.io/deckhouse/ce/metallb/controller:dev';
export const WEB_PORT = 8080;

const SERVER = `require('http').createServer((q, s) => s.end(process.env.NODE_NAME + '\\n')).listen(${WEB_PORT})`;

export function webDeployment(): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          hostNetwork: true,
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: 64535, runAsGroup: 64535, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [{
            name: 'web',
            image: WEB_IMAGE,
            command: ['node', '-e', SERVER],
            env: [{ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
            ports: [{ name: 'http', containerPort: WEB_PORT }],
            readinessProbe: { httpGet: { path: '/', port: WEB_PORT, host: '127.0.0.1' }, periodSeconds: 2 },
            securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
          }],
        },
      },
    },
  } as KubeObject;
}
