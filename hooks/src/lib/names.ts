// SPDX-License-Identifier: Apache-2.0
/** Names users and the platform see: the module's shared API names, and the hooks' own. */
export * from '../../../lib/api/index.js';

/** Hook metric: one legacy ModuleConfig setting and the object it now lives in (alert D8MetallbSettingsMigrated). */
export const SETTING_MIGRATED_METRIC = 'd8_metallb_setting_migrated';

/** Hook metric: one L2 setting or object the migration could not carry over, and why (alert D8MetallbL2MigrationProblem). */
export const L2_MIGRATION_PROBLEM_METRIC = 'd8_metallb_l2_migration_problem';
