// SPDX-License-Identifier: Apache-2.0
/** On startup, deletes the CRD of the deprecated upstream `AddressPool` kind (`addresspools.metallb.io`); a missing CRD is fine. */
import type { HookConfig, HookInput } from '../../lib/hook-sdk/index.js';
import { DEPRECATED_ADDRESS_POOL_CRD } from './lib/names.js';

export const config: HookConfig = { onStartup: 10 };

export function handle(input: HookInput): void {
  input.kube.delete({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: DEPRECATED_ADDRESS_POOL_CRD });
}
