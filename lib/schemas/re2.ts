// SPDX-License-Identifier: Apache-2.0
/**
 * CRD `pattern`s are Go (RE2) regular expressions; ajv runs ECMAScript ones. This rewrites the RE2 syntax whose
 * meaning differs, so a pattern matches here what it matches in the API server: `.` and `\s` (narrower in RE2),
 * escaped punctuation (an error in ECMAScript's unicode mode), leading flags `(?i)`, `(?s)`, `(?m)`, `\A`, `\z`,
 * `\pL`, `\Q…\E`, `(?P<name>…)`, POSIX classes. What RE2 refuses (look-around, back-references) is refused. Pure.
 * @see https://github.com/google/re2/wiki/Syntax
 */

/** Why a pattern is not an RE2 regular expression (the API server refuses such a schema). */
export class Re2Error extends Error {
  constructor(pattern: string, why: string) {
    super(`pattern ${JSON.stringify(pattern)}: ${why}`);
    this.name = 'Re2Error';
  }
}

const posix: Record<string, string> = {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', ascii: '\\x00-\\x7f', blank: '\\t ', cntrl: '\\x00-\\x1f\\x7f', digit: '0-9',
  graph: '!-~', lower: 'a-z', print: ' -~', punct: '!-\\/:-@\\[-`{-~', space: '\\t\\n\\v\\f\\r ', upper: 'A-Z',
  word: '0-9A-Za-z_', xdigit: '0-9A-Fa-f',
};

const RE2_SPACE = '\\t\\n\\f\\r ';

/** A punctuation character as an escape both regexp dialects read the same way. */
function literal(c: string): string {
  return /[A-Za-z0-9]/.test(c) ? c : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
}

/** The ECMAScript source and flags (with "u") that match what the RE2 pattern matches. */
export function re2ToEcma(pattern: string): { source: string; flags: string } {
  let flags = 'u';
  let dotAll = false;
  let i = 0;
  const lead = /^\(\?([ims]+)\)/.exec(pattern);
  if (lead?.[1]) {
    if (lead[1].includes('i')) flags += 'i';
    if (lead[1].includes('m')) flags += 'm';
    dotAll = lead[1].includes('s');
    i = lead[0].length;
  }
  let out = '';
  let inClass = false;
  const fail = (why: string): never => {
    throw new Re2Error(pattern, why);
  };
  while (i < pattern.length) {
    const c = pattern[i] ?? '';
    if (c === '\\') {
      const d = pattern[i + 1];
      if (d === undefined) fail('trailing backslash');
      else if (/[1-9]/.test(d)) fail('back-references are not supported');
      else if (d === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        const text = pattern.slice(i + 2, end < 0 ? undefined : end);
        out += [...text].map(literal).join('');
        i = end < 0 ? pattern.length : end + 2;
        continue;
      } else if (d === 'A' || d === 'z') out += inClass ? fail(`\\${d} inside a class`) : d === 'A' ? '(?<![\\s\\S])' : '(?![\\s\\S])';
      else if (d === 's') out += inClass ? RE2_SPACE : `[${RE2_SPACE}]`;
      else if (d === 'S') out += inClass ? fail('\\S inside a class') : `[^${RE2_SPACE}]`;
      else if ((d === 'p' || d === 'P') && pattern[i + 2] !== '{') {
        out += `\\${d}{${pattern[i + 2] ?? ''}}`;
        i += 3;
        continue;
      } else if (d === 'x' && pattern[i + 2] === '{') out += '\\u';
      else if (d === 'a') out += '\\x07';
      else out += /[A-Za-z0-9]/.test(d) ? `\\${d}` : literal(d);
      i += 2;
      continue;
    }
    if (inClass) {
      const p = /^\[:(\^?)([a-z]+):\]/.exec(pattern.slice(i));
      if (p) {
        if (p[1] || !posix[p[2] ?? '']) fail(`unsupported class [:${p[1] ?? ''}${p[2] ?? ''}:]`);
        out += posix[p[2] ?? ''];
        i += p[0].length;
        continue;
      }
      if (c === ']') inClass = false;
      out += c === '[' ? '\\[' : c;
      i++;
      continue;
    }
    if (c === '[') {
      inClass = true;
      const neg = pattern[i + 1] === '^';
      out += neg ? '[^' : '[';
      i += neg ? 2 : 1;
      // A "]" right after "[" or "[^" is a literal in RE2, an empty class in ECMAScript.
      if (pattern[i] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (c === '.') out += dotAll ? '[\\s\\S]' : '[^\\n]';
    else if (c === '(' && pattern[i + 1] === '?') {
      const g = pattern.slice(i, i + 4);
      if (g.startsWith('(?=') || g.startsWith('(?!') || g.startsWith('(?<=') || g.startsWith('(?<!')) fail('look-around is not supported');
      if (g === '(?P<') {
        out += '(?<';
        i += 4;
        continue;
      }
      if (!g.startsWith('(?:') && !g.startsWith('(?<')) fail('flags other than a leading (?i), (?m) or (?s) are not supported');
      out += c;
    } else out += c;
    i++;
  }
  if (inClass) fail('missing ]');
  return { source: out, flags };
}

/** A RegExp for an RE2 pattern; throws {@link Re2Error} for what RE2 refuses, SyntaxError for what neither reads. */
export function re2RegExp(pattern: string): RegExp {
  const { source, flags } = re2ToEcma(pattern);
  return new RegExp(source, flags);
}
