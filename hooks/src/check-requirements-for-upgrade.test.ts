// SPDX-License-Identifier: Apache-2.0
import { at, Cluster, fixture, parseState, runHook } from '../../test/hooks/harness.js';
import * as hook from './check-requirements-for-upgrade.js';
import { checkSettings } from './settings-check.js';

const expires = hook.GROUPS.map((group) => ({ group, action: 'expire' }));

describe('check-requirements-for-upgrade', () => {
  test('empty cluster: OK, groups expired', async () => {
    const r = await runHook(hook, new Cluster());
    expect(at(r.values, 'metallb.internal.configurationStatus')).toBe('OK');
    expect(r.output.metrics).toEqual(expires);
  });

  test('a v1 setup with everything wrong: one metric per finding, the first blocking status published', async () => {
    const r = await runHook(hook, new Cluster(fixture('upgrade-gate')));
    expect(at(r.values, 'metallb.internal.configurationStatus')).toBe('nsMismatch');
    const set = r.output.metrics.filter((m) => m.action === 'set').map((m) => ('name' in m ? [m.name, m.labels] : []));
    expect(set).toEqual([
      ['d8_metallb_l2advertisement_ns_mismatch', { namespace: 'default', name: 'elsewhere' }],
      ['d8_metallb_l2advertisement_node_selectors_mismatch', { name: 'fancy' }],
      ['d8_metallb_ipaddress_pool_ns_mismatch', { namespace: 'default', name: 'elsewhere' }],
      ['d8_metallb_not_only_layer2_pools', {}],
      ['d8_metallb_orphaned_loadbalancer_detected', { name: 'stray', namespace: 'app' }],
    ]);
    expect(hook.STATUS_MESSAGES.nsMismatch).toBe('[metallb] all L2Advertisement must be in the d8-metallb namespace');
  });

  test('only orphaned Services: Misconfigured, which does not block', async () => {
    const r = await runHook(hook, new Cluster(parseState('apiVersion: deckhouse.io/v1alpha1\nkind: ModuleConfig\nmetadata: {name: metallb}\nspec: {version: 1, settings: {}}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: a}\nspec: {type: LoadBalancer}')));
    expect(at(r.values, 'metallb.internal.configurationStatus')).toBe('Misconfigured');
  });

  test('version 2 or later: OK whatever the objects', async () => {
    const objs = fixture('upgrade-gate').map((o) => (o.kind === 'ModuleConfig' ? { ...o, spec: { version: 2, settings: {} } } : o));
    const r = await runHook(hook, new Cluster(objs));
    expect(at(r.values, 'metallb.internal.configurationStatus')).toBe('OK');
    expect(r.output.metrics).toEqual(expires);
  });
});

describe('requirement check (metallbHasStandardConfiguration)', () => {
  test.each([
    [undefined, true],
    ['OK', true],
    ['Misconfigured', true],
    ['toString', true],
    ['nsMismatch', false],
    ['nodeSelectorsMismatch', false],
    ['addressPollsMismatch', false],
  ])('%s passes: %s', (value, ok) => {
    const r = hook.requirementCheck(value);
    expect(r.ok).toBe(ok);
    if (!r.ok) expect(r.message).toMatch(/^\[metallb\] /);
  });
});

describe('settings check (hook check)', () => {
  test('current settings pass without warnings', () => {
    expect(checkSettings({ nodeSelector: { a: 'b' } })).toEqual({ valid: true });
    expect(checkSettings(undefined)).toEqual({ valid: true });
  });

  test('a speaker nodeSelector that is no valid label selector is refused, as the L2 migration cannot carry it over', () => {
    const r = checkSettings({ speaker: { nodeSelector: { 'node role': '' } } });
    expect(r.valid).toBe(false);
    expect(r.message).toMatch(/settings\.speaker\.nodeSelector: invalid label key "node role"/);
  });

  test('migratable legacy settings pass with a deprecation warning', () => {
    const r = checkSettings({ bgpPeers: [{ 'peer-address': '192.0.2.1', 'peer-asn': 1, 'my-asn': 2, 'hold-time': '3s' }] });
    expect(r.valid).toBe(true);
    expect(r.warnings).toEqual([expect.stringContaining('settings.bgpPeers is deprecated')]);
  });

  test('what real clusters have (mixed pools, passwords, source addresses, node selectors) is accepted, to be migrated', () => {
    const r = checkSettings({
      addressPools: [
        { name: 'l2', protocol: 'layer2', addresses: ['192.0.2.200/30'] },
        { name: 'b', protocol: 'bgp', addresses: ['203.0.113.0/28'] },
      ],
      bgpPeers: [{ 'peer-address': '192.0.2.1', 'peer-asn': 1, 'my-asn': 2, password: 'secret', 'source-address': '192.0.2.11', 'node-selector': { matchExpressions: [{ key: 'x', operator: 'Exists' }] } }],
    });
    expect(r.valid).toBe(true);
    expect(r.warnings).toHaveLength(2);
  });

  test('what MetalLB itself refused is rejected with what to change', () => {
    const r = checkSettings({
      addressPools: [{ name: 'l2', protocol: 'layer2', addresses: [] }, { name: 'b', protocol: 'bgp', addresses: ['203.0.113.0/28'], 'bgp-advertisements': [{ communities: ['nope'] }] }],
    });
    expect(r.valid).toBe(false);
    expect(r.message).toBe('these settings cannot be migrated: addressPools "l2": a layer2 pool needs addresses; addressPools "b" bgp-advertisements[0]: community "nope" is neither a value like 65535:65282 nor a key of bgpCommunities. Fix them, or create the custom resources yourself and remove addressPools, bgpPeers and bgpCommunities from the ModuleConfig');
  });
});

describe('check-requirements-for-upgrade under Service churn', () => {
  test('Service changes run nothing; the hook reads every snapshot before each Helm run and every minute', () => {
    expect(hook.config.kubernetes?.find((b) => b.kind === 'Service')?.executeHookOnEvent).toEqual([]);
    expect(hook.config.beforeHelm).toBe(10);
    expect(hook.config.schedule).toEqual([expect.objectContaining({ crontab: '* * * * *', includeSnapshotsFrom: (hook.config.kubernetes ?? []).map((b) => b.name) })]);
  });
});
