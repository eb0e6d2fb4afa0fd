// SPDX-License-Identifier: Apache-2.0
/** The module runtime with the module's real hooks and chart, and the controller, against a test API server. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { newLogger } from '../../lib/log.js';
import { Kube } from '../../lab/runtime/kube.js';
import { ModuleRuntime } from '../../lab/runtime/runtime.js';
import { run as runController, type Running } from '../../images/controller/src/main.js';
import { useApiServer } from '../helpers/apiserver.js';
import { buildHooksTree, repoRoot } from '../helpers/hooks-tree.js';

export interface ModuleE2e {
  /** Why the tests are skipped (no helm), if they are. */
  readonly missing: string | undefined;
  readonly it: typeof test;
  readonly kube: () => Kube;
  /** Starts the runtime; its first module run is not awaited, objects may arrive meanwhile. */
  startRuntime(): ModuleRuntime;
  startController(podName: string): Promise<Running>;
}

/** Call at the top of a test file: registers the API server and the cleanup. */
export function useModuleE2e(name: string): ModuleE2e {
  const helm = path.join(repoRoot, '.cache/helm/helm');
  const missing = fs.existsSync(helm) ? undefined : 'helm is missing (run scripts/setup.sh)';
  const api = useApiServer();
  const tree = buildHooksTree(name, ['lib', 'hooks/src'], 'hooks/src/index');
  const log = newLogger(name, process.env.E2E_LOG ?? 'silent');
  let rt: ModuleRuntime | undefined;
  let controller: Running | undefined;
  let kube: Kube | undefined;
  afterAll(async () => {
    await controller?.stop();
    await rt?.stop();
    tree.remove();
  });
  return {
    missing,
    it: missing ? test.skip : test,
    kube: () => (kube ??= new Kube(api.kubeconfigPath)),
    startRuntime() {
      rt = new ModuleRuntime({ kubeconfig: api.kubeconfigPath, moduleDir: repoRoot, hooks: tree.batch, helm, backoff: { baseMs: 200, maxMs: 1000 }, crdRoots: [repoRoot], log });
      rt.start().catch(() => undefined);
      return rt;
    },
    async startController(podName) {
      process.env.KUBECONFIG = api.kubeconfigPath;
      controller = await runController({ POD_NAME: podName, POD_NAMESPACE: 'd8-metallb', METRICS_PORT: '0', LOG_LEVEL: process.env.E2E_LOG ?? 'silent' });
      return controller;
    },
  };
}
