// SPDX-License-Identifier: Apache-2.0
/** The real helm binary against the server: install, upgrade, list, template --validate, uninstall. */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { useApiServer } from '../helpers/apiserver.js';

const HELM = path.resolve(__dirname, '../../.cache/helm/helm');
const api = useApiServer();
const maybe = fs.existsSync(HELM) ? test : test.skip;

function run(cmd: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: { ...process.env, KUBECONFIG: api.kubeconfigPath, HELM_CACHE_HOME: path.join(api.dir, 'cache'), HELM_CONFIG_HOME: path.join(api.dir, 'config'), HELM_DATA_HOME: path.join(api.dir, 'data') }, timeout: 60_000 }, (e, out, err) => {
      resolve({ code: e ? 1 : 0, out, err });
    });
  });
}

function chart(dir: string): string {
  const c = path.join(dir, 'chart');
  fs.mkdirSync(path.join(c, 'templates'), { recursive: true });
  fs.writeFileSync(path.join(c, 'Chart.yaml'), 'apiVersion: v2\nname: demo\nversion: 0.1.0\n');
  fs.writeFileSync(path.join(c, 'templates', 'all.yaml'), [
    'apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: demo}', 'data: {tag: "{{ .Values.tag }}"}', '---',
    'apiVersion: apps/v1', 'kind: Deployment', 'metadata: {name: demo}', 'spec:', '  selector: {matchLabels: {app: demo}}',
    '  template:', '    metadata: {labels: {app: demo}}', '    spec:', '      containers: [{name: c, image: "demo:{{ .Values.tag }}"}]', '',
  ].join('\n'));
  fs.writeFileSync(path.join(c, 'values.yaml'), 'tag: one\n');
  return c;
}

describe(fs.existsSync(HELM) ? 'helm' : 'helm (skipped: run scripts/setup.sh to fetch .cache/helm/helm)', () => {
  maybe('install, upgrade, template --validate and uninstall', async () => {
    const c = chart(api.dir);
    const install = await run(HELM, ['upgrade', '--install', 'demo', c, '-n', 'default']);
    expect(install.err).toBe('');
    expect(install.out).toMatch(/STATUS: deployed\nREVISION: 1/);
    const up = await run(HELM, ['upgrade', '--install', 'demo', c, '-n', 'default', '--set', 'tag=two']);
    expect(up.out).toMatch(/REVISION: 2/);
    const dep = api.server.api.get({ type: api.server.api.find('apps', 'v1', 'deployments') ?? fail('no deployments'), version: 'v1', namespace: 'default', name: 'demo' });
    expect(JSON.stringify(dep.spec)).toContain('demo:two');
    expect((await run(HELM, ['list', '-n', 'default'])).out).toMatch(/^demo\s+default\s+2\s.*deployed/m);
    const tpl = await run(HELM, ['template', 'demo', c, '--validate']);
    expect(tpl.code).toBe(0);
    expect(tpl.out).toContain('kind: Deployment');
    expect((await run(HELM, ['uninstall', 'demo', '-n', 'default'])).out).toMatch(/release "demo" uninstalled/);
    const cms = api.server.api.list({ type: api.server.api.find('', 'v1', 'configmaps') ?? fail('no configmaps'), version: 'v1', namespace: 'default' }, {});
    expect(cms.items.map((o) => o.metadata.name)).not.toContain('demo');
  });
});

function fail(why: string): never {
  throw new Error(why);
}
