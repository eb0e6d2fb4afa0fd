// SPDX-License-Identifier: Apache-2.0
/**
 * Conformance with the real kubectl: apply the project's CRDs and the documented examples, then
 * get (table, json, wide, -l), describe with events, patch (strategic, merge, json), replace with a
 * stale resourceVersion, get -w, delete, explain, api-resources, and an invalid custom resource.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import yaml from 'js-yaml';
import { KUBECTL, useApiServer } from '../helpers/apiserver.js';

const ROOT = path.resolve(__dirname, '../..');
const api = useApiServer();
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

const kubectl = (args: string[], input?: string) => api.kubectl(args, input);
const ok = (args: string[], input?: string) => api.kubectlOk(args, input);

function crdFiles(): string[] {
  const dirs = ['crds', 'crds/internal', 'crds/native', 'lab/crds'].map((d) => path.join(ROOT, d)).filter((d) => fs.existsSync(d));
  return dirs.flatMap((d) => fs.readdirSync(d).filter((f) => f.endsWith('.yaml') && !f.startsWith('doc-')).map((f) => path.join(d, f)));
}

function exampleDocs(): string[] {
  const file = path.join(ROOT, 'docs/EXAMPLES.md');
  if (!fs.existsSync(file)) return [];
  const blocks = [...fs.readFileSync(file, 'utf8').matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  const docs = blocks.flatMap((b) => yaml.loadAll(b)).filter((d): d is Record<string, unknown> => typeof d === 'object' && d !== null && 'apiVersion' in d);
  // the page shows one object in two versions (the ModuleConfig of today and of version 1): the first is the one to apply
  const id = (d: Record<string, unknown>) => { const m = d.metadata as { name?: string; namespace?: string } | undefined; return `${String(d.kind)}/${m?.namespace ?? ''}/${m?.name ?? ''}`; };
  return docs.filter((d, i) => docs.findIndex((x) => id(x) === id(d)) === i).map((d) => yaml.dump(d));
}

/** A running process whose whole stdout is kept, so a line printed early is never missed. */
function follow(args: string[]): { proc: ChildProcess; waitFor(want: RegExp, ms?: number): Promise<string> } {
  const proc = spawn(KUBECTL, args, { env: { ...process.env, KUBECONFIG: api.kubeconfigPath } });
  children.push(proc);
  let seen = '';
  const waiters = new Set<() => void>();
  proc.stdout?.on('data', (d: Buffer) => {
    seen += d.toString();
    for (const w of waiters) w();
  });
  return {
    proc,
    waitFor(want, ms = 15_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (!want.test(seen)) return;
          waiters.delete(check);
          clearTimeout(t);
          resolve(seen);
        };
        const t = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${String(want)}; got:\n${seen}`));
        }, ms);
        waiters.add(check);
        check();
      });
    },
  };
}

describe('kubectl conformance', () => {
  test('a kind applied before its CRD is refused as a cluster refuses it, not with a content-type error', async () => {
    const r = await kubectl(['apply', '-f', '-'], 'apiVersion: network.deckhouse.io/v1alpha1\nkind: MetalLoadBalancerClass\nmetadata:\n  name: early\nspec:\n  addressPool: ["192.0.2.1-192.0.2.2"]\n');
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/no matches for kind "MetalLoadBalancerClass"|could not find the requested resource \(\/apis\/network\.deckhouse\.io\/v1alpha1\/metalloadbalancerclasses\)/);
    expect(r.err).not.toMatch(/content type/);
  });

  test('api-resources lists built-in kinds and those of applied CRDs', async () => {
    const files = crdFiles();
    expect(files.length).toBeGreaterThanOrEqual(4);
    await ok(['apply', ...files.flatMap((f) => ['-f', f])]);
    const out = await ok(['api-resources']);
    expect(out).toMatch(/^services\s+svc\s+v1\s+true\s+Service$/m);
    expect(out).toMatch(/^leases\s+coordination\.k8s\.io\/v1\s+true\s+Lease$/m);
    expect(out).toMatch(/^metalloadbalancerclasses\s+mlbc\s+network\.deckhouse\.io\/v1alpha1\s+false\s+MetalLoadBalancerClass$/m);
    expect(out).toMatch(/^moduleconfigs\s.*deckhouse\.io\/v1alpha1\s+false\s+ModuleConfig$/m);
  });

  test('the documented examples apply cleanly, and a second apply changes nothing', async () => {
    const docs = exampleDocs();
    expect(docs.length).toBeGreaterThanOrEqual(5);
    // The module's namespace exists wherever the module runs.
    await ok(['apply', '-f', '-'], 'apiVersion: v1\nkind: Namespace\nmetadata: {name: d8-metallb}\n');
    const input = docs.join('---\n');
    const first = await ok(['apply', '-f', '-'], input);
    expect(first).toMatch(/service\/web created/);
    const second = await ok(['apply', '-f', '-'], input);
    expect(second).not.toMatch(/created|configured/);
    expect(second).toMatch(/service\/web unchanged/);
  });

  test('get: table, -o wide, -o json, -l', async () => {
    const table = await ok(['get', 'svc', 'web']);
    expect(table).toMatch(/^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE$/m);
    expect(table).toMatch(/^web\s+LoadBalancer\s+198\.51\.100\.\d+\s+<pending>\s+80:3\d{4}\/TCP\s+\d+s$/m);
    expect(await ok(['get', 'svc', 'web', '-o', 'wide'])).toMatch(/SELECTOR\n.*app=web/);
    const json = JSON.parse(await ok(['get', 'mlbc', '-o', 'json'])) as { kind: string; items: Array<{ metadata: { name: string } }> };
    expect(json.kind).toBe('List');
    expect(json.items.map((i) => i.metadata.name)).toContain('ingress');
    await ok(['label', 'svc', 'web', 'tier=front']);
    expect(await ok(['get', 'svc', '-l', 'tier=front', '-o', 'name'])).toBe('service/web\n');
    expect(await ok(['get', 'svc', '-l', 'tier notin (front)', '-o', 'name'])).not.toMatch(/^service\/web$/m);
    expect(await ok(['get', 'svc', '-A', '--field-selector', 'spec.type=LoadBalancer', '-o', 'name'])).toContain('service/web');
  });

  test('describe shows the events of an object', async () => {
    const uid = (await ok(['get', 'svc', 'web', '-o', 'jsonpath={.metadata.uid}'])).trim();
    const event = {
      apiVersion: 'v1', kind: 'Event', metadata: { name: 'web.1', namespace: 'default' },
      involvedObject: { apiVersion: 'v1', kind: 'Service', name: 'web', namespace: 'default', uid },
      reason: 'IPAllocated', message: 'Assigned IP ["192.0.2.200"]', type: 'Normal', source: { component: 'metallb-controller' },
      firstTimestamp: new Date().toISOString(), lastTimestamp: new Date().toISOString(), count: 1,
    };
    await ok(['create', '-f', '-'], JSON.stringify(event));
    const out = await ok(['describe', 'svc', 'web']);
    expect(out).toMatch(/^Name:\s+web$/m);
    expect(out).toMatch(/Events:[\s\S]*Normal\s+IPAllocated\s+.*metallb-controller\s+Assigned IP \["192\.0\.2\.200"\]/);
  });

  test('patch: strategic merge by port, merge, json; the status subresource', async () => {
    await ok(['patch', 'svc', 'web', '-p', '{"spec":{"ports":[{"port":443,"name":"https"}]}}']);
    const ports = JSON.parse(await ok(['get', 'svc', 'web', '-o', 'jsonpath={.spec.ports}'])) as Array<{ port: number }>;
    expect(ports.map((p) => p.port).sort()).toEqual([443, 80].sort());
    await ok(['patch', 'svc', 'web', '--type=merge', '-p', '{"metadata":{"annotations":{"a":"1"}}}']);
    await ok(['patch', 'svc', 'web', '--type=json', '-p', '[{"op":"remove","path":"/spec/ports/1"}]']);
    const after = JSON.parse(await ok(['get', 'svc', 'web', '-o', 'json'])) as { metadata: { annotations: Record<string, string> }; spec: { ports: unknown[] } };
    expect(after.metadata.annotations.a).toBe('1');
    expect(after.spec.ports).toHaveLength(1);
    await ok(['patch', 'svc', 'web', '--subresource=status', '--type=merge', '-p', '{"status":{"loadBalancer":{"ingress":[{"ip":"192.0.2.200"}]}}}']);
    expect(await ok(['get', 'svc', 'web'])).toMatch(/^web\s+LoadBalancer\s+198\.51\.100\.\d+\s+192\.0\.2\.200\s/m);
    const failed = await kubectl(['patch', 'svc', 'web', '--type=json', '-p', '[{"op":"test","path":"/spec/type","value":"NodePort"}]']);
    expect(failed.code).not.toBe(0);
  });

  test('replace with a stale resourceVersion is a Conflict', async () => {
    const obj = await ok(['get', 'mlbc', 'ingress', '-o', 'json']);
    await ok(['label', 'mlbc', 'ingress', 'touched=yes']);
    const r = await kubectl(['replace', '-f', '-'], obj);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/Operation cannot be fulfilled on metalloadbalancerclasses\.network\.deckhouse\.io "ingress": the object has been modified; please apply your changes to the latest version and try again/);
  });

  test('an invalid custom resource is rejected with the field path', async () => {
    const bad = 'apiVersion: network.deckhouse.io/v1alpha1\nkind: MetalLoadBalancerClass\nmetadata: {name: x}\nspec: {type: L2}\n';
    const r = await kubectl(['apply', '-f', '-'], bad);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('The MetalLoadBalancerClass "x" is invalid: spec.addressPool: Required value');
    const unknown = await kubectl(['apply', '-f', '-'], bad.replace('{type: L2}', '{type: L2, addressPool: [192.0.2.0/24], colour: red}'));
    expect(unknown.err).toMatch(/strict decoding error: unknown field "spec.colour"/);
  });

  test('get -w sees later changes', async () => {
    const w = follow(['get', 'mlbc', '-w']);
    await w.waitFor(/^ingress\s/m);
    const doc = 'apiVersion: network.deckhouse.io/v1alpha1\nkind: MetalLoadBalancerClass\nmetadata: {name: later}\nspec: {type: L2, addressPool: [198.51.100.0/24]}\n';
    await ok(['apply', '-f', '-'], doc);
    const seen = await w.waitFor(/^later\s/m);
    expect(seen.match(/^NAME\s/gm)).toHaveLength(1);
    await ok(['label', 'mlbc', 'later', 'seen=yes']);
    await w.waitFor(/^later\s[\s\S]*^later\s/m);
    w.proc.kill('SIGTERM');
  });

  test('delete removes objects; finalizers hold them until cleared', async () => {
    expect(await ok(['delete', 'mlbc', 'later'])).toMatch(/deleted/);
    expect((await kubectl(['get', 'mlbc', 'later'])).err).toMatch(/NotFound.*"later" not found/);
    await ok(['create', 'configmap', 'held', '--dry-run=client', '-o', 'yaml']).then((y) => ok(['apply', '-f', '-'], y.replace('metadata:', 'metadata:\n  finalizers: [example.com/hold]')));
    await ok(['delete', 'configmap', 'held', '--wait=false']);
    expect(await ok(['get', 'configmap', 'held', '-o', 'jsonpath={.metadata.deletionTimestamp}'])).not.toBe('');
    await ok(['patch', 'configmap', 'held', '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']);
    expect((await kubectl(['get', 'configmap', 'held'])).code).not.toBe(0);
  });

  test('apply --server-side owns fields, drops released ones and reports conflicts', async () => {
    const cm = (data: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa, namespace: default}\ndata: ${data}\n`;
    expect(await ok(['apply', '--server-side', '-f', '-'], cm('{a: "1", b: "2"}'))).toMatch(/configmap\/ssa serverside-applied/);
    await ok(['apply', '--server-side', '-f', '-'], cm('{a: "1"}'));
    expect(JSON.parse(await ok(['get', 'cm', 'ssa', '-o', 'jsonpath={.data}']))).toEqual({ a: '1' });
    const clash = await kubectl(['apply', '--server-side', '--field-manager=other', '-f', '-'], cm('{a: "2"}'));
    expect(clash.code).not.toBe(0);
    expect(clash.err).toMatch(/Apply failed with 1 conflict: conflict with "kubectl" using v1: \.data\.a/);
    await ok(['apply', '--server-side', '--field-manager=other', '--force-conflicts', '-f', '-'], cm('{a: "2"}'));
    expect(JSON.parse(await ok(['get', 'cm', 'ssa', '-o', 'jsonpath={.data}']))).toEqual({ a: '2' });
  });

  test('explain reads the CRD schema through OpenAPI v3', async () => {
    const out = await ok(['explain', 'mlbc.spec.addressPool']);
    expect(out).toMatch(/KIND:\s+MetalLoadBalancerClass/);
    expect(out).toMatch(/FIELD:\s+addressPool <\[\]string>/);
  });

  test('typed generators (protobuf bodies): create namespace, configmap, secret, deployment, service; expose; run', async () => {
    expect(await ok(['create', 'namespace', 'typed'])).toMatch(/namespace\/typed created/);
    await ok(['-n', 'typed', 'create', 'configmap', 'c', '--from-literal=a=b']);
    await ok(['-n', 'typed', 'create', 'secret', 'generic', 's', '--from-literal=k=v']);
    expect(JSON.parse(await ok(['-n', 'typed', 'get', 'cm', 'c', '-o', 'jsonpath={.data}']))).toEqual({ a: 'b' });
    expect(await ok(['-n', 'typed', 'get', 'secret', 's', '-o', 'jsonpath={.data.k}'])).toBe(Buffer.from('v').toString('base64'));
    await ok(['-n', 'typed', 'create', 'deployment', 'd', '--image=x', '--replicas=2', '--port=80']);
    expect(JSON.parse(await ok(['-n', 'typed', 'get', 'deployment', 'd', '-o', 'jsonpath={.spec}']))).toMatchObject({ replicas: 2, selector: { matchLabels: { app: 'd' } }, template: { spec: { containers: [{ name: 'x', image: 'x', ports: [{ containerPort: 80 }] }] } } });
    await ok(['-n', 'typed', 'create', 'service', 'loadbalancer', 'web', '--tcp=80:8080']);
    await ok(['-n', 'typed', 'expose', 'deployment', 'd', '--name=d', '--port=81', '--type=NodePort']);
    await ok(['-n', 'typed', 'run', 'p', '--image=busybox', '--env=A=b', '--', 'sleep', '1']);
    const svc = JSON.parse(await ok(['-n', 'typed', 'get', 'svc', 'web', '-o', 'json'])) as { spec: { clusterIP: string; ports: Array<{ nodePort: number; targetPort: number }> } };
    expect(svc.spec.clusterIP).toMatch(/^198\.51\.100\./);
    expect(svc.spec.ports[0]).toMatchObject({ port: 80, targetPort: 8080, nodePort: expect.any(Number) as number });
    expect(await ok(['-n', 'typed', 'get', 'svc', 'd', '-o', 'jsonpath={.spec.selector.app} {.spec.type}'])).toBe('d NodePort');
    expect(await ok(['-n', 'typed', 'get', 'pod', 'p', '-o', 'jsonpath={.spec.containers[0].args}'])).toBe('["sleep","1"]');
  });

  test('auth can-i and whoami: the lab token is cluster-admin in system:masters', async () => {
    expect(await ok(['auth', 'can-i', 'create', 'services'])).toBe('yes\n');
    expect(await ok(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.groups}'])).toBe('["system:masters","system:authenticated"]');
  });

  test('a namespace delete cascades to its objects', async () => {
    await ok(['apply', '-f', '-'], 'apiVersion: v1\nkind: Namespace\nmetadata: {name: gone}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: gone}\n');
    await ok(['delete', 'namespace', 'gone']);
    expect((await kubectl(['get', 'namespace', 'gone'])).code).not.toBe(0);
    expect((await kubectl(['get', 'configmap', 'c', '-n', 'gone'])).code).not.toBe(0);
  });
});
