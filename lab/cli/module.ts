// SPDX-License-Identifier: Apache-2.0
/**
 * `metallb-lab module --kubeconfig FILE [--metrics-port P] [--hooks BIN] [--module-dir DIR] [--images DIR] [--no-crds]`:
 * the module runtime (hooks -> values -> helm -> apply) in the foreground until SIGTERM or SIGINT; the images'
 * digests from DIR/images_digests.json (the release's archives; out/images by default).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { newLogger } from '../../lib/log.js';
import { defaultGlobal, ModuleRuntime, type RuntimeOptions } from '../runtime/runtime.js';

const USAGE = 'usage: metallb-lab module --kubeconfig FILE [--metrics-port P] [--hooks BIN] [--module-dir DIR] [--helm BIN] [--images DIR] [--no-crds]';
const FLAGS = ['kubeconfig', 'metrics-port', 'hooks', 'module-dir', 'helm', 'images'];

/** The repository root: the nearest directory above this file holding module.yaml. */
function moduleRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'module.yaml'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('module.yaml not found above the CLI');
    dir = up;
  }
  return dir;
}

/** Parses the flags into runtime options. Exported for tests. */
export function parseArgs(args: string[], root: string): RuntimeOptions {
  const flags = new Map<string, string>();
  let crds = true;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '--no-crds') {
      crds = false;
      continue;
    }
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m?.[1] || !FLAGS.includes(m[1])) throw new Error(`unexpected argument "${a}"\n${USAGE}`);
    const value = m[2] ?? args[++i];
    if (value === undefined) throw new Error(`--${m[1]} needs a value\n${USAGE}`);
    flags.set(m[1], value);
  }
  const kubeconfig = flags.get('kubeconfig');
  if (!kubeconfig) throw new Error(`--kubeconfig is required\n${USAGE}`);
  const moduleDir = path.resolve(flags.get('module-dir') ?? root);
  const o: RuntimeOptions = {
    kubeconfig,
    moduleDir,
    hooks: path.resolve(flags.get('hooks') ?? path.join(root, 'hooks', 'batch')),
    helm: path.resolve(flags.get('helm') ?? path.join(root, '.cache', 'helm', 'helm')),
  };
  const port = flags.get('metrics-port');
  if (port !== undefined) {
    const n = Number(port);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--metrics-port must be 0..65535, got "${port}"`);
    o.metricsPort = n;
  }
  if (crds) o.crdRoots = [moduleDir];
  const images = flags.get('images');
  if (images !== undefined) o.global = defaultGlobal(moduleDir, path.resolve(images));
  for (const [what, file] of [['hooks', o.hooks], ['helm', o.helm], ['kubeconfig', kubeconfig]] as const) {
    if (!fs.existsSync(file)) throw new Error(`${what}: ${file} does not exist${what === 'helm' ? ' (run make setup)' : ''}`);
  }
  return o;
}

export async function main(args: string[]): Promise<void> {
  const log = newLogger('module-runtime');
  const rt = new ModuleRuntime({ ...parseArgs(args, moduleRoot()), log });
  await rt.start();
  log.info({ hooks: rt.hooks.map((h) => h.metadata?.name), metricsPort: rt.metricsPort, ...rt.stats.lastApply }, 'module converged; watching');
  await new Promise<void>((resolve) => {
    const stop = (sig: string): void => {
      log.info({ signal: sig }, 'stopping');
      void rt.stop().then(resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
