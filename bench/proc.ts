// SPDX-License-Identifier: Apache-2.0
/** CPU time and resident memory of a process with its children, from /proc. */
import * as fs from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux

function children(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const t of fs.readdirSync(`/proc/${pid}/task`)) {
      const kids = fs.readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim();
      if (kids) out.push(...kids.split(' ').map(Number));
    }
  } catch {
    // gone meanwhile
  }
  return out;
}

/** CPU time of the process, of its children that exited (cutime + cstime) and of its live descendants, ms; 0 for a process that is gone. */
export function treeCpuMs(pid: number): number {
  let ms = 0;
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    ms = (Number(rest[11]) + Number(rest[12]) + Number(rest[13]) + Number(rest[14])) * TICK_MS;
  } catch {
    return 0;
  }
  for (const k of children(pid)) ms += treeCpuMs(k);
  return ms;
}

/** Resident memory of the process and its live descendants, MiB. */
export function treeRssMiB(pid: number): number {
  let kb = 0;
  try {
    kb = Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
  let mib = kb / 1024;
  for (const k of children(pid)) mib += treeRssMiB(k);
  return mib;
}
