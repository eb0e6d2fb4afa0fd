// SPDX-License-Identifier: Apache-2.0
/** Crontab matching as shell-operator reads it: 5 fields, or 6 with seconds first. Pure. */

const RANGES: [number, number][] = [
  [0, 59], // second
  [0, 59], // minute
  [0, 23], // hour
  [1, 31], // day of month
  [1, 12], // month
  [0, 6], // day of week (0 = Sunday; 7 accepted as Sunday)
];

function field(text: string, [lo, hi]: [number, number], name: string): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\*|\d+(?:-\d+)?)(?:\/(\d+))?$/.exec(part);
    if (!m) throw new Error(`crontab ${name} field "${text}" is not understood`);
    const [, range, stepText] = m;
    const step = stepText ? Number(stepText) : 1;
    const [x, y] = range === '*' ? [lo, hi] : (range as string).split('-').map(Number);
    const a = x ?? lo;
    const b = y ?? (stepText ? hi : a);
    if (a < lo || b > hi + (name === 'day-of-week' ? 1 : 0) || a > b || step < 1) throw new Error(`crontab ${name} field "${text}" is out of range ${lo}-${hi}`);
    for (let v = a; v <= b; v += step) out.add(name === 'day-of-week' && v === 7 ? 0 : v);
  }
  return out;
}

/** A compiled crontab; `matches(date)` compares at second granularity (5-field specs fire at second 0). */
export interface Cron {
  matches(d: Date): boolean;
}

const NAMES = ['second', 'minute', 'hour', 'day-of-month', 'month', 'day-of-week'];

export function parseCron(spec: string): Cron {
  let parts = spec.trim().split(/\s+/);
  if (parts.length === 5) parts = ['0', ...parts];
  if (parts.length !== 6) throw new Error(`crontab "${spec}" needs 5 or 6 fields`);
  const sets = parts.map((p, i) => field(p, RANGES[i] as [number, number], NAMES[i] as string));
  const [sec, min, hour, dom, mon, dow] = sets as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  const domAny = parts[3] === '*';
  const dowAny = parts[5] === '*';
  return {
    matches(d) {
      if (!sec.has(d.getUTCSeconds()) || !min.has(d.getUTCMinutes()) || !hour.has(d.getUTCHours()) || !mon.has(d.getUTCMonth() + 1)) return false;
      // Standard cron: when both day fields are restricted, either may match.
      const a = dom.has(d.getUTCDate());
      const b = dow.has(d.getUTCDay());
      return domAny || dowAny ? a && b : a || b;
    },
  };
}
