// SPDX-License-Identifier: Apache-2.0
/** The speaker's command line as its image runs it (images/contents.yaml), with paths into this checkout. */
import { REPO } from '../test/l2/lab.js';
import { APP_DIR, loadContents } from '../scripts/images/contents.js';

export function imageSpeakerArgv(): string[] {
  const argv = loadContents(REPO).images.speaker?.entrypoint.map((a) => a.replace(`${APP_DIR}/`, `${REPO}/`));
  if (!argv) throw new Error('images/contents.yaml has no speaker');
  return argv;
}

/** The options the image gives node itself (V8 flags), between `node` and the script. */
export function imageSpeakerNodeFlags(): string[] {
  return imageSpeakerArgv().slice(1).filter((a) => a.startsWith('-'));
}
