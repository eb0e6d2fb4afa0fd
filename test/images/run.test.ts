// SPDX-License-Identifier: Apache-2.0
/**
 * The controller and speaker images start from their archives under runc with what the rendered templates give
 * them (command, env, user, read-only root, capabilities, volumes), in a network namespace of their own that
 * reaches the test's API server, and answer their health endpoints. The speaker image also loads its native
 * addons and opens a packet link (AF_PACKET socket and its answering thread) on the namespace's loopback.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import type { V1PodSpec } from '@kubernetes/client-node';
import { podProcesses } from '../../lab/agent/podspec.js';
import { APP_DIR, loadContents } from '../../scripts/images/contents.js';
import { useApiServer } from '../helpers/apiserver.js';
import { findManifest, renderChart } from '../helpers/helm.js';
import { ensureImages, extractLayout, missingTools, outDir, repoRoot, unpackBundle } from '../helpers/images.js';
import { netnsUnavailableReason, Topology } from '../helpers/netns.js';
import { until } from '../helpers/until.js';

const why = missingTools('runc') ?? netnsUnavailableReason();
const contents = loadContents(repoRoot);

interface RuntimeSpec {
  process: { args: string[]; env: string[]; user: { uid: number; gid: number }; terminal?: boolean; capabilities?: Record<string, string[]>; noNewPrivileges?: boolean };
  root: { path: string; readonly?: boolean };
  mounts: { destination: string; type: string; source: string; options?: string[] }[];
  linux: { namespaces: { type: string; path?: string }[] };
}

type Container = { name: string; securityContext?: { readOnlyRootFilesystem?: boolean; capabilities?: { add?: string[] } }; volumeMounts?: { name: string; mountPath: string }[] };
type PodSpec = V1PodSpec & { securityContext?: { runAsUser?: number; runAsGroup?: number }; containers: Container[] };

(why ? describe.skip : describe)(`images under runc${why ? ` (skipped: ${why})` : ''}`, () => {
  jest.setTimeout(600_000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlb-runc-'));
  const api = useApiServer({ socketPath: path.join(tmp, 'api.sock') });
  const topo = new Topology('mlb-img-');
  const running = new Map<string, ChildProcess>();
  const logs = new Map<string, string>();
  let ns = '';
  let pods: { controller: PodSpec; speaker: PodSpec };

  beforeAll(async () => {
    const built = ensureImages();
    const values = yaml.load(fs.readFileSync(path.join(repoRoot, 'test/render/scenarios/base.yaml'), 'utf8')) as { global: { modulesImages: { digests: { metallb: Record<string, string> } } }; metallb: { internal: Record<string, unknown> } };
    const l2 = yaml.load(fs.readFileSync(path.join(repoRoot, 'test/render/scenarios/l2.yaml'), 'utf8')) as { metallb: { internal: Record<string, unknown> } };
    values.global.modulesImages.digests.metallb = built.digests;
    values.metallb.internal = { ...values.metallb.internal, ...l2.metallb.internal };
    const ms = renderChart(values);
    const spec = (kind: string, name: string) => (findManifest(ms, kind, name, 'd8-metallb')?.spec as { template: { spec: PodSpec } }).template.spec;
    pods = { controller: spec('Deployment', 'controller'), speaker: spec('DaemonSet', 'speaker') };
    ns = topo.addNamespace('n');
    const port = new URL(api.server.url).port;
    const fwd = topo.spawn(ns, 'node', [path.join(repoRoot, 'dist/lab/agent/forwarder.js'), port, path.join(tmp, 'api.sock')]);
    fwd.stderr?.on('data', (d: Buffer) => process.stderr.write(d));
    await api.kubectlOk(['create', 'namespace', 'd8-metallb']);
    // The module installs all its CRDs; the controller and speaker are healthy only once they listed every kind they read.
    await api.kubectlOk(['apply', '-f', path.join(repoRoot, 'crds/internal'), '-f', path.join(repoRoot, 'crds/native'), '-f', path.join(repoRoot, 'crds/metalloadbalancerclasses.yaml')]);
  });

  /** Kills and removes a container this test started. */
  const stop = (id: string): void => {
    spawnSync('runc', ['kill', id, 'KILL'], { stdio: 'ignore' });
    spawnSync('runc', ['delete', '-f', id], { stdio: 'ignore' });
    running.delete(id);
  };

  afterAll(async () => {
    for (const id of [...running.keys()]) stop(id);
    await topo.destroy();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** Starts `name`'s container as the kubelet would from the rendered pod spec; returns its runc id. */
  function start(name: 'controller' | 'speaker'): string {
    const pod = pods[name];
    const c = pod.containers[0]!;
    const procs = podProcesses(pod, { name: `${name}-0`, namespace: 'd8-metallb', nodeName: 'node-1', podIP: '127.0.0.1', hostIP: '127.0.0.1', labels: {}, annotations: {} }, { secret: (_ns, secret) => (secret === 'speaker-heartbeat-key' ? { key: 'image-run-test-key' } : undefined), configMap: () => ({}) }, APP_DIR);
    if (!procs.ok) throw new Error(procs.message);
    const proc = procs.processes[0]!;
    const dir = path.join(tmp, name);
    const bundle = unpackBundle(path.join(outDir, `${name}.tar`), dir);
    const cfgFile = path.join(bundle, 'config.json');
    const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8')) as RuntimeSpec;
    // The image runs exactly what the template says, as the user the template says.
    expect(cfg.process.args).toEqual(proc.argv);
    expect(cfg.process.args).toEqual(contents.images[name]!.entrypoint);
    expect(`${pod.securityContext?.runAsUser}:${pod.securityContext?.runAsGroup}`).toBe(contents.images[name]!.user);
    expect(cfg.process.user).toEqual({ uid: pod.securityContext?.runAsUser, gid: pod.securityContext?.runAsGroup });
    fs.mkdirSync(path.join(dir, 'kube'));
    fs.copyFileSync(api.kubeconfigPath, path.join(dir, 'kube/config'));
    fs.chmodSync(path.join(dir, 'kube/config'), 0o644);
    cfg.process.terminal = false;
    cfg.process.env = [...cfg.process.env, ...Object.entries(proc.env).map(([k, v]) => `${k}=${v}`), 'KUBECONFIG=/var/run/metallb/kube/config'];
    cfg.root.readonly = c.securityContext?.readOnlyRootFilesystem === true;
    const caps = (c.securityContext?.capabilities?.add ?? []).map((x) => `CAP_${x}`);
    cfg.process.capabilities = { bounding: caps, effective: caps, permitted: caps, ambient: caps };
    cfg.process.noNewPrivileges = true;
    cfg.mounts.push({ destination: '/var/run/metallb/kube', type: 'bind', source: path.join(dir, 'kube'), options: ['rbind', 'ro'] });
    for (const m of c.volumeMounts ?? []) {
      const src = path.join(dir, 'volumes', m.name);
      fs.mkdirSync(src, { recursive: true });
      cfg.mounts.push({ destination: m.mountPath, type: 'bind', source: src, options: ['rbind', 'ro'] });
    }
    cfg.linux.namespaces = cfg.linux.namespaces.map((n) => (n.type === 'network' ? { type: 'network', path: `/run/netns/${ns}` } : n));
    fs.writeFileSync(cfgFile, JSON.stringify(cfg));
    const id = `mlb-img-${name}`;
    spawnSync('runc', ['delete', '-f', id], { stdio: 'ignore' });
    const p = spawn('runc', ['run', '--bundle', bundle, id], { stdio: ['ignore', 'pipe', 'pipe'] });
    logs.set(id, '');
    const log = (d: Buffer) => logs.set(id, (logs.get(id) ?? '') + d.toString());
    p.stdout.on('data', log);
    p.stderr.on('data', log);
    running.set(id, p);
    return id;
  }

  /** Runs node inside the container: the image has no shell or curl, only what its program needs. */
  const inside = (id: string, script: string): { status: number | null; out: string } => {
    const r = spawnSync('runc', ['exec', id, 'node', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  };
  const get = (id: string, url: string): string => inside(id, `require('http').get(${JSON.stringify(url)}, (r) => { let d = ''; r.on('data', (c) => (d += c)); r.on('end', () => console.log(r.statusCode, d.trim())); }).on('error', (e) => console.log('error', e.message));`).out.trim();

  test('controller: runs as 64535 on a read-only root, answers /healthz, and /readyz once its caches are filled from the API server', async () => {
    const id = start('controller');
    try {
      await until('controller /healthz', () => get(id, 'http://127.0.0.1:7472/healthz').startsWith('200'), 60_000, 500);
      await until('controller /readyz', () => get(id, 'http://127.0.0.1:7472/readyz').startsWith('200'), 60_000, 500);
      expect(inside(id, 'console.log(process.getuid(), process.getgid())').out.trim()).toBe('64535 64535');
      expect(inside(id, "require('fs').writeFileSync('/app/x', '')").status).not.toBe(0);
    } catch (e) {
      throw new Error(`${(e as Error).message}\ncontainer output:\n${logs.get(id)?.slice(-3000)}`);
    } finally {
      stop(id); // the speaker shares this network namespace and its port 7472
    }
  });

  test('speaker: answers /healthz; its native addons load and a packet link opens in the image', async () => {
    const id = start('speaker');
    try {
      await until('speaker /healthz', () => get(id, 'http://127.0.0.1:7472/healthz').startsWith('200'), 60_000, 500);
      // TCP-MD5 addon: a socket with a key set on it.
      const md5 = inside(id, "const a = require('/app/dist/images/speaker/src/bgp/tcp.js').tcpMd5(); const fd = a.socket(2); a.setMd5(fd, '192.0.2.1', Buffer.from('secret')); a.close(fd); console.log('md5 ok');");
      expect(md5.out).toContain('md5 ok');
      // The packet link (AF_PACKET socket, answering thread) opens lo and stays up until closed.
      const cap = inside(id, "const l = require('/app/dist/images/speaker/src/l2/link/packet-link.js').openPacketLink('lo', '00:00:00:00:00:00', 60000); let closed = ''; l.onClose((r) => (closed = r)); setTimeout(() => { console.log(closed ? 'closed: ' + closed : 'capture up'); l.close(); }, 2000);");
      expect(cap.out).toContain('capture up');
      expect(execFileSync('runc', ['ps', id], { encoding: 'utf8' })).toMatch(/node/);
    } catch (e) {
      throw new Error(`${(e as Error).message}\ncontainer output:\n${logs.get(id)?.slice(-3000)}`);
    }
  });

  test('the images carry the entrypoint and user that images/contents.yaml and the templates give', () => {
    for (const name of ['controller', 'speaker'] as const) {
      const cfg = extractLayout(path.join(outDir, `${name}.tar`), path.join(tmp, `cfg-${name}`)).config.config;
      const c = pods[name].containers[0] as Container & { command?: string[]; args?: string[] };
      expect(cfg.Entrypoint).toEqual([...(c.command ?? []), ...(c.args ?? [])]);
      expect(cfg.User).toBe(`${pods[name].securityContext?.runAsUser}:${pods[name].securityContext?.runAsGroup}`);
    }
  });
});
