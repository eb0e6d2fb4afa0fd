// SPDX-License-Identifier: Apache-2.0
/**
 * Keeps the speakers' heartbeat key in `metallb.internal.speakerHeartbeatKey`. The key is generated once,
 * rendered into the Secret `speaker-heartbeat-key`, and read back from it on every later run, so a
 * restart of the platform never changes it (which would make the speakers reject each other).
 */
import { randomBytes } from 'node:crypto';
import { kubernetes, type HookConfig, type HookInput, type KubeObject } from '../../lib/hook-sdk/index.js';

const VALUE = 'metallb.internal.speakerHeartbeatKey';
const MIN_LENGTH = 32;

/** The key stored in the Secret, or null when the Secret holds none usable. */
export function keyFromSecret(obj: KubeObject): string | null {
  const data = (obj as { data?: Record<string, string> }).data;
  const key = data?.key ? Buffer.from(data.key, 'base64').toString('utf8') : '';
  return key.length >= MIN_LENGTH ? key : null;
}

export const secret = kubernetes({
  name: 'heartbeat_key_secret',
  apiVersion: 'v1',
  kind: 'Secret',
  nameSelector: { matchNames: ['speaker-heartbeat-key'] },
  namespace: { nameSelector: { matchNames: ['d8-metallb'] } },
  executeHookOnEvent: [],
  executeHookOnSynchronization: false,
  filter: keyFromSecret,
});

export const config: HookConfig = { beforeHelm: 1, kubernetes: [secret] };

/** 48 random bytes as hex: 96 characters. */
export function newKey(random: (n: number) => Buffer = randomBytes): string {
  return random(48).toString('hex');
}

export function handle(input: HookInput, random?: (n: number) => Buffer): void {
  const stored = input.snapshot(secret)[0];
  const current = input.values.get(VALUE);
  if (stored) {
    if (current !== stored) input.values.set(VALUE, stored);
    return;
  }
  if (typeof current === 'string' && current.length >= MIN_LENGTH) return;
  input.values.set(VALUE, newKey(random));
}
