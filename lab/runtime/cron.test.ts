import { parseCron } from './cron.js';

const at = (iso: string) => new Date(iso);

describe('parseCron', () => {
  test('5 fields fire at second 0 of matching minutes', () => {
    const c = parseCron('*/15 * * * *');
    expect(c.matches(at('2026-01-01T10:30:00Z'))).toBe(true);
    expect(c.matches(at('2026-01-01T10:30:01Z'))).toBe(false);
    expect(c.matches(at('2026-01-01T10:31:00Z'))).toBe(false);
  });

  test('6 fields take seconds first; lists and ranges', () => {
    const c = parseCron('*/10 0-5,30 9 * * 1-5');
    expect(c.matches(at('2026-01-05T09:03:20Z'))).toBe(true); // Monday
    expect(c.matches(at('2026-01-04T09:03:20Z'))).toBe(false); // Sunday
    expect(c.matches(at('2026-01-05T09:30:00Z'))).toBe(true);
    expect(c.matches(at('2026-01-05T09:06:00Z'))).toBe(false);
  });

  test('both day fields restricted: either matches (7 is Sunday)', () => {
    const c = parseCron('0 0 13 * 7');
    expect(c.matches(at('2026-02-13T00:00:00Z'))).toBe(true); // a Friday the 13th
    expect(c.matches(at('2026-02-15T00:00:00Z'))).toBe(true); // a Sunday
    expect(c.matches(at('2026-02-14T00:00:00Z'))).toBe(false);
  });

  test.each(['* * * *', '61 * * * *', 'x * * * *', '5-1 * * * *', '*/0 * * * *'])('rejects %s', (spec) => {
    expect(() => parseCron(spec)).toThrow(/crontab/);
  });
});
