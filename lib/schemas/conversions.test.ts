// SPDX-License-Identifier: Apache-2.0
import { convertSettings, ConversionError, latestVersion, parseConversion, type Conversion } from './conversions.js';

const conv = (version: number, expr: string): Conversion => ({ version, conversions: [expr], description: { en: 'e', ru: 'r' } });

describe('conversions', () => {
  test('parse rejects files without both descriptions', () => {
    expect(() => parseConversion({ version: 2, conversions: ['.'], description: { en: 'x' } }, 'v2.yaml')).toThrow('v2.yaml: description.en and description.ru are required');
    expect(() => parseConversion({ version: '2', conversions: [] }, 'v2.yaml')).toThrow('version must be a number');
    expect(parseConversion({ version: 2, conversions: ['del(.a)'], description: { en: 'x', ru: 'y' } }, 'v2.yaml').conversions).toEqual(['del(.a)']);
  });

  test('only the steps after the given version run, in order', () => {
    const ran: string[] = [];
    const jq = (program: string, input: unknown) => {
      ran.push(program);
      return { ...(input as object), [program]: true };
    };
    const list = [conv(2, 'two'), conv(3, 'three')];
    expect(latestVersion(list)).toBe(3);
    expect(latestVersion([])).toBe(1);
    expect(convertSettings({}, 2, list, jq)).toEqual({ three: true });
    expect(ran).toEqual(['three']);
    expect(convertSettings(undefined, 1, list, jq)).toEqual({ two: true, three: true });
  });

  test('an unknown version or a failing program is a ConversionError naming the version', () => {
    const list = [conv(2, 'x')];
    expect(() => convertSettings({}, 5, list)).toThrow('unknown version 5, the latest is 2');
    const failing = () => {
      throw Object.assign(new Error('exit 5'), { stderr: 'jq: error: boom' });
    };
    expect(() => convertSettings({}, 1, list, failing)).toThrow(new ConversionError(2, 'jq: error: boom'));
  });
});
