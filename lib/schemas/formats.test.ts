import { checkedFormat, kubeFormats } from './formats.js';
import { compileCrdSchema, SchemaCompileError } from './compile.js';
import { re2RegExp, Re2Error } from './re2.js';

/** [format, value, what kube-apiserver says] from kube-openapi's strfmt registry and the Go functions it calls. */
const verdicts: Array<[string, string, boolean]> = [
  ['bsonobjectid', '507f1f77bcf86cd799439011', true], ['bsonobjectid', '507f1f77bcf86cd79943901', false],
  ['uri', 'https://example.com/a?b=c', true], ['uri', '/only/a/path', true], ['uri', 'mailto:a@example.com', true], ['uri', 'http:', true],
  ['uri', 'relative/path', false], ['uri', '', false], ['uri', '*', true], ['uri', 'http://h/%zz', false], ['uri', 'http://h:port/', false],
  ['uri', 'http://[2001:db8::1]:8080/x', true], ['uri', ':nothing', false], ['uri', 'http://a b/', false],
  ['email', 'a@example.com', true], ['email', 'Jane Doe <jane@example.com>', true], ['email', '"quoted local"@example.com', true], ['email', 'no-at-sign', false],
  ['hostname', 'node-1.example.com', true], ['hostname', '1-node', true], ['hostname', 'bad_name', false], ['hostname', '-lead', false], ['hostname', 'ünïcode.de', true],
  ['hostname', `${'a'.repeat(64)}.com`, false],
  ['ipv4', '192.0.2.1', true], ['ipv4', '::ffff:192.0.2.1', true], ['ipv4', '192.0.2.01', false], ['ipv4', '2001:db8::1', false],
  ['ipv6', '2001:db8::1', true], ['ipv6', '::ffff:192.0.2.1', true], ['ipv6', 'fe80::1%eth0', false], ['ipv6', '192.0.2.1', false],
  ['cidr', '192.0.2.0/24', true], ['cidr', '192.0.2.7/24', true], ['cidr', '2001:db8::/129', false], ['cidr', '192.0.2.0', false], ['cidr', '192.0.2.0/+8', false],
  ['mac', '02:00:00:00:02:01', true], ['mac', '02-00-00-00-02-01', true], ['mac', '0200.0000.0201', true], ['mac', '02:00:00:00:02:01:aa:bb', true], ['mac', '02:00:00:00:02', false], ['mac', '02:00-00:00:02:01', false],
  ['uuid', '123e4567-e89b-12d3-a456-426614174000', true], ['uuid', '123E4567E89B12D3A456426614174000', true], ['uuid', 'urn:uuid:123e4567-e89b-12d3-a456-426614174000', false],
  ['uuid3', '123e4567-e89b-32d3-a456-426614174000', true], ['uuid4', '123e4567-e89b-42d3-a456-426614174000', true], ['uuid4', '123e4567-e89b-42d3-c456-426614174000', false], ['uuid5', '123e4567-e89b-52d3-9456-426614174000', true],
  ['isbn10', '0321751043', true], ['isbn10', '0321751044', false], ['isbn13', '978-0321751041', true], ['isbn', '978 0321751041', true],
  ['creditcard', '4111 1111 1111 1111', true], ['creditcard', '4111111111111112', false],
  ['ssn', '123-45-6789', true], ['ssn', '123456789', false], ['hexcolor', '#fff', true], ['hexcolor', 'ffffff', true], ['hexcolor', '#ffff', false],
  ['rgbcolor', 'rgb(255, 0, 10)', true], ['rgbcolor', 'rgb(256,0,0)', false],
  ['byte', 'aGVsbG8=', true], ['byte', 'aGVsbG8', false], ['byte', '', false], ['password', '', true],
  ['date', '2024-02-29', true], ['date', '2023-02-29', false], ['date', '2024-2-29', false],
  ['duration', '1h30m', true], ['duration', '-1.5h', true], ['duration', '300μs', true], ['duration', '3 days', true], ['duration', '2 weeks 1 d', true], ['duration', '5 minutes', true],
  ['duration', '1 month', false], ['duration', '10', false], ['duration', '', false],
  ['datetime', '2024-01-02T03:04:05Z', true], ['datetime', '2024-01-02t03:04:05.123+01:00', true], ['datetime', '2024-01-02 03:04:05Z', false],
  ['datetime', '2024-01-02T03:04:05', false], ['datetime', '2024-01-02T03:04:05+0100', false], ['datetime', '2024-01-02T24:00:00Z', false],
];

