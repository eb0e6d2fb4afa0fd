// SPDX-License-Identifier: Apache-2.0
/**
 * Network namespaces for tests: created by exact name, removed by exact name.
 * Every name starts with the caller's prefix (keep it unique per test file, e.g. "mlb-l2a-").
 * Only documentation ranges are used: 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32.
 */
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { run, runNs } from '../../lab/sys.js';
import { addAddress, addBridge, addNamespace, addVeth, destroyNamespaces, joinBridge, raiseLink } from '../../lab/topology/netns.js';

/** Runs a command and returns stdout: the lab's `run`. */
export const sh = run;

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Why namespace tests cannot run here, or undefined when they can. */
export function netnsUnavailableReason(): string | undefined {
  if (!isRoot()) return 'needs root for network namespaces';
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
  } catch {
    return 'the ip command (iproute2) is missing';
  }
  return undefined;
}

/**
 * A lab prefix of its own for this test process ("ml" + tag + the pid in base 36), so a run never
 * meets the namespaces of another run, even of one that was killed before it could clean up.
 */
export function runPrefix(tag: string): string {
  if (!/^[a-z]$/.test(tag)) throw new Error(`prefix tag "${tag}" must be one lowercase letter`);
  return `ml${tag}${(process.pid % 36 ** 3).toString(36).padStart(3, '0')}-`;
}

/** A set of namespaces and processes that one test owns and removes, built with the lab's toolkit. */
export class Topology {
  readonly namespaces: string[] = [];
  readonly processes: ChildProcess[] = [];

  constructor(readonly prefix: string) {
    if (prefix.length > 8) throw new Error(`prefix "${prefix}" too long: interface names have 15 characters`);
  }

  name(short: string): string {
    return `${this.prefix}${short}`;
  }

  /** A fresh namespace: one left over by a killed run of the same test is removed first. */
  addNamespace(short: string): string {
    const ns = this.name(short);
    destroyNamespaces([ns]);
    addNamespace(ns);
    this.namespaces.push(ns);
    return ns;
  }

  /** A bridge (the "switch") inside its own namespace. */
  addBridge(ns: string, bridge = 'br0'): void {
    addBridge(ns, bridge);
  }

  /** Joins `ns` to the bridge in `switchNs` with a veth pair; returns the interface name inside `ns`. */
  plug(ns: string, switchNs: string, ifName: string, opts: { mac?: string; bridge?: string } = {}): string {
    const port = { ns: switchNs, name: `${ifName}-${ns.slice(this.prefix.length)}`.slice(0, 15) };
    addVeth({ ns, name: ifName }, port);
    raiseLink({ ns, name: ifName }, opts.mac);
    joinBridge(port, opts.bridge ?? 'br0');
    return ifName;
  }

  addAddress(ns: string, ifName: string, cidr: string): void {
    addAddress(ns, ifName, cidr);
  }

  exec(ns: string, cmd: string, args: string[], opts: { allowFail?: boolean } = {}): string {
    return runNs(ns, cmd, args, opts);
  }

  spawn(ns: string, cmd: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
    const p = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    this.processes.push(p);
    return p;
  }

  macOf(ns: string, ifName: string): string {
    const j = JSON.parse(this.exec(ns, 'ip', ['-j', 'link', 'show', ifName])) as Array<{ address: string }>;
    return j[0]?.address ?? '';
  }

  /** Kills our processes by PID and deletes our namespaces by name (their veths go with them). */
  async destroy(): Promise<void> {
    for (const p of this.processes) {
      if (p.exitCode === null && p.signalCode === null) {
        p.kill('SIGKILL');
        await new Promise<void>((r) => {
          const t = setTimeout(r, 2000);
          p.once('exit', () => { clearTimeout(t); r(); });
        });
      }
    }
    destroyNamespaces([...this.namespaces].reverse());
  }
}
