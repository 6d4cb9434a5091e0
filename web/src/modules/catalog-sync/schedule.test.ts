import { describe, expect, it } from 'vitest';
import { describeFrequency, previewNextRun, type FrequencySettings } from './schedule';

const f = (sync_frequency: string, extra: Partial<FrequencySettings> = {}): FrequencySettings => ({ sync_frequency, sync_interval_days: null, sync_cron: null, ...extra });
const at = (s: FrequencySettings, now: string, active = true) => {
  const p = previewNextRun(s, new Date(now), active);
  return p.kind === 'at' ? p.at.toISOString() : p;
};

describe('describeFrequency', () => {
  it('says each frequency in words, with its UTC slot', () => {
    expect(describeFrequency(f('manual'))).toBe('Manual only');
    expect(describeFrequency(f('hourly'))).toBe('Every hour, on the hour');
    expect(describeFrequency(f('daily'))).toBe('Daily at 02:00 UTC');
    expect(describeFrequency(f('weekly'))).toBe('Weekly on Monday at 03:00 UTC');
    expect(describeFrequency(f('every_n_days', { sync_interval_days: 3 }))).toBe('Every 3 days at 02:00 UTC');
    expect(describeFrequency(f('every_n_days', { sync_interval_days: 1 }))).toBe('Every day at 02:00 UTC');
    // Product answers carry only the frequency name, not its interval.
    expect(describeFrequency(f('every_n_days'))).toBe('Every few days');
    expect(describeFrequency(f('cron', { sync_cron: ' 0 */6 * * * ' }))).toBe('Cron 0 */6 * * * (UTC)');
    expect(describeFrequency(f('cron'))).toBe('Cron (no expression set)');
    expect(describeFrequency(f('fortnightly_v2'))).toBe('fortnightly v2');
  });
});

describe('previewNextRun mirrors the server schedule', () => {
  const now = '2026-11-25T05:33:57Z'; // a Wednesday

  it('hourly, daily and weekly slots', () => {
    expect(at(f('hourly'), now)).toBe('2026-11-25T06:00:00.000Z');
    expect(at(f('daily'), now)).toBe('2026-11-26T02:00:00.000Z');
    expect(at(f('daily'), '2026-11-25T01:59:00Z')).toBe('2026-11-25T02:00:00.000Z');
    expect(at(f('weekly'), now)).toBe('2026-11-30T03:00:00.000Z');
    expect(at(f('weekly'), '2026-11-30T02:00:00Z')).toBe('2026-11-30T03:00:00.000Z');
    expect(at(f('weekly'), '2026-11-30T03:00:00Z')).toBe('2026-12-07T03:00:00.000Z');
  });

  it('every N days counts from today\'s 02:00 UTC slot (what the server answered for the demo CRM)', () => {
    expect(at(f('every_n_days', { sync_interval_days: 3 }), now)).toBe('2026-11-28T02:00:00.000Z');
    expect(at(f('every_n_days', { sync_interval_days: 3 }), '2026-11-25T01:00:00Z')).toBe('2026-11-25T02:00:00.000Z');
    expect(at(f('every_n_days', { sync_interval_days: 1 }), now)).toBe('2026-11-26T02:00:00.000Z');
    expect(at(f('every_n_days'), now)).toMatchObject({ kind: 'unknown', reason: expect.stringMatching(/number of days/) });
  });

  it('cron in UTC, with reasons when there is no preview', () => {
    expect(at(f('cron', { sync_cron: '30 */4 * * *' }), now)).toBe('2026-11-25T08:30:00.000Z');
    expect(at(f('cron', { sync_cron: '0 0 L * *' }), now)).toMatchObject({ kind: 'unknown', reason: expect.stringMatching(/server checks it/) });
    expect(at(f('cron', { sync_cron: '99 * * * *' }), now)).toMatchObject({ kind: 'unknown', reason: 'minute 99 is out of range 0-59' });
    expect(at(f('cron', { sync_cron: '0 0 31 2 *' }), now)).toMatchObject({ kind: 'none' });
  });

  it('manual and inactive systems have no next run', () => {
    expect(at(f('manual'), now)).toMatchObject({ kind: 'none', reason: expect.stringMatching(/Sync now/) });
    expect(at(f('daily'), now, false)).toMatchObject({ kind: 'none', reason: expect.stringMatching(/inactive/) });
  });
});
