// SPDX-License-Identifier: Apache-2.0
/** Reads the host's interfaces from /sys/class/net. */
import * as fs from 'node:fs';
import type { LinkState } from '../decide/interfaces.js';

const IFF_UP = 0x1;
const IFF_NOARP = 0x80;

function read(path: string): string | undefined {
  try {
    return fs.readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

export function scanLinks(root = '/sys/class/net'): LinkState[] {
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch {
    return [];
  }
  const out: LinkState[] = [];
  for (const name of names) {
    const dir = `${root}/${name}`;
    const flags = parseInt(read(`${dir}/flags`) ?? '0', 16);
    const oper = read(`${dir}/operstate`);
    const type = read(`${dir}/type`);
    // Ethernet only (ARPHRD_ETHER = 1).
    if (type !== '1') continue;
    out.push({
      name,
      mac: (read(`${dir}/address`) ?? '').toLowerCase(),
      up: (flags & IFF_UP) !== 0 && (oper === 'up' || oper === 'unknown'),
      enslaved: fs.existsSync(`${dir}/master`),
      noArp: (flags & IFF_NOARP) !== 0,
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
