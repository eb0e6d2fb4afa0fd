// SPDX-License-Identifier: Apache-2.0
/**
 * A container's OCI runtime spec (runc's config.json) as containerd's CRI plugin would build it from a Pod:
 * the user and groups (securityContext, else the image's), capabilities (containerd's default set, minus
 * drop, plus add; all when privileged), no_new_privs from allowPrivilegeEscalation, a read-only root,
 * seccomp RuntimeDefault from the distribution's default profile, the masked and read-only /proc paths,
 * the Pod's network namespace (the node's for hostNetwork), and the volume mounts. Pure.
 */
import type { V1Container, V1PodSpec, V1SeccompProfile } from '@kubernetes/client-node';

/** containerd's default capability set for containers. */
export const DEFAULT_CAPS = ['CHOWN', 'DAC_OVERRIDE', 'FSETID', 'FOWNER', 'MKNOD', 'NET_RAW', 'SETGID', 'SETUID', 'SETFCAP', 'SETPCAP', 'NET_BIND_SERVICE', 'SYS_CHROOT', 'KILL', 'AUDIT_WRITE'];

/** Every capability, for privileged containers. */
export const ALL_CAPS = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP', 'LINUX_IMMUTABLE', 'NET_BIND_SERVICE',
  'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER', 'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN',
  'SYS_BOOT', 'SYS_NICE', 'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP', 'MAC_OVERRIDE',
  'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ', 'PERFMON', 'BPF', 'CHECKPOINT_RESTORE',
];

const MASKED = ['/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap'];
const READONLY = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** What the image says about how to run it. */
export interface ImageConfig {
  readonly Entrypoint?: string[];
  readonly Cmd?: string[];
  readonly User?: string;
  readonly Env?: string[];
  readonly WorkingDir?: string;
}

/** The security a container runs with, resolved from the pod and container securityContext and the image. */
export interface Security {
  readonly uid: number;
  readonly gid: number;
  readonly groups: number[];
  /** Capability names without the CAP_ prefix. */
  readonly caps: string[];
  readonly noNewPrivileges: boolean;
  readonly readOnlyRoot: boolean;
  readonly privileged: boolean;
  readonly seccomp: 'RuntimeDefault' | 'Unconfined';
}

export class SecurityError extends Error {}

const upper = (c: string): string => c.toUpperCase().replace(/^CAP_/, '');

/** The image's numeric user (`uid[:gid]`); names are not resolved (the images use numbers). */
function imageUser(user: string | undefined): { uid: number; gid: number } {
  const [u, g] = (user || '0').split(':');
  const uid = Number(u);
  if (!Number.isInteger(uid)) throw new SecurityError(`image user "${user}" is not numeric`);
  return { uid, gid: g === undefined ? 0 : Number(g) };
}

/** The container's security, or a SecurityError as the kubelet's CreateContainerConfigError says it. */
export function resolveSecurity(pod: V1PodSpec, c: V1Container, image: ImageConfig): Security {
  const ps = pod.securityContext ?? {};
  const cs = c.securityContext ?? {};
  const img = imageUser(image.User);
  const uid = cs.runAsUser ?? ps.runAsUser ?? img.uid;
  // Without runAsGroup, the image's group when the user is the image's, else root's group.
  const gid = cs.runAsGroup ?? ps.runAsGroup ?? (uid === img.uid ? img.gid : 0);
  if ((cs.runAsNonRoot ?? ps.runAsNonRoot) && uid === 0) throw new SecurityError('container has runAsNonRoot and image will run as root');
  const privileged = cs.privileged === true;
  const drop = (cs.capabilities?.drop ?? []).map(upper);
  const add = (cs.capabilities?.add ?? []).map(upper);
  const base = drop.includes('ALL') ? [] : DEFAULT_CAPS.filter((x) => !drop.includes(x));
  const caps = privileged ? [...ALL_CAPS] : [...new Set([...base, ...(add.includes('ALL') ? ALL_CAPS : add)])];
  const profile: V1SeccompProfile | undefined = cs.seccompProfile ?? ps.seccompProfile;
  return {
    uid,
    gid,
    groups: [...(ps.supplementalGroups ?? []), ...(ps.fsGroup !== undefined ? [ps.fsGroup] : [])],
    caps,
    noNewPrivileges: cs.allowPrivilegeEscalation === false && !privileged,
    readOnlyRoot: cs.readOnlyRootFilesystem === true,
    privileged,
    seccomp: !privileged && profile?.type === 'RuntimeDefault' ? 'RuntimeDefault' : 'Unconfined',
  };
}

