// SPDX-License-Identifier: Apache-2.0
/**
 * The module's hooks, in the order `hook list` shows them (the index is what `hook run <i>` takes).
 * Add a hook: `import * as myHook from './my-hook.js';` and `entry('my-hook', myHook),` in the list
 * (`entry` comes from lib/hook-sdk/index.js).
 */
import { entry, type BatchApp, type HookEntry } from '../../lib/hook-sdk/index.js';
import * as alertDeprecatedAnnotations from './alert-deprecated-annotations.js';
import * as alertIgnoredObjects from './alert-ignored-objects.js';
import * as checkRequirements from './check-requirements-for-upgrade.js';
import * as deleteDeprecatedCrd from './delete-deprecated-crd.js';
import * as discoveryBgp from './discovery-bgp.js';
import * as discoveryL2 from './discovery-l2-load-balancers.js';
import * as migrationAdoptL2Services from './migration-adopt-l2-services.js';
import * as migrationBgp from './migration-bgp.js';
import * as migrationL2Classes from './migration-l2-classes.js';
import * as nodeMembership from './node-membership.js';
import { checkSettings } from './settings-check.js';
import * as speakerHeartbeatKey from './speaker-heartbeat-key.js';
import * as updateServiceStatus from './update-service-status.js';

export const hooks: readonly HookEntry[] = [
  entry('discovery-l2-load-balancers', discoveryL2),
  entry('discovery-bgp', discoveryBgp),
  entry('node-membership', nodeMembership),
  entry('speaker-heartbeat-key', speakerHeartbeatKey),
  entry('update-service-status', updateServiceStatus),
  entry('migration-l2-classes', migrationL2Classes),
  entry('migration-adopt-l2-services', migrationAdoptL2Services),
  entry('migration-bgp', migrationBgp),
  entry('delete-deprecated-crd', deleteDeprecatedCrd),
  entry('alert-deprecated-annotations', alertDeprecatedAnnotations),
  entry('alert-ignored-objects', alertIgnoredObjects),
  entry('check-requirements-for-upgrade', checkRequirements),
];

/**
 * What hooks/batch serves. `hook config` is pinned to what the oldest Deckhouse that module.yaml allows (1.68)
 * decodes: its addon-operator reads a bare JSON array of hook configs (module-sdk's `{version: "v1", hooks,
 * readiness, has_settings_check}` object came with the readiness support of Deckhouse 1.71). Deckhouse 1.68
 * calls no settings check, so `hook check` is only announced in the v1 form (HOOK_CONFIG_FORMAT=v1).
 */
export const OLDEST_DECKHOUSE = '1.68';
export const app: BatchApp = { module: 'metallb', hooks, settingsCheck: checkSettings, configFormat: 'array' };
