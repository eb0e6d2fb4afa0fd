// SPDX-License-Identifier: Apache-2.0
/**
 * The string formats kube-apiserver validates in CRD schemas, each as kube-openapi's strfmt registry checks it
 * (Go's net, net/url, net/mail, time and govalidator). Format names are normalized as there: dashes are dropped,
 * so `date-time` is `datetime`; any other format is not checked. Formats apply to strings only. Pure.
 * @see k8s.io/apiextensions-apiserver validation/formats.go; k8s.io/kube-openapi pkg/validation/strfmt
 */
import { isIPv4, isIPv6 } from 'node:net';

/** Go's net.ParseIP: dotted IPv4 (no leading zeros) or IPv6 without a zone. */
function goParseIp(s: string): boolean {
  return isIPv4(s) || (isIPv6(s) && !s.includes('%'));
}

/** Go's net.ParseCIDR: an address, "/", and a decimal prefix length within the family's bits. */
function goParseCidr(s: string): boolean {
  const i = s.lastIndexOf('/');
  if (i < 0) return false;
  const ip = s.slice(0, i);
  const bits = s.slice(i + 1);
  if (!goParseIp(ip) || !/^[0-9]+$/.test(bits) || bits.length > 9) return false;
  return Number(bits) <= (isIPv4(ip) ? 32 : 128);
}

/** Go's net.ParseMAC: 6, 8 or 20 octets as xx:xx…, xx-xx… or xxxx.xxxx…. */
function goParseMac(s: string): boolean {
  const octets = (n: number) => n === 6 || n === 8 || n === 20;
  if (/^[0-9a-fA-F]{2}([:-])[0-9a-fA-F]{2}(\1[0-9a-fA-F]{2})*$/.test(s)) return octets((s.length + 1) / 3);
  if (/^[0-9a-fA-F]{4}(\.[0-9a-fA-F]{4})*$/.test(s)) return octets(((s.length + 1) / 5) * 2);
  return false;
}

/** Go's url.ParseRequestURI: an absolute URI (anything after "scheme:" but "/", then an authority) or an absolute path. */
function goParseRequestUri(s: string): boolean {
  if (s === '' || [...s].some((c) => c < ' ' || c === '\x7f') || s.startsWith(':')) return false;
  if (s === '*') return true;
  const scheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:/.exec(s)?.[0];
  let rest = (scheme ? s.slice(scheme.length) : s).split('?')[0] ?? '';
  if (!rest.startsWith('/')) return scheme !== undefined;
  if (scheme && rest.startsWith('//')) {
    const end = rest.indexOf('/', 2);
    if (!goAuthority(end < 0 ? rest.slice(2) : rest.slice(2, end))) return false;
    rest = end < 0 ? '' : rest.slice(end);
  }
  return goEscapes(rest, false);
}

/** Every "%" starts two hex digits; in a host only %25 and bytes from 0x80 may be escaped. */
function goEscapes(s: string, host: boolean): boolean {
  for (let i = s.indexOf('%'); i >= 0; i = s.indexOf('%', i + 1)) {
    const hex = s.slice(i + 1, i + 3);
    if (!/^[0-9a-fA-F]{2}$/.test(hex) || (host && parseInt(hex[0] ?? '0', 16) < 8 && hex !== '25')) return false;
  }
  return true;
}

function goAuthority(a: string): boolean {
  const at = a.lastIndexOf('@');
  if (at >= 0 && !(/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(a.slice(0, at)) && goEscapes(a.slice(0, at), false))) return false;
  let host = a.slice(at + 1);
  const close = host.startsWith('[') ? host.lastIndexOf(']') : -1;
  if (host.startsWith('[') && close < 0) return false;
  const colon = close >= 0 ? close + 1 : host.lastIndexOf(':');
  if (colon >= 0 && colon < host.length && !/^:[0-9]*$/.test(host.slice(colon))) return false;
  if (close >= 0) host = host.slice(0, close + 1);
  return goEscapes(host, true) && [...host].every((c) => c >= '\x80' || /[A-Za-z0-9\-._~!$&'()*+,;=:[\]<>"%]/.test(c));
}

const atext = "[A-Za-z0-9!#$%&'*+\\-/=?^_`{|}~]+";
const dotAtom = `${atext}(?:\\.${atext})*`;
const quoted = '"(?:[^"\\\\\\r\\n]|\\\\.)*"';
const addrSpec = `(?:${dotAtom}|${quoted})@(?:${dotAtom}|\\[[^\\[\\]\\\\]*\\])`;
const word = `(?:${atext}|${quoted})`;
const rxAddress = new RegExp(`^\\s*(?:${addrSpec}|(?:${word}(?:\\s+${word})*\\s*)?<${addrSpec}>)\\s*$`);

/** Go's mail.ParseAddress for the common forms: addr-spec, or a display name and an angle address (no comments). */
function goParseAddress(s: string): boolean {
  return rxAddress.test(s);
}

const hostnameChar = '[a-zA-Z0-9\\p{S}\\p{L}]';
const rxHostname = new RegExp(
  `^(${hostnameChar}((-?${hostnameChar}{0,62})?)|(${hostnameChar}(([a-zA-Z0-9\\-\\p{S}\\p{L}]{0,61}${hostnameChar})?)(\\.)){1,}(${hostnameChar})(-?${hostnameChar}){1,62})$`,
  'u',
);

function isHostname(s: string): boolean {
  return rxHostname.test(s) && Buffer.byteLength(s) <= 255 && s.split('.').every((l) => Buffer.byteLength(l) <= 63);
}

/** Go's time.Parse("2006-01-02"): four-digit year, two-digit month and day, a real calendar day. */
function isDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1]!;
}

