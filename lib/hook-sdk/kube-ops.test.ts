import { encodeKubeOperations, KubeOps } from './kube-ops.js';

describe('KubeOps', () => {
  test('each operation serializes in the shell-operator shape, one JSON object per line', () => {
    const k = new KubeOps();
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'd8-metallb' } };
    k.create(cm);
    k.createOrUpdate(cm);
    k.createIfNotExists(cm);
    k.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'd8-metallb', name: 'x' });
    k.deleteInBackground({ kind: 'Pod', name: 'p' });
    k.deleteNonCascading({ kind: 'Pod', namespace: 'n', name: 'p' });
    k.mergePatch({ apiVersion: 'v1', kind: 'Service', namespace: 'n', name: 's' }, { status: { a: 1 } }, { subresource: 'status' });
    k.jsonPatch({ kind: 'Service', name: 's' }, [{ op: 'replace', path: '/spec/x', value: 1 }], { ignoreMissingObject: true });
    k.jqPatch({ kind: 'Deployment', namespace: 'n', name: 'd' }, '.spec.replicas = 1');
    expect(encodeKubeOperations(k.operations())).toBe(
      [
        '{"operation":"Create","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","namespace":"d8-metallb"}}}',
        '{"operation":"CreateOrUpdate","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","namespace":"d8-metallb"}}}',
        '{"operation":"CreateIfNotExists","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","namespace":"d8-metallb"}}}',
        '{"operation":"Delete","kind":"ConfigMap","name":"x","apiVersion":"v1","namespace":"d8-metallb"}',
        '{"operation":"DeleteInBackground","kind":"Pod","name":"p"}',
        '{"operation":"DeleteNonCascading","kind":"Pod","name":"p","namespace":"n"}',
        '{"operation":"MergePatch","kind":"Service","name":"s","apiVersion":"v1","namespace":"n","mergePatch":{"status":{"a":1}},"subresource":"status"}',
        '{"operation":"JSONPatch","kind":"Service","name":"s","jsonPatch":[{"op":"replace","path":"/spec/x","value":1}],"ignoreMissingObject":true}',
        '{"operation":"JQPatch","kind":"Deployment","name":"d","namespace":"n","jqFilter":".spec.replicas = 1"}',
        '',
      ].join('\n'),
    );
  });

  test('recorded objects are copies: later changes by the caller do not leak in', () => {
    const k = new KubeOps();
    const obj = { kind: 'ConfigMap', metadata: { name: 'a' } };
    k.create(obj);
    obj.metadata.name = 'b';
    expect(k.operations()[0]).toEqual({ operation: 'Create', object: { kind: 'ConfigMap', metadata: { name: 'a' } } });
  });

  test('no operations encode to an empty string', () => {
    expect(encodeKubeOperations(new KubeOps().operations())).toBe('');
  });
});
