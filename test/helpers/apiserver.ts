// SPDX-License-Identifier: Apache-2.0
/**
 * One embedded API server per jest file: started in beforeAll on a free port in a temp dir,
 * closed (and the dir removed) in afterAll.
 *   const api = useApiServer();
 *   test('...', async () => { const kc = api.kubeConfig(); ... });
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { startApiServer, type ApiServer, type ApiServerOptions } from '../../lab/apiserver/index.js';

export interface TestApiServer {
  /** The running server (after beforeAll). */
  readonly server: ApiServer;
  /** The temp dir holding the kubeconfig (and anything else the test puts there). */
  readonly dir: string;
  readonly kubeconfigPath: string;
  /** A client-node KubeConfig loaded from the server's kubeconfig. */
  kubeConfig(): KubeConfig;
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
  };
}
