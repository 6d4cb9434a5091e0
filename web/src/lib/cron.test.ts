import { describe, expect, it } from 'vitest';
import { nextCronRun, parseCron } from './cron';

const next = (expr: string, after: string) => {
  const parsed = parseCron(expr);
  if (!parsed.ok) throw new Error(parsed.error);
  return nextCronRun(parsed.schedule, new Date(after))?.toISOString() ?? null;
};

describe('parseCron', () => {
  it('explains what is wrong', () => {
    expect(parseCron('')).toMatchObject({ ok: false, error: expect.stringMatching(/Enter a cron/) });
    expect(parseCron('* * *')).toMatchObject({ ok: false, error: expect.stringMatching(/5 fields.*has 3/) });
    expect(parseCron('61 * * * *')).toMatchObject({ ok: false, error: 'minute 61 is out of range 0-59' });
    expect(parseCron('0 5-2 * * *')).toMatchObject({ ok: false, error: expect.stringMatching(/backwards/) });
    expect(parseCron('*/0 * * * *')).toMatchObject({ ok: false, error: expect.stringMatching(/positive/) });
    expect(parseCron('0 0 bad * *')).toMatchObject({ ok: false, error: expect.stringMatching(/not a valid day of month/) });
    expect(parseCron('@fortnightly')).toMatchObject({ ok: false });
  });

  it('flags syntax the preview does not evaluate, so the form can leave it to the server', () => {
    expect(parseCron('0 0 L * *')).toMatchObject({ ok: false, unsupported: true });
    expect(parseCron('0 0 * * 5#3')).toMatchObject({ ok: false, unsupported: true });
    // Names containing L or W are still names.
    expect(parseCron('0 0 1 JUL WED').ok).toBe(true);
  });
});

describe('nextCronRun (UTC)', () => {
  it('steps, lists and ranges', () => {
    expect(next('0 */6 * * *', '2026-11-25T05:33:00Z')).toBe('2026-11-25T06:00:00.000Z');
    expect(next('0 */6 * * *', '2026-11-25T06:00:00Z')).toBe('2026-11-25T12:00:00.000Z');
    expect(next('15,45 9-17 * * *', '2026-11-25T17:50:00Z')).toBe('2026-11-26T09:15:00.000Z');
    expect(next('30 2 * * 1-5', '2026-11-28T00:00:00Z')).toBe('2026-11-30T02:30:00.000Z'); // Saturday -> Monday
  });

  it('reads names, 7 as Sunday and aliases', () => {
    expect(next('0 3 * * SUN', '2026-11-25T00:00:00Z')).toBe('2026-11-29T03:00:00.000Z');
    expect(next('0 3 * * 7', '2026-11-25T00:00:00Z')).toBe('2026-11-29T03:00:00.000Z');
    expect(next('0 0 1 jan *', '2026-11-25T00:00:00Z')).toBe('2027-01-01T00:00:00.000Z');
    expect(next('@daily', '2026-11-25T05:00:00Z')).toBe('2026-11-26T00:00:00.000Z');
    expect(next('@hourly', '2026-11-25T05:00:00Z')).toBe('2026-11-25T06:00:00.000Z');
  });

  it('matches either day field when both are restricted', () => {
    // The 1st of the month or any Friday, whichever comes first.
    expect(next('0 0 1 * 5', '2026-11-25T00:00:00Z')).toBe('2026-11-27T00:00:00.000Z');
    expect(next('0 0 1 * 5', '2026-11-28T00:00:00Z')).toBe('2026-12-01T00:00:00.000Z');
  });

  it('accepts a seconds field and finds rare dates', () => {
    expect(next('30 0 12 * * *', '2026-11-25T12:00:30Z')).toBe('2026-11-26T12:00:30.000Z');
    expect(next('0 0 29 2 *', '2026-03-01T00:00:00Z')).toBe('2028-02-29T00:00:00.000Z');
    expect(next('0 0 30 2 *', '2026-03-01T00:00:00Z')).toBeNull();
  });
});
