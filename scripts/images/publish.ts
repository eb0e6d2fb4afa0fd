// SPDX-License-Identifier: Apache-2.0
/**
 * `make publish REGISTRY=host[:port]/path [CHANNEL=alpha]`: pushes out/images in the layout a Deckhouse
 * ModuleSource reads (module name metallb):
 *   <source>/metallb@sha256:...          the component images, by digest (images_digests.json)
 *   <source>/metallb:<version>           the bundle
 *   <source>/metallb/release:<version>   the release image, and :<channel>
 * Manifests are pushed unchanged (skopeo --preserve-digests), then read back and compared.
 * REGISTRY_CREDS=user:password logs in; REGISTRY_TLS_VERIFY=false allows a plain-HTTP or self-signed registry.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MODULE } from '../../lib/api/index.js';
import { camelName } from './contents.js';
import { skopeoDigest } from './oci.js';

export const CHANNELS = ['alpha', 'beta', 'early-access', 'stable', 'rock-solid'] as const;

export interface Push {
  archive: string;
  ref: string;
  digest: string;
}

/** What goes where, from the built out/images directory. Pure but for reading the two JSON files. */
export function publishPlan(out: string, source: string, channel: string): Push[] {
  if (!/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*$/.test(source)) throw new Error(`REGISTRY "${source}" is not host[:port]/path`);
  if (!(CHANNELS as readonly string[]).includes(channel)) throw new Error(`CHANNEL "${channel}" is not one of ${CHANNELS.join(', ')}`);
  const read = (f: string): unknown => {
    const p = path.join(out, f);
    if (!fs.existsSync(p)) throw new Error(`${p} is missing: run make images first`);
    return JSON.parse(fs.readFileSync(p, 'utf8'));
  };
  const digests = read('images_digests.json') as Record<string, string>;
  const { version } = read('version.json') as { version: string };
  const repo = `${source}/${MODULE}`;
  const archive = (name: string) => path.join(out, `${name}.tar`);
  const imageArchive = (key: string) => {
    const file = fs.readdirSync(out).find((f) => f.endsWith('.tar') && camelName(f.slice(0, -4)) === key);
    if (!file) throw new Error(`no archive in ${out} for image ${key}`);
    return path.join(out, file);
  };
  return [
    ...Object.entries(digests).map(([key, digest]) => ({ archive: imageArchive(key), ref: `${repo}@${digest}`, digest })),
    { archive: archive('bundle'), ref: `${repo}:${version}`, digest: '' },
    { archive: archive('release'), ref: `${repo}/release:${version}`, digest: '' },
    { archive: archive('release'), ref: `${repo}/release:${channel}`, digest: '' },
  ];
}

function main(): void {
  const source = (process.env.REGISTRY ?? process.argv[2] ?? '').replace(/\/+$/, '');
  if (!source) throw new Error('usage: make publish REGISTRY=host[:port]/path [CHANNEL=alpha]');
  const out = path.resolve(__dirname, '../../..', process.env.IMAGES_OUT ?? 'out/images');
  const plan = publishPlan(out, source, process.env.CHANNEL || 'alpha');
  const tls = process.env.REGISTRY_TLS_VERIFY === 'false' ? ['--dest-tls-verify=false'] : [];
  const creds = process.env.REGISTRY_CREDS ? ['--dest-creds', process.env.REGISTRY_CREDS] : [];
  for (const p of plan) {
    const want = p.digest || skopeoDigest(`oci-archive:${p.archive}`);
    execFileSync('skopeo', ['copy', '--quiet', '--preserve-digests', ...tls, ...creds, `oci-archive:${p.archive}`, `docker://${p.ref}`], { stdio: ['ignore', 'inherit', 'inherit'] });
    const got = skopeoDigest(`docker://${p.ref}`, ['--no-tags', ...tls.map((t) => t.replace('--dest-', '--')), ...(creds.length ? ['--creds', creds[1] as string] : [])]);
    if (got !== want) throw new Error(`${p.ref}: the registry holds ${got}, expected ${want}`);
    console.log(`publish: ${p.ref} ${got}`);
  }
}

if (require.main === module) {
  try {
    main();
  } catch (e) {
    console.error(`publish: ${(e as Error).message}`);
    process.exit(1);
  }
}