/** A docker-format seccomp profile (as /usr/share/containers/seccomp.json holds the default one). */
export interface SeccompProfileFile {
  defaultAction: string;
  defaultErrnoRet?: number;
  archMap?: Array<{ architecture: string; subArchitectures?: string[] }>;
  syscalls: Array<{ names: string[]; action: string; args?: unknown[]; errnoRet?: number; includes?: { arches?: string[]; caps?: string[] }; excludes?: { arches?: string[]; caps?: string[] } }>;
}

/** The OCI form of the default profile for x86-64 and the container's capabilities (as containerd and podman filter it). */
export function seccompFor(profile: SeccompProfileFile, caps: readonly string[]): Record<string, unknown> {
  const capSet = new Set(caps.map((c) => `CAP_${c}`));
  const arch = profile.archMap?.find((a) => a.architecture === 'SCMP_ARCH_X86_64');
  const applies = (s: SeccompProfileFile['syscalls'][number]): boolean => {
    if (s.includes?.arches?.length && !s.includes.arches.includes('amd64')) return false;
    if (s.includes?.caps?.length && !s.includes.caps.every((c) => capSet.has(c))) return false;
    if (s.excludes?.arches?.includes('amd64')) return false;
    if (s.excludes?.caps?.some((c) => capSet.has(c))) return false;
    return true;
  };
  return {
    defaultAction: profile.defaultAction,
    ...(profile.defaultErrnoRet !== undefined ? { defaultErrnoRet: profile.defaultErrnoRet } : {}),
    architectures: arch ? [arch.architecture, ...(arch.subArchitectures ?? [])] : ['SCMP_ARCH_X86_64'],
    syscalls: profile.syscalls.filter(applies).map((s) => ({ names: s.names, action: s.action, ...(s.args?.length ? { args: s.args } : {}), ...(s.errnoRet !== undefined ? { errnoRet: s.errnoRet } : {}) })),
  };
}

export interface Mount {
  readonly destination: string;
  readonly source: string;
  readonly readOnly: boolean;
}

export interface RuntimeInput {
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly hostname: string;
  readonly rootfs: string;
  /** The network namespace to join (the pod's, or the node's for hostNetwork). */
  readonly netnsPath: string;
  readonly security: Security;
  readonly mounts: readonly Mount[];
  /** The OCI seccomp section, when the container asks for RuntimeDefault. */
  readonly seccomp?: Record<string, unknown> | undefined;
}

/** The config.json runc runs. */
export function runtimeSpec(i: RuntimeInput): Record<string, unknown> {
  const caps = i.security.caps.map((c) => `CAP_${c}`);
  const base = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
  ];
  const volumes = i.mounts.map((m) => ({ destination: m.destination, type: 'bind', source: m.source, options: ['rbind', 'rprivate', m.readOnly ? 'ro' : 'rw'] }));
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: i.security.uid, gid: i.security.gid, ...(i.security.groups.length ? { additionalGids: i.security.groups } : {}) },
      args: [...i.args],
      env: Object.entries(i.env).map(([k, v]) => `${k}=${v}`),
      cwd: i.cwd || '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      noNewPrivileges: i.security.noNewPrivileges,
    },
    root: { path: i.rootfs, readonly: i.security.readOnlyRoot },
    hostname: i.hostname,
    mounts: [...base, ...volumes],
    linux: {
      namespaces: [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'network', path: i.netnsPath }],
      maskedPaths: i.security.privileged ? [] : MASKED,
      readonlyPaths: i.security.privileged ? [] : READONLY,
      ...(i.seccomp && i.security.seccomp === 'RuntimeDefault' ? { seccomp: i.seccomp } : {}),
    },
  };
}
