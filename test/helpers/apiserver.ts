// SPDX-License-Identifier: Apache-2.0
/**
 * One embedded API server per jest file: started in beforeAll on a free port in a temp dir,
 * closed (and the dir removed) in afterAll.
 *   const api = useApiServer();
 *   test('...', async () => { const kc = api.kubeConfig(); ... });
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { startApiServer, type ApiServer, type ApiServerOptions } from '../../lab/apiserver/index.js';
import { StatusError } from '../../lab/apiserver/status.js';

export interface TestApiServer {
  /** The running server (after beforeAll). */
  readonly server: ApiServer;
  /** The temp dir holding the kubeconfig (and anything else the test puts there). */
  readonly dir: string;
  readonly kubeconfigPath: string;
  /** A client-node KubeConfig loaded from the server's kubeconfig. */
  kubeConfig(): KubeConfig;
  /** Runs the real kubectl against the server; never rejects. */
  kubectl(args: string[], input?: string): Promise<KubectlRun>;
  /** Runs kubectl and gives its stdout; rejects with its stderr when it fails. */
  kubectlOk(args: string[], input?: string): Promise<string>;
}

export const KUBECTL = '/usr/bin/kubectl';

export interface KubectlRun {
  code: number;
  out: string;
  err: string;
}

/** Runs the real kubectl with KUBECONFIG set; resolves with its exit code and output. */
export function runKubectl(kubeconfig: string, args: string[], input?: string): Promise<KubectlRun> {
  return new Promise((resolve) => {
    const p = execFile(KUBECTL, args, { env: { ...process.env, KUBECONFIG: kubeconfig }, timeout: 30_000 }, (e, out, err) => {
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, out, err });
    });
    if (input !== undefined) p.stdin?.end(input);
  });
}

/** Starts a server for the calling test file; extra options go to startApiServer. */
export function useApiServer(opts: Omit<ApiServerOptions, 'kubeconfigPath'> = {}): TestApiServer {
  let server: ApiServer | undefined;
  let dir = '';
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlb-api-'));
    server = await startApiServer({ port: 0, ...opts, kubeconfigPath: path.join(dir, 'kubeconfig') });
  });
  afterAll(async () => {
    await server?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    get server() {
      if (!server) throw new Error('the API server is not started yet (use it inside a test)');
      return server;
    },
    get dir() {
      return dir;
    },
    get kubeconfigPath() {
      return path.join(dir, 'kubeconfig');
    },
    kubeConfig() {
      const kc = new KubeConfig();
      kc.loadFromFile(path.join(dir, 'kubeconfig'));
      return kc;
    },
    kubectl(args, input) {
      return runKubectl(path.join(dir, 'kubeconfig'), args, input);
    },
    async kubectlOk(args, input) {
      const r = await runKubectl(path.join(dir, 'kubeconfig'), args, input);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.err}`);
      return r.out;
    },
  };
}

/** A fault in `server`: every list of `resource` is answered with a 500 until heal(); restore() takes the fault out. */
export function refuseLists(server: ApiServer, resource: string): { readonly refused: number; heal(): void; restore(): void } {
  const api = server.api;
  const listJson = api.listJson.bind(api);
  let failing = true;
  let refused = 0;
  api.listJson = (t, sel) => {
    if (failing && t.type.resource === resource) {
      refused++;
      throw new StatusError(500, 'InternalError', 'storage is not answering');
    }
    return listJson(t, sel);
  };
  return {
    get refused() {
      return refused;
    },
    heal: () => { failing = false; },
    restore: () => { api.listJson = listJson; },
  };
}