describe('formats as kube-apiserver checks them', () => {
  test.each(verdicts)('%s %j: %s', (format, value, valid) => {
    expect(kubeFormats[format]?.(value)).toBe(valid);
  });

  test('names are normalized by dropping dashes; unknown formats, int32 and int64 among them, are not checked', () => {
    expect(checkedFormat('date-time')).toBe('datetime');
    expect(checkedFormat('int32')).toBeUndefined();
    expect(checkedFormat('int64')).toBeUndefined();
    expect(checkedFormat('Date-Time')).toBeUndefined();
    expect(checkedFormat('ip')).toBeUndefined();
  });
});

describe('CRD schemas accept and reject what kube-apiserver does, keyword by keyword', () => {
  const check = compileCrdSchema({
    type: 'object',
    properties: {
      asn: { type: 'integer', format: 'int32', minimum: 0, maximum: 4294967295 },
      at: { type: 'string', format: 'date-time' },
      count: { type: 'integer', format: 'uuid' },
      free: { type: 'string', format: 'no-such-format' },
      fixed: { type: 'string', const: 'x', minLength: 1 } as never,
      name: { type: 'string', pattern: '^[a-z0-9\\-]+\\.[a-z]+$' },
      line: { type: 'string', pattern: '^a.b$' },
      word: { type: 'string', pattern: '(?i)^abc$' },
    },
  });
  const ok = (o: object) => check(o).valid;

  test('format is not enforced on integers: a 4-byte private ASN with format int32 is accepted', () => {
    expect(ok({ asn: 4200000000 })).toBe(true);
    expect(ok({ asn: 4294967296 })).toBe(false);
    expect(ok({ count: 5 })).toBe(true);
  });

  test('date-time is the datetime format, RFC 3339 with a zone; unknown formats pass', () => {
    expect(ok({ at: '2024-01-02T03:04:05Z' })).toBe(true);
    expect(ok({ at: '2024-01-02 03:04:05Z' })).toBe(false);
    expect(ok({ free: 'anything' })).toBe(true);
  });

  test('keywords JSONSchemaProps lacks are not read (const)', () => {
    expect(ok({ fixed: 'y' })).toBe(true);
    expect(ok({ fixed: '' })).toBe(false);
  });

  test('patterns read as RE2: escaped punctuation, "." not matching a newline but a carriage return, leading flags', () => {
    expect(ok({ name: 'node-1.lab' })).toBe(true);
    expect(ok({ name: 'node_1.lab' })).toBe(false);
    expect(ok({ line: 'a\rb' })).toBe(true);
    expect(ok({ line: 'a\nb' })).toBe(false);
    expect(ok({ word: 'ABC' })).toBe(true);
  });

  test.each([
    ['uniqueItems: true', { type: 'array', items: { type: 'string' }, uniqueItems: true }, 'uniqueItems cannot be set to true'],
    ['patternProperties', { type: 'object', patternProperties: { '^a': { type: 'string' } } }, 'patternProperties is not supported'],
    ['dependencies', { type: 'object', properties: { a: { type: 'string' } }, dependencies: { a: ['b'] } }, 'dependencies is not supported'],
    ['additionalItems', { type: 'array', items: { type: 'string' }, additionalItems: false }, 'additionalItems is not supported'],
    ['definitions', { type: 'object', definitions: { a: { type: 'string' } } }, 'definitions is not supported'],
    ['a look-ahead pattern', { type: 'string', pattern: '^(?=a)a$' }, 'look-around is not supported'],
  ])('a CRD with %s is refused, as the API server refuses it', (_n, field, why) => {
    expect(() => compileCrdSchema({ type: 'object', properties: { f: field } } as never)).toThrow(SchemaCompileError);
    expect(() => compileCrdSchema({ type: 'object', properties: { f: field } } as never)).toThrow(why);
  });
});

describe('RE2 patterns', () => {
  test.each<[string, string, boolean]>([
    ['^\\s$', '\u00a0', false], ['^\\s$', '\t', true], ['^\\S+$', 'a\u00a0b', true], ['^[[:alpha:]]+$', 'abc', true], ['^[[:digit:]]+$', 'a1', false],
    ['\\Aab\\z', 'ab', true], ['(?s)^a.b$', 'a\nb', true], ['(?m)^b$', 'a\nb', true], ['^\\pL+$', 'äb', true], ['^\\Q.*\\E$', '.*', true], ['^\\Q.*\\E$', 'ab', false],
    ['^(?P<x>a)b$', 'ab', true], ['^[]a]+$', ']a', true], ['^\\x{41}$', 'A', true], ['^a\\:b$', 'a:b', true],
  ])('%s on %j: %s', (p, s, match) => {
    expect(re2RegExp(p).test(s)).toBe(match);
  });

  test('RE2 refuses back-references and look-behind', () => {
    expect(() => re2RegExp('(a)\\1')).toThrow(Re2Error);
    expect(() => re2RegExp('(?<=a)b')).toThrow(Re2Error);
  });
});
