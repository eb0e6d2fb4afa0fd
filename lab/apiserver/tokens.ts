// SPDX-License-Identifier: Apache-2.0
/**
 * Service-account tokens as kube-apiserver issues them: ES256 JWTs with the bound-token claims
 * (`kubernetes.io` namespace, serviceaccount, pod, node), signed with a key the server keeps. Signing
 * and verification are node:crypto's; the claims and checks are pure, with the time passed in.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, sign, verify, type KeyObject } from 'node:crypto';

export const ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** The audiences the server accepts (kube-apiserver's default: its issuer). */
export const API_AUDIENCES = [ISSUER];

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

/** The server's token key: an EC P-256 key, kept as PKCS#8 PEM in the snapshot. */
export class SigningKey {
  readonly #private: KeyObject;
  readonly public: KeyObject;
  /** The JWT `kid`: base64url SHA-256 of the public key's DER, as kube-apiserver computes it. */
  readonly kid: string;

  constructor(readonly privatePem: string) {
    this.#private = createPrivateKey(privatePem);
    this.public = createPublicKey(this.#private);
    this.kid = b64url(createHash('sha256').update(this.public.export({ format: 'der', type: 'spki' })).digest());
  }

  static generate(): SigningKey {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    return new SigningKey(privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
  }

  sign(data: string): Buffer {
    return sign('sha256', Buffer.from(data), { key: this.#private, dsaEncoding: 'ieee-p1363' });
  }
}

interface Ref {
  readonly name: string;
  readonly uid: string;
}

/** The claims of a bound service-account token. */
export interface TokenClaims {
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  iss: string;
  jti: string;
  sub: string;
  'kubernetes.io': {
    namespace: string;
    serviceaccount: Ref;
    pod?: Ref;
    node?: Ref;
    warnafter?: number;
  };
}

export interface TokenSpec {
  readonly namespace: string;
  readonly serviceAccount: Ref;
  readonly audiences: readonly string[];
  readonly expirationSeconds: number;
  readonly pod?: Ref;
  readonly node?: Ref;
}

/** The claims for a token issued at `nowSec`. */
export function tokenClaims(spec: TokenSpec, nowSec: number): TokenClaims {
  const k: TokenClaims['kubernetes.io'] = { namespace: spec.namespace, serviceaccount: { ...spec.serviceAccount } };
  if (spec.pod) k.pod = { ...spec.pod };
  if (spec.node) k.node = { ...spec.node };
  return {
    aud: [...spec.audiences], exp: nowSec + spec.expirationSeconds, iat: nowSec, nbf: nowSec, iss: ISSUER, jti: randomUUID(),
    sub: `system:serviceaccount:${spec.namespace}:${spec.serviceAccount.name}`, 'kubernetes.io': k,
  };
}

export function signToken(claims: TokenClaims, key: SigningKey): string {
  const head = b64url(JSON.stringify({ alg: 'ES256', kid: key.kid }));
  const body = b64url(JSON.stringify(claims));
  return `${head}.${body}.${b64url(key.sign(`${head}.${body}`))}`;
}

/** True when the text has the shape of a JWT (three base64url parts), so other bearer tokens are not tried as one. */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token);
}

/** The claims of a token this key signed, valid at `nowSec` for one of `audiences`; else the reason it is not. */
export function verifyToken(token: string, key: SigningKey, nowSec: number, audiences: readonly string[] = API_AUDIENCES): TokenClaims | string {
  const [head, body, sig] = token.split('.');
  if (!head || !body || !sig) return 'not a JWT';
  let header: { alg?: string };
  let claims: TokenClaims;
  try {
    header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as { alg?: string };
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as TokenClaims;
  } catch {
    return 'malformed token';
  }
  if (header.alg !== 'ES256') return `unexpected signing algorithm ${String(header.alg)}`;
  if (!verify('sha256', Buffer.from(`${head}.${body}`), { key: key.public, dsaEncoding: 'ieee-p1363' }, Buffer.from(sig, 'base64url'))) return 'invalid signature';
  if (claims.iss !== ISSUER) return 'token issuer is not trusted';
  if (!Array.isArray(claims.aud) || !claims.aud.some((a) => audiences.includes(a))) return 'token audiences are invalid';
  if (typeof claims.exp !== 'number' || claims.exp <= nowSec) return 'token has expired';
  if (typeof claims.nbf === 'number' && claims.nbf > nowSec + 60) return 'token is not valid yet';
  if (!claims['kubernetes.io']?.serviceaccount?.name) return 'token is not a service-account token';
  return claims;
}
