/**
 * Fail closed: the real speaker process with an empty METALLB_HEARTBEAT_KEY runs no L2 (unauthenticated heartbeats
 * would let any host on the segment pause or take its addresses) and says so on /healthz and in its log.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { useApiServer } from '../helpers/apiserver.js';
import { until } from '../helpers/until.js';

const REPO = path.resolve(__dirname, '../..');
const api = useApiServer();

test('an empty heartbeat key: L2 refuses to start, /healthz answers 503 with the reason', async () => {
  const p = spawn(process.execPath, [path.join(REPO, 'test/bgp/run-ts.js'), path.join(REPO, 'images/speaker/src/main.ts')], {
    cwd: REPO,
    env: { ...process.env, KUBECONFIG: api.kubeconfigPath, NODE_NAME: 'n0', POD_NAMESPACE: 'd8-metallb', METALLB_HEARTBEAT_KEY: '', METRICS_PORT: '0', METRICS_HOST: '127.0.0.1', LOG_LEVEL: 'info' },
  });
  let log = '';
  p.stdout.on('data', (b: Buffer) => (log += b.toString()));
  p.stderr.on('data', (b: Buffer) => (log += b.toString()));
  try {
    const port = await until('the speaker serving', () => /"port":(\d+)[^}]*"msg":"speaker started"/.exec(log)?.[1], 60_000);
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('l2: METALLB_HEARTBEAT_KEY is empty: L2 does not run with unauthenticated heartbeats');
    expect(log).toMatch(/"agent":"l2".*l2 agent failed to start/);
  } finally {
    p.kill('SIGKILL');
  }
});
