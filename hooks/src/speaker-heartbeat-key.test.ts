// SPDX-License-Identifier: Apache-2.0
import { at, Cluster, runHook } from '../../test/hooks/harness.js';
import * as hook from './speaker-heartbeat-key.js';

const KEY = 'metallb.internal.speakerHeartbeatKey';
const secret = (key: string) => ({
  apiVersion: 'v1', kind: 'Secret', metadata: { name: 'speaker-heartbeat-key', namespace: 'd8-metallb' }, data: { key: Buffer.from(key).toString('base64') },
});

describe('speaker-heartbeat-key', () => {
  test('empty cluster: generates a long random key once', async () => {
    const first = await runHook(hook, new Cluster());
    const key = at(first.values, KEY) as string;
    expect(key).toMatch(/^[0-9a-f]{96}$/);
    // A second run with the key in values writes nothing.
    const again = await runHook(hook, new Cluster(), { values: first.values });
    expect(again.output.values).toEqual([]);
    // Two clusters never share a key.
    expect(at((await runHook(hook, new Cluster())).values, KEY)).not.toBe(key);
  });

  test('the key stored in the Secret wins, so restarts keep it', async () => {
    const stored = 'k'.repeat(40);
    const r = await runHook(hook, new Cluster([secret(stored)]), { values: { metallb: { internal: { speakerHeartbeatKey: 'x'.repeat(96) } } } });
    expect(at(r.values, KEY)).toBe(stored);
    const same = await runHook(hook, new Cluster([secret(stored)]), { values: r.values });
    expect(same.output.values).toEqual([]);
  });

  test('a Secret with a too short key is replaced by a new key', async () => {
    const r = await runHook(hook, new Cluster([secret('short')]));
    expect(at(r.values, KEY)).toMatch(/^[0-9a-f]{96}$/);
  });

  test('another Secret of the same name elsewhere is ignored', async () => {
    const other = { ...secret('o'.repeat(40)), metadata: { name: 'speaker-heartbeat-key', namespace: 'default' } };
    const r = await runHook(hook, new Cluster([other]));
    expect(at(r.values, KEY)).toMatch(/^[0-9a-f]{96}$/);
  });
});
