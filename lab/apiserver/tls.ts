// SPDX-License-Identifier: Apache-2.0
/** A self-signed CA and a server certificate for 127.0.0.1/localhost, made with the openssl binary. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** PEM texts: the CA clients trust, and the server's certificate and key. */
export interface TlsMaterial {
  ca: string;
  cert: string;
  key: string;
}

/** Generates fresh material (EC P-256, ten years). kubectl sends a bearer token only over TLS, hence this. */
export function generateTls(): TlsMaterial {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlb-api-tls-'));
  const f = (n: string) => path.join(dir, n);
  const ssl = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    ssl(['req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.crt'), '-subj', '/CN=metallb-lab-ca', '-days', '3650',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    ssl(['req', ...ec, '-keyout', f('srv.key'), '-out', f('srv.csr'), '-subj', '/CN=metallb-lab-apiserver']);
    fs.writeFileSync(f('ext'), 'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n');
    ssl(['x509', '-req', '-in', f('srv.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('srv.crt'), '-days', '3650', '-extfile', f('ext')]);
    return { ca: fs.readFileSync(f('ca.crt'), 'utf8'), cert: fs.readFileSync(f('srv.crt'), 'utf8'), key: fs.readFileSync(f('srv.key'), 'utf8') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
