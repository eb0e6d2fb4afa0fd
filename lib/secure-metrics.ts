// SPDX-License-Identifier: Apache-2.0
/**
 * The components' HTTPS metrics endpoint, doing what a kube-rbac-proxy sidecar does in front of a plain one:
 * a self-signed certificate made at start, client certificates of the platform's scrape CA (the ConfigMap
 * `kube-rbac-proxy-ca.crt`) or bearer tokens as identities, and `/metrics` only for identities the API server
 * allows `get` on the component's `prometheus-metrics` subresource (ScrapeAuthorizer). Other paths (the probes)
 * go to the component's handler unauthenticated, as kube-rbac-proxy's ignored paths do.
 */
// @peculiar/x509 resolves its parts through tsyringe, which needs the metadata reflection API
import 'reflect-metadata';
import { createPrivateKey, webcrypto } from 'node:crypto';
import * as fs from 'node:fs';
import type * as http from 'node:http';
import * as https from 'node:https';
import type { TLSSocket } from 'node:tls';
import * as k8s from '@kubernetes/client-node';
import * as x509 from '@peculiar/x509';
import type { Logger } from './log.js';
import { ScrapeAuthorizer, type Credentials, type Identity, type Reviews, type ScrapeAttributes } from './scrape-auth.js';

export interface SecureMetricsOptions {
  /** The component's own handler: `/metrics` and the probe paths. */
  readonly handler: http.RequestListener;
  readonly port: number;
  readonly host: string;
  readonly attrs: ScrapeAttributes;
  readonly kubeConfig: k8s.KubeConfig;
  /** PEM file of the CA whose client certificates identify scrapers; none or missing: bearer tokens only. */
  readonly clientCaFile?: string;
  readonly log: Logger;
  /** The reviews; the API server's (apiReviews) unless a test injects its own. */
  readonly reviews?: Reviews;
}

export interface SecureMetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

/** TokenReview and SubjectAccessReview through the component's own service account. */
export function apiReviews(kc: k8s.KubeConfig): Reviews {
  const authn = kc.makeApiClient(k8s.AuthenticationV1Api);
  const authz = kc.makeApiClient(k8s.AuthorizationV1Api);
  return {
    async authenticate(token) {
      const r = await authn.createTokenReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } } });
      const u = r.status?.user;
      if (!r.status?.authenticated || !u?.username) return { rejected: r.status?.error || 'not authenticated' };
      return { user: u.username, groups: u.groups ?? [], ...(u.uid ? { uid: u.uid } : {}), ...(u.extra ? { extra: u.extra } : {}) };
    },
    async authorize(who, a) {
      const r = await authz.createSubjectAccessReview({
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SubjectAccessReview',
          spec: {
            user: who.user,
            groups: [...who.groups],
            ...(who.uid ? { uid: who.uid } : {}),
            ...(who.extra ? { extra: Object.fromEntries(Object.entries(who.extra).map(([k, v]) => [k, [...v]])) } : {}),
            resourceAttributes: { namespace: a.namespace, group: a.group, version: a.version, resource: a.resource, subresource: a.subresource, name: a.name, verb: 'get' },
          },
        },
      });
      return { allowed: r.status?.allowed === true, ...(r.status?.reason ? { reason: r.status.reason } : {}) };
    },
  };
}

/** A fresh self-signed certificate (EC P-256, one year) for the names, as kube-rbac-proxy makes one without --tls-cert-file. */
export async function selfSignedCertificate(names: readonly string[]): Promise<{ cert: string; key: string }> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const crypto = webcrypto as unknown as NonNullable<Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[1]>;
  const keys = await crypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const now = Date.now();
  const san = names.map((n) => (/^[0-9.]+$|:/.test(n) ? { type: 'ip' as const, value: n } : { type: 'dns' as const, value: n }));
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: now.toString(16),
      name: `CN=${names[0] ?? 'metallb'}`,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 365 * 24 * 3600_000),
      signingAlgorithm: alg,
      keys,
      extensions: [new x509.SubjectAlternativeNameExtension(san), new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth])],
    },
    crypto,
  );
  const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { cert: cert.toString('pem'), key: createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' }).toString() };
}

