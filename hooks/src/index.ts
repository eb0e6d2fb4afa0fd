// SPDX-License-Identifier: Apache-2.0
/**
 * The module's hooks, in the order `hook list` shows them (the index is what `hook run <i>` takes).
 * Add a hook: `import * as myHook from './my-hook.js';` and `entry('my-hook', myHook),` in the list
 * (`entry` comes from lib/hook-sdk/index.js).
 */
import { entry, type BatchApp, type HookEntry } from '../../lib/hook-sdk/index.js';
import * as discoveryBgp from './discovery-bgp.js';
import * as discoveryL2 from './discovery-l2-load-balancers.js';
import * as nodeMembership from './node-membership.js';
import * as speakerHeartbeatKey from './speaker-heartbeat-key.js';
import * as updateServiceStatus from './update-service-status.js';

export const hooks: readonly HookEntry[] = [
  entry('discovery-l2-load-balancers', discoveryL2),
  entry('discovery-bgp', discoveryBgp),
  entry('node-membership', nodeMembership),
  entry('speaker-heartbeat-key', speakerHeartbeatKey),
  entry('update-service-status', updateServiceStatus),
];

/** What hooks/batch serves. */
export const app: BatchApp = { module: 'metallb', hooks };
