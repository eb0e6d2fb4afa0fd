// SPDX-License-Identifier: Apache-2.0
/** TCP for BGP: dialing with a timeout, TCP-MD5 (RFC 2385) and TTL options through the tcpmd5 addon, and the connection interface the session uses. */
import type * as dgram from 'node:dgram';
import * as net from 'node:net';
import { familyOf } from '../../../../lib/ip.js';
import { nativeAddon } from '../native.js';

/** A connection as the session sees it (tests hand in an in-memory one). */
export interface Conn {
  readonly localAddress: string | undefined;
  readonly remoteAddress: string | undefined;
  write(b: Uint8Array): void;
  close(): void;
  onData(fn: (b: Buffer) => void): void;
  onClose(fn: (detail: string) => void): void;
}

interface TcpMd5Addon {
  socket(family: number): number;
  setMd5(fd: number, peer: string, key: Buffer): void;
  setInt(fd: number, level: number, name: number, value: number): void;
  filterMinTtl(fd: number, family: number, min: number): void;
  close(fd: number): void;
}

let addon: TcpMd5Addon | undefined;

/** The addon; throws when it is not built. */
export function tcpMd5(): TcpMd5Addon {
  addon ??= nativeAddon<TcpMd5Addon>('tcpmd5');
  return addon;
}

const IPPROTO_IP = 0;
const IPPROTO_IPV6 = 41;
const IP_TTL = 2;
const IPV6_UNICAST_HOPS = 16;
const IP_MINTTL = 21;
const IPV6_MINHOPCOUNT = 73;

/** Wraps a net.Socket as a Conn. */
export function connOf(s: net.Socket): Conn {
  const strip = (a: string | undefined) => a?.replace(/^::ffff:(?=\d+\.)/, '');
  let closed = false;
  return {
    localAddress: strip(s.localAddress),
    remoteAddress: strip(s.remoteAddress),
    write: (b) => { if (!closed) s.write(b); },
    close: () => { closed = true; s.destroy(); },
    onData: (fn) => { s.on('data', fn); },
    onClose: (fn) => {
      let why = 'connection closed by peer';
      s.on('error', (e: NodeJS.ErrnoException) => { why = e.code ?? e.message; });
      s.on('close', () => fn(why));
    },
  };
}

export interface DialOptions {
  readonly host: string;
  readonly port: number;
  readonly localAddress?: string;
  /** TCP-MD5 key; never logged. */
  readonly password?: string;
  /** IP TTL / hop limit for the session (eBGP multihop, GTSM). */
  readonly ttl?: number;
  /** GTSM (RFC 5082): the kernel drops the peer's segments that arrive with a lower TTL / hop limit. */
  readonly minTtl?: number;
  readonly timeoutMs: number;
}

/** Error of a failed dial, with a short reason for metrics. */
export class DialError extends Error {
  constructor(readonly reason: 'timeout' | 'refused' | 'unreachable' | 'error', message: string) {
    super(message);
    this.name = 'DialError';
  }
}

/** Connects to the peer; MD5 and TTL are set on the socket before the SYN. */
export function dial(o: DialOptions): Promise<Conn> {
  const fam = familyOf(o.host) ?? 4;
  let sock: net.Socket;
  if (o.password !== undefined || o.ttl !== undefined || o.minTtl !== undefined) {
    const a = tcpMd5();
    const fd = a.socket(fam);
    try {
      if (o.password !== undefined) a.setMd5(fd, o.host, Buffer.from(o.password));
      if (o.ttl !== undefined) a.setInt(fd, fam === 4 ? IPPROTO_IP : IPPROTO_IPV6, fam === 4 ? IP_TTL : IPV6_UNICAST_HOPS, o.ttl);
      if (o.minTtl !== undefined) a.setInt(fd, fam === 4 ? IPPROTO_IP : IPPROTO_IPV6, fam === 4 ? IP_MINTTL : IPV6_MINHOPCOUNT, o.minTtl);
    } catch (e) {
      a.close(fd);
      throw e;
    }
    sock = new net.Socket({ fd });
  } else {
    sock = new net.Socket();
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sock.destroy();
      const checks = [o.password !== undefined ? 'the TCP-MD5 password on both sides' : '', o.minTtl !== undefined ? 'that the router sends with TTL 255 (GTSM)' : ''].filter(Boolean);
      const hint = checks.length ? ` (no answer to SYN: check ${checks.join(', and ')})` : '';
      reject(new DialError('timeout', `connect to ${o.host}:${o.port} timed out after ${o.timeoutMs} ms${hint}`));
    }, o.timeoutMs);
    sock.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      sock.destroy();
      const reason = e.code === 'ECONNREFUSED' ? 'refused' : e.code === 'EHOSTUNREACH' || e.code === 'ENETUNREACH' ? 'unreachable' : 'error';
      reject(new DialError(reason, `connect to ${o.host}:${o.port}: ${e.code ?? e.message}`));
    });
    sock.connect({ host: o.host, port: o.port, ...(o.localAddress ? { localAddress: o.localAddress } : {}) }, () => {
      clearTimeout(timer);
      sock.removeAllListeners('error');
      sock.setNoDelay(true);
      resolve(connOf(sock));
    });
  });
}

/** The file descriptor of a bound Node socket or server (libuv keeps it on the handle). */
function fdOf(s: net.Server | dgram.Socket): number {
  const fd = (s as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (fd === undefined || fd < 0) throw new Error('socket has no file descriptor');
  return fd;
}

/** Sets (or with an empty key, removes) the TCP-MD5 key of one peer on a listening server. */
export function setListenerMd5(server: net.Server, peer: string, password: string): void {
  tcpMd5().setMd5(fdOf(server), peer, Buffer.from(password));
}

/** Makes a bound UDP socket drop datagrams that arrive with an IP TTL (IPv6 hop limit) below `min`. */
export function filterMinTtl(socket: dgram.Socket, family: 4 | 6, min: number): void {
  tcpMd5().filterMinTtl(fdOf(socket), family, min);
}