/** The identity of a verified client certificate: CN the user, O the groups (as the API server reads one). */
function certificateIdentity(socket: TLSSocket): Identity | undefined {
  if (!socket.authorized) return undefined;
  const subject = socket.getPeerCertificate().subject as Record<string, string | string[]> | undefined;
  const cn = subject?.CN;
  if (typeof cn !== 'string' || cn === '') return undefined;
  const o = subject?.O;
  return { user: cn, groups: o === undefined ? [] : Array.isArray(o) ? o : [o] };
}

function credentials(req: http.IncomingMessage): Credentials {
  const certificate = certificateIdentity(req.socket as TLSSocket);
  if (certificate) return { certificate };
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return m?.[1] ? { token: m[1] } : {};
}

export async function serveSecureMetrics(o: SecureMetricsOptions, now: () => number = Date.now): Promise<SecureMetricsServer> {
  // the platform's CA ConfigMap may be absent or empty (a cluster without it): then bearer tokens only
  const pem = o.clientCaFile && fs.existsSync(o.clientCaFile) ? fs.readFileSync(o.clientCaFile, 'utf8') : '';
  const ca = pem.includes('BEGIN CERTIFICATE') ? pem : undefined;
  const { cert, key } = await selfSignedCertificate([o.attrs.name, 'localhost', ...(o.host !== '0.0.0.0' && o.host !== '::' ? [o.host] : [])]);
  const authorizer = new ScrapeAuthorizer(o.reviews ?? apiReviews(o.kubeConfig), o.attrs, now);
  const log = o.log.child({ op: 'metrics-auth' });
  const server = https.createServer({ cert, key, ...(ca ? { ca, requestCert: true, rejectUnauthorized: false } : {}) }, (req, res) => {
    if ((req.url ?? '/').split('?')[0] !== '/metrics') return o.handler(req, res);
    authorizer.check(credentials(req)).then(
      (v) => {
        if (v.code === 200) return o.handler(req, res);
        if (v.code === 503) log.warn({ reason: v.reason }, 'cannot authorize a metrics scrape');
        else log.debug({ code: v.code, reason: v.reason }, 'metrics scrape refused');
        res.writeHead(v.code, { 'content-type': 'text/plain' }).end(`${v.reason}\n`);
      },
      (e: Error) => res.writeHead(500).end(`${e.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const addr = server.address();
  log.info({ port: typeof addr === 'object' && addr ? addr.port : o.port, clientCa: ca !== undefined }, 'serving authenticated metrics over HTTPS');
  return {
    port: typeof addr === 'object' && addr ? addr.port : o.port,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/**
 * The HTTPS endpoint as a component's env asks for it: METRICS_SECURE_PORT (unset: none), METRICS_SECURE_HOST
 * (0.0.0.0), METRICS_CLIENT_CA (the scrape CA file, optional); the component names its workload for the review.
 */
export async function secureMetricsFromEnv(env: NodeJS.ProcessEnv, c: { handler: http.RequestListener; kubeConfig: k8s.KubeConfig; log: Logger; namespace: string; resource: 'deployments' | 'daemonsets'; name: string }): Promise<SecureMetricsServer | undefined> {
  if (!env.METRICS_SECURE_PORT) return undefined;
  return serveSecureMetrics({
    handler: c.handler,
    port: Number(env.METRICS_SECURE_PORT),
    host: env.METRICS_SECURE_HOST ?? '0.0.0.0',
    attrs: { namespace: c.namespace, group: 'apps', version: 'v1', resource: c.resource, subresource: 'prometheus-metrics', name: c.name },
    kubeConfig: c.kubeConfig,
    ...(env.METRICS_CLIENT_CA ? { clientCaFile: env.METRICS_CLIENT_CA } : {}),
    log: c.log,
  });
}
