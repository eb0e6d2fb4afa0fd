// SPDX-License-Identifier: Apache-2.0
/** openapi/openapi-case-tests.yaml against the settings and values schemas, and the conversions through real jq. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import yaml from 'js-yaml';
import { compileValuesSchema, ConversionError, convertSettings, formatFieldError, loadConfigValuesSchema, loadConversions, loadValuesSchema, repoRoot } from '../../lib/schemas/index.js';

interface Cases {
  positive: { configValues: unknown[]; values: unknown[] };
  negative: { configValues: unknown[]; values: unknown[] };
}

const root = repoRoot();
const file = join(root, 'openapi/openapi-case-tests.yaml');
const text = readFileSync(file, 'utf8');
const cases = yaml.load(text) as Cases;
const settings = compileValuesSchema(loadConfigValuesSchema(root), { prefix: ['settings'] });
const values = compileValuesSchema(loadValuesSchema(root), { prefix: ['metallb'] });
const check = { configValues: settings, values };

describe.each(['configValues', 'values'] as const)('%s', (kind) => {
  test.each(cases.positive[kind].map((c, i) => [i, c] as const))('positive case %i is accepted', (_i, c) => {
    expect(check[kind](c).errors.map(formatFieldError)).toEqual([]);
  });

  test.each(cases.negative[kind].map((c, i) => [i, c] as const))('negative case %i is rejected with a field path', (_i, c) => {
    const r = check[kind](c);
    expect(r.valid).toBe(false);
    for (const e of r.errors) expect(e.path).toMatch(kind === 'values' ? /^metallb\./ : /^settings\./);
  });
});

test('every negative case is preceded by a comment saying why it must fail', () => {
  const lines = text.split('\n');
  const start = lines.indexOf('negative:');
  expect(start).toBeGreaterThan(0);
  let items = 0;
  lines.slice(start).forEach((line, i, rest) => {
    if (!/^ {4}- /.test(line)) return;
    items++;
    expect(`${rest[i - 1] ?? ''} <- before: ${line}`).toMatch(/^ {4}# \S.* <- before/);
  });
  expect(items).toBe(cases.negative.configValues.length + cases.negative.values.length);
});

const hasJq = (() => {
  try {
    execFileSync('jq', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const jqTest = hasJq ? test : test.skip;

describe('settings conversions', () => {
  const conversions = loadConversions(root);
  const legacy = {
    nodeSelector: { role: 'lb' },
    addressPools: [
      { name: 'l2', protocol: 'layer2', addresses: ['192.0.2.200-192.0.2.250'] },
      { name: 'bgp', protocol: 'bgp', addresses: ['203.0.113.0/24'] },
    ],
    bgpPeers: [{ 'peer-address': '192.0.2.1', 'peer-asn': 1, 'my-asn': 2 }],
    bgpCommunities: { 'no-advertise': '65535:65282' },
  };

  test('x-config-version is the latest conversion and versions run 2..N', () => {
    expect(conversions.map((c) => c.version)).toEqual([2, 3]);
    expect(loadConfigValuesSchema(root)['x-config-version']).toBe(3);
  });

  jqTest('version 1 to 2 drops the layer2 pools and keeps the bgp ones', () => {
    expect(convertSettings(legacy, 1, conversions.filter((c) => c.version === 2))).toEqual({ ...legacy, addressPools: [legacy.addressPools[1]] });
  });

  jqTest('version 1 to 3 keeps only the current settings, which then validate', () => {
    const out = convertSettings(legacy, 1, conversions);
    expect(out).toEqual({ nodeSelector: { role: 'lb' } });
    expect(settings(out).valid).toBe(true);
  });

  jqTest('settings without the converted keys pass through every step', () => {
    expect(convertSettings({ loadBalancerClass: 'x' }, 1, conversions)).toEqual({ loadBalancerClass: 'x' });
    expect(convertSettings({}, 2, conversions)).toEqual({});
    expect(convertSettings({ speaker: {} }, 3, conversions)).toEqual({ speaker: {} });
  });
});

describe('any input', () => {
  test('settings and values of any shape give field errors, never a crash', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => {
        for (const validate of [settings, values]) {
          const r = validate(v);
          expect(r.valid).toBe(r.errors.length === 0);
        }
      }),
      { numRuns: 500 },
    );
  });

  jqTest('settings of any shape convert or fail with a ConversionError naming the version', () => {
    const conversions = loadConversions(root);
    const legacyish = fc.record({ addressPools: fc.array(fc.record({ protocol: fc.constantFrom('layer2', 'bgp', 'x'), name: fc.string() })), other: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: [] });
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue({ maxDepth: 3 }), legacyish), fc.constantFrom(1, 2, 3), (v, from) => {
        try {
          const out = convertSettings(v, from, conversions);
          if (from === 1 && typeof v === 'object' && v !== null && !Array.isArray(v)) expect(out).not.toHaveProperty('addressPools');
        } catch (e) {
          expect(e).toBeInstanceOf(ConversionError);
        }
      }),
      { numRuns: 60 },
    );
  });
});
