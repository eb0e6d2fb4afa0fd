// SPDX-License-Identifier: Apache-2.0
/**
 * The components' HTTPS metrics endpoint over real TLS: a bearer token or a client certificate of the scrape CA
 * identifies the caller, the reviews decide, the probe paths stay open. The reviews are injected here (in the
 * components they are the API server's TokenReview and SubjectAccessReview, lib/secure-metrics.ts apiReviews).
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as fs from 'node:fs';
import type * as http from 'node:http';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import * as x509 from '@peculiar/x509';
import pino from 'pino';
import { serveSecureMetrics, type SecureMetricsServer } from '../../lib/secure-metrics.js';
import type { Reviews } from '../../lib/scrape-auth.js';

const crypto = webcrypto as unknown as NonNullable<Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[1]>;
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

async function keyPem(k: unknown): Promise<string> {
  const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', k as never)).toString('base64');
  return `-----BEGIN PRIVATE KEY-----\n${der.match(/.{1,64}/g)?.join('\n')}\n-----END PRIVATE KEY-----\n`;
}

/** A CA and a client certificate it signs, as the platform's scrape CA and Prometheus' certificate. */
async function clientPki(cn: string, o: string): Promise<{ ca: string; cert: string; key: string }> {
  const caKeys = await crypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const now = Date.now();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({ serialNumber: '01', name: 'CN=scrape-ca', notBefore: new Date(now - 60_000), notAfter: new Date(now + 3600_000), signingAlgorithm: ALG, keys: caKeys, extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)] }, crypto);
  const keys = await crypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.create({ serialNumber: '02', subject: `CN=${cn}, O=${o}`, issuer: ca.subject, notBefore: new Date(now - 60_000), notAfter: new Date(now + 3600_000), signingAlgorithm: ALG, publicKey: keys.publicKey, signingKey: caKeys.privateKey, extensions: [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])] }, crypto);
  return { ca: ca.toString('pem'), cert: cert.toString('pem'), key: await keyPem(keys.privateKey) };
}

const reviews: Reviews = {
  authenticate: async (token) => (token === 'prometheus-token' ? { user: 'system:serviceaccount:d8-monitoring:prometheus', groups: ['system:serviceaccounts'] } : token === 'user-token' ? { user: 'alice', groups: [] } : { rejected: 'invalid bearer token' }),
  authorize: async (who) => (who.user === 'alice' ? { allowed: false, reason: 'no RBAC policy matched' } : { allowed: true }),
};

function get(port: number, p: string, o: { token?: string; cert?: string; key?: string } = {}): Promise<{ status: number; body: string; peer: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port, path: p, agent: false, rejectUnauthorized: false, ...(o.cert ? { cert: o.cert, key: o.key } : {}), headers: o.token ? { authorization: `Bearer ${o.token}` } : {} }, (res) => {
      let body = '';
      const peer = (res.socket as import('node:tls').TLSSocket).getPeerCertificate().subjectaltname ?? '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, peer }));
    });
    req.on('error', reject);
  });
}

let server: SecureMetricsServer;
let scraper: { ca: string; cert: string; key: string };
let stranger: { ca: string; cert: string; key: string };
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'secure-metrics-'));

beforeAll(async () => {
  [scraper, stranger] = await Promise.all([clientPki('d8-monitoring:scraper', 'd8-monitoring'), clientPki('d8-monitoring:scraper', 'd8-monitoring')]);
  fs.writeFileSync(path.join(dir, 'ca.crt'), scraper.ca);
  const handler: http.RequestListener = (req, res) => res.writeHead(200).end(req.url === '/metrics' ? 'metallb_speaker_announced 1\n' : 'ok\n');
  server = await serveSecureMetrics({
    handler, port: 0, host: '127.0.0.1', kubeConfig: new k8s.KubeConfig(), clientCaFile: path.join(dir, 'ca.crt'), reviews, log: pino({ level: 'silent' }),
    attrs: { namespace: 'd8-metallb', group: 'apps', version: 'v1', resource: 'daemonsets', subresource: 'prometheus-metrics', name: 'speaker' },
  });
});

afterAll(async () => {
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('no credentials: 401; a token the API server does not know: 401 with why', async () => {
  expect(await get(server.port, '/metrics')).toMatchObject({ status: 401, body: 'no client certificate and no bearer token\n' });
  expect(await get(server.port, '/metrics', { token: 'forged' })).toMatchObject({ status: 401, body: 'token not accepted: invalid bearer token\n' });
});

test("Prometheus' token reads the metrics; a user the API server does not allow gets 403", async () => {
  expect(await get(server.port, '/metrics', { token: 'prometheus-token' })).toMatchObject({ status: 200, body: 'metallb_speaker_announced 1\n' });
  expect(await get(server.port, '/metrics', { token: 'user-token' })).toMatchObject({ status: 403, body: 'alice may not get daemonsets/prometheus-metrics speaker in d8-metallb: no RBAC policy matched\n' });
});

test('a client certificate of the scrape CA identifies the scraper; one of another CA does not', async () => {
  expect(await get(server.port, '/metrics', { cert: scraper.cert, key: scraper.key })).toMatchObject({ status: 200 });
  expect(await get(server.port, '/metrics', { cert: stranger.cert, key: stranger.key })).toMatchObject({ status: 401 });
});

test('the probe paths need no credentials; the server certificate is self-signed for the component', async () => {
  const r = await get(server.port, '/healthz');
  expect(r).toMatchObject({ status: 200, body: 'ok\n' });
  expect(r.peer).toContain('DNS:speaker');
});
