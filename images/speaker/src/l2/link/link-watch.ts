// SPDX-License-Identifier: Apache-2.0
/** Rescans interfaces on every netlink link event (`ip monitor link`) and at a slow period as a fallback. */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import type { LinkState } from '../decide/interfaces.js';
import { scanLinks } from './scan.js';

/** util-linux setpriv: the kernel kills the monitor when the speaker dies, even by SIGKILL, so none is left behind. */
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => fs.existsSync(p));
const MONITOR = ['ip', '-o', 'monitor', 'link'];

export class LinkWatch {
  #timer: NodeJS.Timeout | undefined;
  #monitor: ChildProcess | undefined;

  constructor(private readonly onLinks: (links: LinkState[]) => void, private readonly periodMs = 5000) {}

  start(): void {
    this.#scan();
    this.#timer = setInterval(() => this.#scan(), this.periodMs);
    try {
      const [cmd = 'ip', ...args] = SETPRIV ? [SETPRIV, '--pdeathsig', 'KILL', '--', ...MONITOR] : MONITOR;
      const m = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'] });
      m.on('error', () => undefined);
      m.stdout?.on('data', () => this.#scan());
      this.#monitor = m;
    } catch {
      // No iproute2: the periodic scan still notices changes.
    }
  }

  #scan(): void {
    this.onLinks(scanLinks());
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    if (this.#monitor?.pid !== undefined && this.#monitor.exitCode === null) this.#monitor.kill();
  }
}
