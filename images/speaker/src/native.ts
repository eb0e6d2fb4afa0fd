// SPDX-License-Identifier: Apache-2.0
/** The speaker's native addons (images/speaker/native/<name>), found from the sources, dist/, or the bundle. */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Loads addon `name`, looking in every directory above this file; throws with where it looked. */
export function nativeAddon<T>(name: string): T {
  const rel = path.join('images/speaker/native', name, 'build/Release', `${name}.node`);
  for (let d = __dirname; ; d = path.dirname(d)) {
    const p = path.join(d, rel);
    if (fs.existsSync(p)) return require(p) as T;
    if (path.dirname(d) === d) break;
  }
  throw new Error(`${name} addon not built (run scripts/setup.sh); looked for ${rel} above ${__dirname}`);
}
