// SPDX-License-Identifier: Apache-2.0
/**
 * The ARP and NDP responders MetalLB's speaker runs, rebuilt on the same libraries (mdlayher/arp and
 * mdlayher/ndp from Debian's golang packages, offline: GOPATH mode over /usr/share/gocode).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const SOURCES = path.resolve(__dirname, '../../../bench/reference');
const GOPATH = '/usr/share/gocode';

/** Why the Go references cannot be built here, or undefined. */
export function mdlayherUnavailableReason(): string | undefined {
  for (const lib of ['arp', 'ndp']) if (!fs.existsSync(path.join(GOPATH, 'src/github.com/mdlayher', lib))) return `golang-github-mdlayher-${lib}-dev is not installed`;
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
  } catch {
    return 'golang-go is not installed';
  }
  return undefined;
}

/** Builds `mdlayher-arp` and `mdlayher-ndp` into `dir`; returns their paths. */
export function buildMdlayherResponders(dir: string): { arp: string; ndp: string } {
  const env = { ...process.env, GO111MODULE: 'off', GOPATH, GOFLAGS: '', GOCACHE: path.join(dir, 'go-cache') };
  const out = { arp: path.join(dir, 'mdlayher-arp'), ndp: path.join(dir, 'mdlayher-ndp') };
  for (const [name, bin] of Object.entries(out)) {
    execFileSync('go', ['build', '-o', bin, `./mdlayher-${name}`], { cwd: SOURCES, env, stdio: ['ignore', 'ignore', 'pipe'] });
  }
  return out;
}