const rxTime = /^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$/;

/** strfmt.IsDateTime: lower-cased, split at "t", a date before the first and a time with a zone after it. */
function isDateTime(s: string): boolean {
  if (s.length < 4) return false;
  const parts = s.toLowerCase().split('t');
  if (parts.length < 2 || !isDate(parts[0] ?? '')) return false;
  const m = rxTime.exec(parts[1] ?? '');
  return !!m && (m[1] ?? '') <= '23' && (m[2] ?? '') <= '59' && (m[3] ?? '') <= '59';
}

/** Go's time.ParseDuration syntax: "300ms", "-1.5h", "2h45m", "0". */
const rxGoDuration = /^[-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$|^[-+]?0$/;
const timeUnits = [['ns', 'nano'], ['us', 'µs', 'micro'], ['ms', 'milli'], ['s', 'sec'], ['m', 'min'], ['h', 'hr', 'hour'], ['d', 'day'], ['w', 'wk', 'week']];

/** strfmt.ParseDuration: Go's syntax, else Scala-like "3 days 4 h" (the last name of a unit also matches as a prefix). */
function isDuration(s: string): boolean {
  if (rxGoDuration.test(s)) return true;
  if (!/^\s*(?:\d+\s*[A-Za-zµ]+\s*)+$/.test(s)) return false;
  for (const m of s.matchAll(/(\d+)\s*([A-Za-zµ]+)/g)) {
    const unit = (m[2] ?? '').trim().toLowerCase();
    if (timeUnits.some((names) => names.some((n, i) => (i === names.length - 1 && unit.startsWith(n)) || n === unit))) return true;
  }
  return false;
}

/** govalidator's ISBN-10/13 checks: spaces and dashes removed, then the check digit. */
function isIsbn(s: string, version: 10 | 13): boolean {
  const d = s.replace(/[\s-]+/g, '');
  if (version === 10) {
    if (!/^(?:[0-9]{9}X|[0-9]{10})$/.test(d)) return false;
    let sum = 0;
    for (let i = 0; i < 9; i++) sum += (i + 1) * Number(d[i]);
    sum += d[9] === 'X' ? 100 : 10 * Number(d[9]);
    return sum % 11 === 0;
  }
  if (!/^[0-9]{13}$/.test(d)) return false;
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += (i % 2 ? 3 : 1) * Number(d[i]);
  return Number(d[12]) === (10 - (sum % 10)) % 10;
}

const rxCreditCard = /^(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|6(?:011|5[0-9][0-9])[0-9]{12}|3[47][0-9]{13}|3(?:0[0-5]|[68][0-9])[0-9]{11}|(?:2131|1800|35\d{3})\d{11})$/;

/** govalidator.IsCreditCard: non-digits removed, a known issuer's layout, and the Luhn sum. */
function isCreditCard(s: string): boolean {
  const d = s.replace(/[^0-9]+/g, '');
  if (!rxCreditCard.test(d)) return false;
  let sum = 0;
  for (let i = d.length - 1, double = false; i >= 0; i--, double = !double) {
    const n = Number(d[i]) * (double ? 2 : 1);
    sum += n >= 10 ? (n % 10) + 1 : n;
  }
  return sum % 10 === 0;
}

const octet = '(0|[1-9]\\d?|1\\d\\d?|2[0-4]\\d|25[0-5])';

/** Validators by normalized format name; a format not listed here is not checked, as in the API server. */
export const kubeFormats: Readonly<Record<string, (s: string) => boolean>> = {
  bsonobjectid: (s) => /^[0-9a-fA-F]{24}$/.test(s),
  uri: goParseRequestUri,
  email: goParseAddress,
  hostname: isHostname,
  ipv4: (s) => goParseIp(s) && s.includes('.'),
  ipv6: (s) => goParseIp(s) && s.includes(':'),
  cidr: goParseCidr,
  mac: goParseMac,
  uuid: (s) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(s),
  uuid3: (s) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(s),
  uuid4: (s) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i.test(s),
  uuid5: (s) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i.test(s),
  isbn: (s) => isIsbn(s, 10) || isIsbn(s, 13),
  isbn10: (s) => isIsbn(s, 10),
  isbn13: (s) => isIsbn(s, 13),
  creditcard: isCreditCard,
  ssn: (s) => s.length === 11 && /^\d{3}[- ]?\d{2}[- ]?\d{4}$/.test(s),
  hexcolor: (s) => /^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(s),
  rgbcolor: (s) => new RegExp(`^rgb\\(\\s*${octet}\\s*,\\s*${octet}\\s*,\\s*${octet}\\s*\\)$`).test(s),
  byte: (s) => /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$/.test(s),
  password: () => true,
  date: isDate,
  duration: isDuration,
  datetime: isDateTime,
};

/** The registry name of a schema's format ("date-time" is "datetime"), or undefined when the server does not check it. */
export function checkedFormat(format: string): string | undefined {
  const name = format.replace(/-/g, '');
  return Object.hasOwn(kubeFormats, name) ? name : undefined;
}
