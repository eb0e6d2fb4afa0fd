// SPDX-License-Identifier: Apache-2.0
/**
 * The module's hooks, in the order `hook list` shows them (the index is what `hook run <i>` takes).
 * Add a hook: `import * as myHook from './my-hook.js';` and `entry('my-hook', myHook),` in the list
 * (`entry` comes from lib/hook-sdk/index.js).
 */
import type { BatchApp, HookEntry } from '../../lib/hook-sdk/index.js';

export const hooks: readonly HookEntry[] = [];

/** What hooks/batch serves. */
export const app: BatchApp = { module: 'metallb', hooks };
