import fc from 'fast-check';
import { decodeK8sProtobuf, encodeK8sProtobuf, ProtoError } from './protobuf.js';

/** Minimal protobuf writer for building test bodies. */
function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}
const len = (no: number, bytes: number[]): number[] => [...varint((no << 3) | 2), ...varint(bytes.length), ...bytes];
const str = (no: number, s: string): number[] => len(no, [...Buffer.from(s)]);
const int = (no: number, n: number): number[] => [...varint(no << 3), ...varint(n)];
const entry = (no: number, k: string, v: string): number[] => len(no, [...str(1, k), ...str(2, v)]);

function envelope(apiVersion: string, kind: string, raw: number[]): Uint8Array {
  return Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...len(1, [...str(1, apiVersion), ...str(2, kind)]), ...len(2, raw)]);
}

describe('k8s protobuf bodies', () => {
  test('a Secret as helm sends it', () => {
    const meta = [...str(1, 'sh.helm.release.v1.demo.v1'), ...str(3, 'default'), ...entry(11, 'owner', 'helm'), ...entry(11, 'status', 'deployed'), ...len(8, int(1, 1767225600))];
    const body = envelope('v1', 'Secret', [...len(1, meta), ...entry(2, 'release', 'abc'), ...str(3, 'helm.sh/release.v1'), ...int(5, 1)]);
    expect(decodeK8sProtobuf(body)).toEqual({
      apiVersion: 'v1', kind: 'Secret',
      metadata: { name: 'sh.helm.release.v1.demo.v1', namespace: 'default', labels: { owner: 'helm', status: 'deployed' }, creationTimestamp: '2026-01-01T00:00:00Z' },
      data: { release: Buffer.from('abc').toString('base64') }, type: 'helm.sh/release.v1', immutable: true,
    });
  });

  test('a Namespace with finalizers; a field the schema lacks refuses the body, naming it', () => {
    const ns = [...len(1, [...str(1, 'pb'), ...str(14, 'a'), ...str(14, 'b')]), ...len(2, str(1, 'kubernetes'))];
    expect(decodeK8sProtobuf(envelope('v1', 'Namespace', ns))).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'pb', finalizers: ['a', 'b'] }, spec: { finalizers: ['kubernetes'] } });
    expect(() => decodeK8sProtobuf(envelope('v1', 'Namespace', [...ns, ...int(9, 7)]))).toThrow('has fields this server does not decode (Namespace.9)');
    expect(() => decodeK8sProtobuf(envelope('v1', 'Namespace', [...len(1, [...str(1, 'pb'), ...int(99, 1)])]))).toThrow('(ObjectMeta.99)');
  });

  test('a LoadBalancer Service as kubectl create service sends it: IntOrString, pointer false kept, zero values dropped', () => {
    const port = [...str(1, '80-8080'), ...str(2, 'TCP'), ...int(3, 80), ...len(4, [...int(1, 0), ...int(2, 8080)]), ...int(5, 0)];
    const spec = [...len(1, port), ...entry(2, 'app', 'web'), ...str(3, ''), ...str(4, 'LoadBalancer'), ...int(13, 0), ...int(20, 0)];
    expect(decodeK8sProtobuf(envelope('v1', 'Service', [...len(1, [...str(1, 'web'), ...entry(11, 'app', 'web')]), ...len(2, spec), ...len(3, [])]))).toEqual({
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', labels: { app: 'web' } },
      spec: { ports: [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }], selector: { app: 'web' }, type: 'LoadBalancer', allocateLoadBalancerNodePorts: false },
      status: {},
    });
  });

  test('embedded structs are inlined: a probe\'s handler, a key selector\'s name, a volume\'s source', () => {
    const probe = [...len(1, len(2, [...str(1, '/healthz'), ...len(2, [...int(1, 1), ...str(3, 'metrics')])])), ...int(4, 5)];
    const env = [...str(1, 'KEY'), ...len(3, len(4, [...len(1, str(1, 'sec')), ...str(2, 'key')]))];
    const container = [...str(1, 'c'), ...len(7, env), ...len(11, probe)];
    const volume = [...str(1, 'cfg'), ...len(2, len(19, len(1, str(1, 'cm'))))];
    const pod = [...len(1, str(1, 'p')), ...len(2, [...len(1, volume), ...len(2, container)])];
    expect(decodeK8sProtobuf(envelope('v1', 'Pod', pod))).toEqual({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' },
      spec: {
        volumes: [{ name: 'cfg', configMap: { name: 'cm' } }],
        containers: [{ name: 'c', env: [{ name: 'KEY', valueFrom: { secretKeyRef: { name: 'sec', key: 'key' } } }], readinessProbe: { httpGet: { path: '/healthz', port: 'metrics' }, periodSeconds: 5 } }],
      },
    });
  });

  test('a Deployment survives encoding and decoding', () => {
    const d = {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { app: 'web' }, creationTimestamp: '2026-01-01T00:00:00Z' },
      spec: {
        replicas: 0, selector: { matchLabels: { app: 'web' } }, strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: 1 } },
        template: { metadata: { labels: { app: 'web' } }, spec: { automountServiceAccountToken: false, containers: [{ name: 'nginx', image: 'nginx', resources: { requests: { cpu: '20m' } }, securityContext: { readOnlyRootFilesystem: true, runAsUser: 0, capabilities: { drop: ['ALL'], add: ['NET_RAW'] } } }] } },
      },
    };
    expect(decodeK8sProtobuf(encodeK8sProtobuf(d))).toEqual(d);
  });

  test('other kinds and broken bodies are ProtoErrors that say why', () => {
    expect(() => decodeK8sProtobuf(envelope('batch/v1', 'Job', []))).toThrow('protobuf bodies of batch/v1 Job are not supported; send JSON');
    expect(() => decodeK8sProtobuf(Uint8Array.from([1, 2, 3, 4]))).toThrow('missing the "k8s\\0" prefix');
    expect(() => decodeK8sProtobuf(Uint8Array.from([0x6b, 0x38, 0x73, 0x00, 0x0a, 0x05, 0x01]))).toThrow(ProtoError);
  });

  test('property: any bytes after the prefix decode or fail with a ProtoError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (tail) => {
      try {
        decodeK8sProtobuf(Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...tail]));
      } catch (e) {
        expect(e).toBeInstanceOf(ProtoError);
      }
    }));
  });

  test('property: a well-formed Secret decodes its data back', () => {
    const word = fc.stringMatching(/^[a-z]{1,10}$/);
    fc.assert(fc.property(word, fc.dictionary(word, fc.string({ maxLength: 20 })), (name, data) => {
      const raw = [...len(1, str(1, name)), ...Object.entries(data).flatMap(([k, v]) => entry(2, k, v))];
      const out = decodeK8sProtobuf(envelope('v1', 'Secret', raw)) as { data?: Record<string, string> };
      const back = Object.fromEntries(Object.entries(out.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
      expect(back).toEqual(data);
    }));
  });
});
