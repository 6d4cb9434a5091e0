import { describe, expect, it } from 'vitest';
import { nextRunAfter, validateCron } from './schedule.js';

const at = (iso: string) => new Date(iso);
const next = (freq: string, after: string, extra: { days?: number; cron?: string; anchor?: string } = {}) =>
  nextRunAfter({ syncFrequency: freq, syncIntervalDays: extra.days ?? null, syncCron: extra.cron ?? null }, at(after), extra.anchor ? at(extra.anchor) : null)?.toISOString() ?? null;

describe('sync schedule', () => {
  it('computes the next slot per frequency, strictly after the given time', () => {
    expect(next('manual', '2026-11-25T10:00:00Z')).toBeNull();
    expect(next('hourly', '2026-11-25T10:00:00Z')).toBe('2026-11-25T11:00:00.000Z');
    expect(next('hourly', '2026-11-25T10:59:59Z')).toBe('2026-11-25T11:00:00.000Z');
    expect(next('daily', '2026-11-25T01:00:00Z')).toBe('2026-11-25T02:00:00.000Z');
    expect(next('daily', '2026-11-25T02:00:00Z')).toBe('2026-11-26T02:00:00.000Z');
    expect(next('weekly', '2026-11-25T10:00:00Z')).toBe('2026-11-30T03:00:00.000Z'); // Wed -> Mon
    expect(next('weekly', '2026-11-30T03:00:00Z')).toBe('2026-12-07T03:00:00.000Z');
    expect(next('cron', '2026-11-25T10:07:00Z', { cron: '*/15 * * * *' })).toBe('2026-11-25T10:15:00.000Z');
  });
  it('keeps every-N-days on its rhythm and skips missed slots instead of replaying them', () => {
    expect(next('every_n_days', '2026-11-25T05:00:00Z', { days: 3, anchor: '2026-11-25T02:00:00Z' })).toBe('2026-11-28T02:00:00.000Z');
    // Down for 10 days: one next slot, on the rhythm, after now.
    expect(next('every_n_days', '2026-12-05T05:00:00Z', { days: 3, anchor: '2026-11-25T02:00:00Z' })).toBe('2026-12-07T02:00:00.000Z');
  });
  it('validates cron expressions', () => {
    expect(validateCron('0 2 * * *')).toBeNull();
    expect(validateCron('not a cron')).not.toBeNull();
  });
});
