// SPDX-License-Identifier: Apache-2.0
/** Name rules and generated names, as k8s.io/apimachinery validates them. Pure. */
import { randomBytes } from 'node:crypto';

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Why `name` is not a valid object name, or undefined: an RFC 1123 subdomain; namespaces an RFC 1123 label;
 * RBAC objects only a path segment (so `system:controller:x` and `d8:metallb:speaker` are valid).
 */
export function nameError(name: string, label = false, pathSegment = false): string | undefined {
  if (pathSegment) {
    if (name === '.' || name === '..') return `may not be '${name}'`;
    for (const c of ['/', '%']) if (name.includes(c)) return `may not contain '${c}'`;
    return undefined;
  }
  if (label) {
    if (name.length > 63 || !LABEL.test(name)) return `a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`;
    return undefined;
  }
  if (name.length > 253 || !SUBDOMAIN.test(name)) return `a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`;
  return undefined;
}

const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** `generateName` plus five random characters from the real server's alphabet. */
export function generatedName(prefix: string): string {
  const bytes = randomBytes(5);
  let s = '';
  for (const b of bytes) s += ALPHABET[b % ALPHABET.length];
  return `${prefix.slice(0, 58)}${s}`;
}

/** Seconds, minutes, hours or days since `from`, in kubectl's short form ("5s", "3m", "2d"). */
export function humanAge(from: string | undefined, now: number): string {
  if (!from) return '<unknown>';
  const s = Math.max(0, Math.floor((now - Date.parse(from)) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365 * 2) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}
