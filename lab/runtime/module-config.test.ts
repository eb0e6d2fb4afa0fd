import { compileValuesSchema } from '../../lib/schemas/index.js';
import { evaluateModuleConfig, withSettingsCheck } from './module-config.js';

const schema = { type: 'object', properties: { logLevel: { type: 'string', enum: ['Info', 'Debug'], default: 'Info' }, pools: { type: 'array', items: { type: 'string' } } } };
const validate = compileValuesSchema(schema as never, { prefix: ['settings'] });
const conversions = [{ version: 2, conversions: ['del(.old)'], description: { en: 'x', ru: 'x' } }];
// A stand-in for the jq binary: the one program of the conversion above.
const jq = (program: string, input: unknown) => {
  expect(program).toBe('del(.old)');
  const { old: _old, ...rest } = input as Record<string, unknown>;
  return rest;
};
const mc = (spec: Record<string, unknown>, status?: Record<string, unknown>) => ({ apiVersion: 'deckhouse.io/v1alpha1', kind: 'ModuleConfig', metadata: { name: 'm' }, spec, ...(status ? { status } : {}) });

describe('evaluateModuleConfig', () => {
  test('no ModuleConfig: defaults, latest version, empty message', () => {
    expect(evaluateModuleConfig(undefined, conversions, validate, jq)).toEqual({ enabled: undefined, settings: { logLevel: 'Info' }, errors: [], warnings: [], status: { message: '', version: '2' } });
  });

  test('an older version is converted, with a warning', () => {
    const r = evaluateModuleConfig(mc({ version: 1, settings: { old: true, logLevel: 'Debug' } }), conversions, validate, jq);
    expect(r.settings).toEqual({ logLevel: 'Debug' });
    expect(r.status.message).toBe('spec.version 1 is obsolete, the latest is 2');
  });

  test.each([
    [{ settings: { logLevel: 'Info' } }, 'Error: spec.version is required when spec.settings are specified'],
    [{ version: 9, settings: {} }, 'Error: spec.version 9 is unknown, the latest is 2'],
    [{ version: 2, settings: { logLevel: 'Loud' } }, 'Error: spec.settings are not valid (version 2): settings.logLevel: Unsupported value: "Loud"'],
    [{ version: 1, settings: { pools: 'x' } }, 'Error: spec.settings are not valid (version 1 converted to 2): settings.pools: Invalid value'],
  ])('%j gives a clear status message', (spec, message) => {
    const r = evaluateModuleConfig(mc(spec), conversions, validate, jq);
    expect(r.settings).toBeUndefined();
    expect(r.status.message.startsWith(message)).toBe(true);
  });

  test('disabled: settings are not validated', () => {
    const r = evaluateModuleConfig(mc({ enabled: false, version: 2, settings: { logLevel: 'Loud' } }), conversions, validate, jq);
    expect(r).toMatchObject({ enabled: false, errors: [], status: { message: 'Disabled' } });
  });
});

describe('withSettingsCheck', () => {
  test('a failed check becomes an error and drops the settings; warnings are kept', () => {
    const ok = evaluateModuleConfig(mc({ version: 2, settings: { logLevel: 'Debug' } }), conversions, validate, jq);
    const bad = withSettingsCheck(ok, { valid: false, message: 'pools must be a list', warnings: ['old key'] });
    expect(bad.settings).toBeUndefined();
    expect(bad.status.message).toBe('Error: settings check: pools must be a list');
    const warned = withSettingsCheck(ok, { valid: true, warnings: ['settings.speaker is deprecated'] });
    expect(warned.settings).toEqual({ logLevel: 'Debug' });
    expect(warned.status.message).toBe('settings.speaker is deprecated');
  });
});
