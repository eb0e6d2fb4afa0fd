import fc from 'fast-check';
import { parseJsonStream } from './json-stream.js';
import { encodeMetricOperations, Metrics, parseMetricOperations } from './metrics.js';

describe('Metrics', () => {
  test('set, add, observe and expire serialize in the shell-operator format', () => {
    const m = new Metrics();
    m.expire('l2');
    m.set('d8_metallb_x', 2, { class: 'a' }, 'l2');
    m.add('d8_metallb_y_total', 3);
    m.inc('d8_metallb_y_total', { a: 'b' });
    m.observe('d8_metallb_h', 0.3, [0.1, 1]);
    expect(encodeMetricOperations(m.operations())).toBe(
      '{"group":"l2","action":"expire"}\n' +
        '{"name":"d8_metallb_x","action":"set","value":2,"labels":{"class":"a"},"group":"l2"}\n' +
        '{"name":"d8_metallb_y_total","action":"add","value":3,"labels":{}}\n' +
        '{"name":"d8_metallb_y_total","action":"add","value":1,"labels":{"a":"b"}}\n' +
        '{"name":"d8_metallb_h","action":"observe","value":0.3,"buckets":[0.1,1],"labels":{}}\n',
    );
  });

  test('parse reads back what encode writes, and the legacy shortcuts', () => {
    const m = new Metrics();
    m.set('a', 1, { x: 'y' }, 'g');
    m.expire('g');
    expect(parseMetricOperations(encodeMetricOperations(m.operations()))).toEqual(m.operations());
    expect(parseMetricOperations('{"name":"a","set":2}{"name":"b","add":1}')).toEqual([
      { name: 'a', action: 'set', value: 2, labels: {} },
      { name: 'b', action: 'add', value: 1, labels: {} },
    ]);
  });

  test('bad operations get a clear error', () => {
    expect(() => parseMetricOperations('{"name":"a","action":"set"}')).toThrow('numeric value');
    expect(() => parseMetricOperations('{"action":"expire"}')).toThrow('needs "group"');
    expect(() => parseMetricOperations('{"name":"a","action":"bump","value":1}')).toThrow('unknown action');
    expect(() => parseMetricOperations('[1]')).toThrow('not an object');
  });

  test('property: the decoder returns operations or throws an Error, never anything else', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.jsonValue().map((v) => JSON.stringify(v))), (text) => {
        try {
          parseMetricOperations(text);
        } catch (e) {
          expect(e).toBeInstanceOf(Error);
        }
      }),
    );
  });
});

describe('parseJsonStream', () => {
  test('splits concatenated and newline-separated values, strings with braces included', () => {
    expect(parseJsonStream('{"a":"}{"}\n[1,[2]] {"b":1}3 "x"')).toEqual([{ a: '}{' }, [1, [2]], { b: 1 }, 3, 'x']);
    expect(parseJsonStream('  \n')).toEqual([]);
  });

  test('property: a stream of encoded values parses back to the values', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue()), fc.constantFrom('', '\n', ' '), (vals, sep) => {
        const text = vals.map((v) => JSON.stringify(v)).join(sep === '' ? '\n' : sep);
        expect(parseJsonStream(text)).toEqual(vals.map((v) => JSON.parse(JSON.stringify(v))));
      }),
    );
  });

  test('unterminated input throws', () => {
    expect(() => parseJsonStream('{"a":1')).toThrow('unterminated');
  });
});
