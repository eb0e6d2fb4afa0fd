import type { V1PodSpec } from '@kubernetes/client-node';
import { componentOf } from './images.js';
import { containerMounts, volumePlan, VolumeError } from './volumes.js';

const ctx = { name: 'speaker-x', namespace: 'd8-metallb', nodeName: 'node-1', podIP: '192.0.2.11', hostIP: '192.0.2.11', labels: { app: 'speaker' }, annotations: {} };
const look = {
  secret: (_ns: string, name: string) => (name === 'key' ? { key: 's3cret' } : undefined),
  configMap: (_ns: string, name: string) => (name === 'metallb-excludel2' ? { 'excluded-interfaces': 'eth9' } : name === 'kube-root-ca.crt' ? { 'ca.crt': 'PEM' } : undefined),
};
const spec: V1PodSpec = {
  containers: [{ name: 'speaker', volumeMounts: [{ name: 'excluded', mountPath: '/etc/metallb/excluded-interfaces', readOnly: true }, { name: 'kube-api-access-abcde', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }, { name: 'tmp', mountPath: '/tmp' }] }],
  volumes: [
    { name: 'excluded', configMap: { name: 'metallb-excludel2' } },
    { name: 'kube-api-access-abcde', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3607 } }, { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }, { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } }] } },
    { name: 'tmp', emptyDir: {} },
  ],
};

describe('pod volumes', () => {
  test('ConfigMap files, the projected service-account volume (token, CA, namespace), an emptyDir', () => {
    const plan = volumePlan(spec, ctx, look, 'TOKEN');
    expect(plan.get('excluded')).toEqual({ kind: 'files', files: { 'excluded-interfaces': 'eth9' } });
    expect(plan.get('kube-api-access-abcde')).toEqual({ kind: 'files', files: { token: 'TOKEN', 'ca.crt': 'PEM', namespace: 'd8-metallb' } });
    expect(plan.get('tmp')).toEqual({ kind: 'dir' });
    expect(containerMounts(spec.containers[0]!, plan, '/pods/p')).toEqual([
      { destination: '/etc/metallb/excluded-interfaces', source: '/pods/p/volumes/excluded', readOnly: true },
      { destination: '/var/run/secrets/kubernetes.io/serviceaccount', source: '/pods/p/volumes/kube-api-access-abcde', readOnly: true },
      { destination: '/tmp', source: '/pods/p/volumes/tmp', readOnly: false },
    ]);
  });

  test('a missing ConfigMap or Secret fails the mount with the kubelet\'s words; optional ones are empty', () => {
    expect(() => volumePlan({ containers: [], volumes: [{ name: 'v', configMap: { name: 'nope' } }] }, ctx, look, undefined)).toThrow(new VolumeError('MountVolume.SetUp failed for volume "v" : configmap "nope" not found'));
    expect(volumePlan({ containers: [], volumes: [{ name: 'v', secret: { secretName: 'nope', optional: true } }] }, ctx, look, undefined).get('v')).toEqual({ kind: 'files', files: {} });
    expect(() => volumePlan({ containers: [], volumes: [{ name: 'v', nfs: { server: 'x', path: '/' } }] }, ctx, look, undefined)).toThrow(/only configMap, secret/);
  });

  test('image references resolve to the store\'s components by digest or by name', () => {
    const digests = { controller: 'sha256:aaa', speaker: 'sha256:bbb' };
    expect(componentOf('registry.deckhouse.io/deckhouse/ce/metallb@sha256:bbb', digests)).toBe('speaker');
    expect(componentOf('registry.deckhouse.io/deckhouse/ce/metallb/controller:dev', digests)).toBe('controller');
    expect(componentOf('nginx:latest', digests)).toBeUndefined();
  });
});
