import fc from 'fast-check';
import { decodeK8sProtobuf, ProtoError } from './protobuf.js';

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

  test('a Namespace with finalizers; unknown fields are skipped', () => {
    const body = envelope('v1', 'Namespace', [...len(1, [...str(1, 'pb'), ...str(14, 'a'), ...str(14, 'b')]), ...len(2, str(1, 'kubernetes')), ...int(9, 7)]);
    expect(decodeK8sProtobuf(body)).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'pb', finalizers: ['a', 'b'] }, spec: { finalizers: ['kubernetes'] } });
  });

  test('other kinds and broken bodies are ProtoErrors that say why', () => {
    expect(() => decodeK8sProtobuf(envelope('apps/v1', 'Deployment', []))).toThrow('protobuf bodies of apps/v1 Deployment are not supported; send JSON');
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
