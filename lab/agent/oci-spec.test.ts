import type { V1Container, V1PodSpec } from '@kubernetes/client-node';
import { DEFAULT_CAPS, resolveSecurity, runtimeSpec, seccompFor, SecurityError, type SeccompProfileFile } from './oci-spec.js';

const speaker: V1Container = { name: 'speaker', securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_RAW', 'NET_ADMIN'] } } };
const pod = (c: V1Container, sc: V1PodSpec['securityContext'] = {}): V1PodSpec => ({ containers: [c], securityContext: sc });

describe('container security from the securityContext', () => {
  test('the speaker: root, exactly NET_RAW and NET_ADMIN, no_new_privs, read-only root, RuntimeDefault seccomp', () => {
    expect(resolveSecurity(pod(speaker, { runAsUser: 0, runAsGroup: 0, seccompProfile: { type: 'RuntimeDefault' } }), speaker, { User: '0:0' })).toEqual({
      uid: 0, gid: 0, groups: [], caps: ['NET_RAW', 'NET_ADMIN'], noNewPrivileges: true, readOnlyRoot: true, privileged: false, seccomp: 'RuntimeDefault',
    });
  });

  test('the image\'s user when the pod sets none; runAsGroup defaults to the image\'s group for the image\'s user', () => {
    const c: V1Container = { name: 'c' };
    expect(resolveSecurity(pod(c), c, { User: '64535:64535' })).toMatchObject({ uid: 64535, gid: 64535 });
    expect(resolveSecurity(pod(c, { runAsUser: 1000 }), c, { User: '64535:64535' })).toMatchObject({ uid: 1000, gid: 0 });
  });

  test('containerd\'s default capabilities without drop ALL; privileged gets all and no seccomp', () => {
    const c: V1Container = { name: 'c', securityContext: { capabilities: { drop: ['NET_RAW'], add: ['SYS_TIME'] } } };
    expect(resolveSecurity(pod(c), c, {}).caps).toEqual([...DEFAULT_CAPS.filter((x) => x !== 'NET_RAW'), 'SYS_TIME']);
    const p: V1Container = { name: 'p', securityContext: { privileged: true } };
    expect(resolveSecurity(pod(p, { seccompProfile: { type: 'RuntimeDefault' } }), p, {})).toMatchObject({ privileged: true, seccomp: 'Unconfined' });
  });

  test('runAsNonRoot with a root user is refused as the kubelet refuses it', () => {
    const c: V1Container = { name: 'c', securityContext: { runAsNonRoot: true } };
    expect(() => resolveSecurity(pod(c), c, { User: '0' })).toThrow(new SecurityError('container has runAsNonRoot and image will run as root'));
  });
});

describe('runc config', () => {
  const profile: SeccompProfileFile = {
    defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 38,
    archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] }],
    syscalls: [
      { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
      { names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64', 'x32'] } },
      { names: ['cacheflush'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['arm64'] } },
      { names: ['settimeofday'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_TIME'] } },
      { names: ['unshare'], action: 'SCMP_ACT_ERRNO', excludes: { caps: ['CAP_SYS_ADMIN'] } },
    ],
  };

  test('the default seccomp profile for x86-64 and the container\'s capabilities', () => {
    const s = seccompFor(profile, ['NET_RAW']) as { architectures: string[]; syscalls: Array<{ names: string[] }> };
    expect(s.architectures).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
    expect(s.syscalls.map((x) => x.names[0])).toEqual(['read', 'arch_prctl', 'unshare']);
    expect((seccompFor(profile, ['SYS_TIME', 'SYS_ADMIN']) as { syscalls: Array<{ names: string[] }> }).syscalls.map((x) => x.names[0])).toEqual(['read', 'arch_prctl', 'settimeofday']);
  });

  test('config.json: user, capability sets, read-only root, the netns to join, masked paths, mounts', () => {
    const sec = resolveSecurity(pod(speaker, { runAsUser: 0, seccompProfile: { type: 'RuntimeDefault' } }), speaker, {});
    const cfg = runtimeSpec({ args: ['node', 'main.js'], env: { A: 'b' }, cwd: '/', hostname: 'node-1', rootfs: '/images/speaker/rootfs', netnsPath: '/run/netns/mlab-node-1', security: sec, mounts: [{ destination: '/etc/x', source: '/pods/p/volumes/x', readOnly: true }], seccomp: seccompFor(profile, sec.caps) }) as {
      process: { user: unknown; capabilities: Record<string, string[]>; noNewPrivileges: boolean; env: string[] }; root: unknown;
      linux: { namespaces: unknown[]; maskedPaths: string[]; seccomp?: unknown }; mounts: Array<{ destination: string; options: string[] }>;
    };
    expect(cfg.process.user).toEqual({ uid: 0, gid: 0 });
    expect(cfg.process.capabilities).toEqual({ bounding: ['CAP_NET_RAW', 'CAP_NET_ADMIN'], effective: ['CAP_NET_RAW', 'CAP_NET_ADMIN'], permitted: ['CAP_NET_RAW', 'CAP_NET_ADMIN'] });
    expect(cfg.process.noNewPrivileges).toBe(true);
    expect(cfg.process.env).toEqual(['A=b']);
    expect(cfg.root).toEqual({ path: '/images/speaker/rootfs', readonly: true });
    expect(cfg.linux.namespaces).toContainEqual({ type: 'network', path: '/run/netns/mlab-node-1' });
    expect(cfg.linux.maskedPaths).toContain('/proc/kcore');
    expect(cfg.linux.seccomp).toBeDefined();
    expect(cfg.mounts.find((m) => m.destination === '/etc/x')?.options).toEqual(['rbind', 'rprivate', 'ro']);
  });
});
