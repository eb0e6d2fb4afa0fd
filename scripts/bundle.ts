// SPDX-License-Identifier: Apache-2.0
/**
 * `make build` step: bundles the controller and the speaker into one file each,
 * dist/images/<name>/<name>.js, the files their images run. A bundle holds only the parts of
 * client-node, pino and prom-client they call, minified: loading it takes a fraction of the memory
 * (client-node alone is 60 MiB resident from node_modules) and time. Native addons stay files.
 */
import { buildSync } from 'esbuild';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

for (const name of ['controller', 'speaker']) {
  buildSync({
    entryPoints: [path.join(ROOT, 'images', name, 'src/main.ts')],
    outfile: path.join(ROOT, 'dist/images', name, `${name}.js`),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    // Names stay in stack traces and logged errors.
    keepNames: true,
    external: ['*.node'],
    legalComments: 'none',
    logLevel: 'warning',
  });
}
