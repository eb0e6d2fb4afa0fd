// SPDX-License-Identifier: Apache-2.0
/**
 * A small subset of CEL, enough for the `x-kubernetes-validations` rules CRDs commonly carry:
 * `self`/`oldSelf`, field access, literals, `== != < <= > >= && || ! + - * / % ?:`, `in`,
 * `size()`, `has()`, `duration()` with `getSeconds()`/`getMilliseconds()`, `matches()`,
 * `startsWith()`, `endsWith()`, `contains()`. Anything else is a CelError. Pure.
 */

/** A rule that cannot be parsed or evaluated by this subset. */
export class CelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CelError';
  }
}

/** A parsed expression. */
export type CelNode =
  | { t: 'lit'; v: unknown }
  | { t: 'id'; name: string }
  | { t: 'field'; of: CelNode; name: string }
  | { t: 'index'; of: CelNode; at: CelNode }
  | { t: 'call'; fn: string; of?: CelNode; args: CelNode[] }
  | { t: 'list'; items: CelNode[] }
  | { t: 'un'; op: '!' | '-'; e: CelNode }
  | { t: 'bin'; op: string; l: CelNode; r: CelNode }
  | { t: 'cond'; c: CelNode; a: CelNode; b: CelNode };

const tokenRe = /\s*(?:(\d+\.\d+|\d+)(u?)|("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|([A-Za-z_][A-Za-z0-9_]*)|(==|!=|<=|>=|&&|\|\||[-+*/%<>!?:.,()[\]]))/y;

function tokenize(src: string): string[] {
  const out: string[] = [];
  tokenRe.lastIndex = 0;
  let pos = 0;
  while (pos < src.length) {
    if (/^\s*$/.test(src.slice(pos))) break;
    tokenRe.lastIndex = pos;
    const m = tokenRe.exec(src);
    if (!m) throw new CelError(`unexpected character at ${pos} in ${JSON.stringify(src)}`);
    out.push((m[1] ?? m[3] ?? m[4] ?? m[5]) as string);
    pos = tokenRe.lastIndex;
  }
  return out;
}

function stringLiteral(t: string): string {
  const body = t.slice(1, -1);
  try {
    return JSON.parse(`"${t.startsWith("'") ? body.replace(/\\'/g, "'").replace(/"/g, '\\"') : body}"`) as string;
  } catch {
    throw new CelError(`invalid string literal ${t}`);
  }
}

const binaryPrecedence: Record<string, number> = { '||': 1, '&&': 2, '==': 3, '!=': 3, '<': 3, '<=': 3, '>': 3, '>=': 3, in: 3, '+': 4, '-': 4, '*': 5, '/': 5, '%': 5 };

/** Parses a rule; throws CelError on syntax this subset does not know. */
export function parseCel(src: string): CelNode {
  const toks = tokenize(src);
  let i = 0;
  const peek = () => toks[i];
  const take = (want?: string): string => {
    const t = toks[i++];
    if (t === undefined || (want !== undefined && t !== want)) throw new CelError(`expected ${want ?? 'a token'} in ${JSON.stringify(src)}`);
    return t;
  };
  const args = (): CelNode[] => {
    const list: CelNode[] = [];
    take('(');
    while (peek() !== ')') {
      list.push(expr(0));
      if (peek() === ',') take(',');
    }
    take(')');
    return list;
  };
  const primary = (): CelNode => {
    const t = take();
    if (t === '(') {
      const e = expr(0);
      take(')');
      return e;
    }
    if (t === '!' || t === '-') return { t: 'un', op: t, e: postfix(primary()) };
    if (t === '[') {
      const items: CelNode[] = [];
      while (peek() !== ']') {
        items.push(expr(0));
        if (peek() === ',') take(',');
      }
      take(']');
      return { t: 'list', items };
    }
    if (/^\d/.test(t)) return { t: 'lit', v: Number(t) };
    if (t.startsWith('"') || t.startsWith("'")) return { t: 'lit', v: stringLiteral(t) };
    if (t === 'true' || t === 'false') return { t: 'lit', v: t === 'true' };
    if (t === 'null') return { t: 'lit', v: null };
    if (/^[A-Za-z_]/.test(t)) return peek() === '(' ? { t: 'call', fn: t, args: args() } : { t: 'id', name: t };
    throw new CelError(`unexpected ${t} in ${JSON.stringify(src)}`);
  };
  const postfix = (e: CelNode): CelNode => {
    for (;;) {
      if (peek() === '.') {
        take('.');
        const name = take();
        e = peek() === '(' ? { t: 'call', fn: name, of: e, args: args() } : { t: 'field', of: e, name };
      } else if (peek() === '[') {
        take('[');
        const at = expr(0);
        take(']');
        e = { t: 'index', of: e, at };
      } else return e;
    }
  };
  const expr = (min: number): CelNode => {
    let left = postfix(primary());
    for (;;) {
      const op = peek();
      if (op === '?' && min === 0) {
        take('?');
        const a = expr(0);
        take(':');
        left = { t: 'cond', c: left, a, b: expr(0) };
        continue;
      }
      const p = op === undefined ? undefined : binaryPrecedence[op];
      if (p === undefined || p <= min - 1 || p < min) return left;
      take();
      left = { t: 'bin', op: op as string, l: left, r: expr(p + 1) };
    }
  };
  const e = expr(0);
  if (i !== toks.length) throw new CelError(`unexpected ${toks[i]} in ${JSON.stringify(src)}`);
  return e;
}

/** A CEL duration, in milliseconds. */
interface Duration {
  ms: number;
}

const unitMs: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };

function parseDuration(s: unknown): Duration {
  if (typeof s !== 'string') throw new CelError('duration() takes a string');
  const m = /^([-+])?((?:\d+(?:\.\d*)?|\.\d+)(?:h|ms|m|s|us|µs|ns))+$/.exec(s);
  if (!m && s !== '0') throw new CelError(`invalid duration ${JSON.stringify(s)}`);
  let ms = 0;
  for (const part of s.matchAll(/(\d+(?:\.\d*)?|\.\d+)(h|ms|m|s|us|µs|ns)/g)) ms += Number(part[1]) * (unitMs[part[2] as string] ?? 0);
  return { ms: s.startsWith('-') ? -ms : ms };
}

const isDuration = (v: unknown): v is Duration => typeof v === 'object' && v !== null && 'ms' in v && Object.keys(v).length === 1;

function equal(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Evaluates a parsed rule with the given variables (`self`, `oldSelf`). */
export function evalCel(n: CelNode, vars: Record<string, unknown>): unknown {
  const ev = (x: CelNode) => evalCel(x, vars);
  switch (n.t) {
    case 'lit':
      return n.v;
    case 'id':
      if (!(n.name in vars)) throw new CelError(`undeclared reference to ${n.name}`);
      return vars[n.name];
    case 'list':
      return n.items.map(ev);
    case 'field': {
      const o = ev(n.of);
      if (typeof o !== 'object' || o === null || !(n.name in o)) throw new CelError(`no such key: ${n.name}`);
      return (o as Record<string, unknown>)[n.name];
    }
    case 'index': {
      const o = ev(n.of);
      const k = ev(n.at);
      if (Array.isArray(o) && typeof k === 'number' && k >= 0 && k < o.length) return o[k] as unknown;
      if (typeof o === 'object' && o !== null && typeof k === 'string' && k in o) return (o as Record<string, unknown>)[k];
      throw new CelError('index out of range');
    }
    case 'un': {
      const v = ev(n.e);
      if (n.op === '!' && typeof v === 'boolean') return !v;
      if (n.op === '-' && typeof v === 'number') return -v;
      throw new CelError(`no such overload: ${n.op}`);
    }
    case 'cond':
      return ev(n.c) === true ? ev(n.a) : ev(n.b);
    case 'bin':
      return binary(n.op, n.l, n.r, ev);
    case 'call':
      return call(n, ev);
  }
}

function binary(op: string, l: CelNode, r: CelNode, ev: (x: CelNode) => unknown): unknown {
  if (op === '&&' || op === '||') {
    const a = ev(l);
    if (typeof a !== 'boolean') throw new CelError(`no such overload: ${op}`);
    if (op === '&&' ? !a : a) return a;
    const b = ev(r);
    if (typeof b !== 'boolean') throw new CelError(`no such overload: ${op}`);
    return b;
  }
  const a = ev(l);
  const b = ev(r);
  if (op === '==') return equal(a, b);
  if (op === '!=') return !equal(a, b);
  if (op === 'in') {
    if (Array.isArray(b)) return b.some((x) => equal(x, a));
    if (typeof b === 'object' && b !== null && typeof a === 'string') return a in b;
    throw new CelError('no such overload: in');
  }
  const x = isDuration(a) ? a.ms : a;
  const y = isDuration(b) ? b.ms : b;
  if (typeof x === 'number' && typeof y === 'number') {
    switch (op) {
      case '<': return x < y;
      case '<=': return x <= y;
      case '>': return x > y;
      case '>=': return x >= y;
      case '+': return x + y;
      case '-': return x - y;
      case '*': return x * y;
      case '/':
        if (y === 0) throw new CelError('division by zero');
        return Math.trunc(x / y);
      case '%':
        if (y === 0) throw new CelError('modulus by zero');
        return x % y;
    }
  }
  if (typeof x === 'string' && typeof y === 'string') {
    if (op === '+') return x + y;
    if (op === '<') return x < y;
    if (op === '<=') return x <= y;
    if (op === '>') return x > y;
    if (op === '>=') return x >= y;
  }
  if (op === '+' && Array.isArray(x) && Array.isArray(y)) return [...x, ...y];
  throw new CelError(`no such overload: ${op}`);
}

function call(n: Extract<CelNode, { t: 'call' }>, ev: (x: CelNode) => unknown): unknown {
  if (n.fn === 'has') {
    // has() tests presence: its argument is a selection, not evaluated.
    const arg = n.args[0];
    if (n.of !== undefined || n.args.length !== 1 || arg?.t !== 'field') throw new CelError('has() takes a field selection');
    const o = ev(arg.of);
    return typeof o === 'object' && o !== null && arg.name in o;
  }
  const recv = n.of === undefined ? undefined : ev(n.of);
  const args = n.args.map(ev);
  const str = (v: unknown) => {
    if (typeof v !== 'string') throw new CelError(`no such overload: ${n.fn}`);
    return v;
  };
  switch (n.fn) {
    case 'size': {
      const v = n.of === undefined ? args[0] : recv;
      if (typeof v === 'string') return [...v].length;
      if (Array.isArray(v)) return v.length;
      if (typeof v === 'object' && v !== null) return Object.keys(v).length;
      throw new CelError('no such overload: size');
    }
    case 'duration':
      return parseDuration(args[0]);
    case 'getSeconds':
      if (!isDuration(recv)) throw new CelError('no such overload: getSeconds');
      return Math.trunc(recv.ms / 1000);
    case 'getMilliseconds':
      if (!isDuration(recv)) throw new CelError('no such overload: getMilliseconds');
      return Math.trunc(recv.ms);
    case 'matches': {
      let re: RegExp;
      try {
        re = new RegExp(str(args[0]), 'u');
      } catch {
        throw new CelError(`invalid regular expression ${JSON.stringify(args[0])}`);
      }
      return re.test(str(recv));
    }
    case 'startsWith':
      return str(recv).startsWith(str(args[0]));
    case 'endsWith':
      return str(recv).endsWith(str(args[0]));
    case 'contains':
      return str(recv).includes(str(args[0]));
    default:
      throw new CelError(`undeclared reference to '${n.fn}'`);
  }
}
