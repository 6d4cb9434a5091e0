import { describe, expect, it } from 'vitest';
import { formatBand, formatDate, formatDateTime, formatDuration, formatTime, formatUtc, formatWindow, formatJsonValue, formatMoney as rawFormatMoney, formatRelative, humanize, zoneLabel } from './format';

// Intl separates code and amount with a no-break space; compare with plain spaces for readability.
const formatMoney = (...args: Parameters<typeof rawFormatMoney>) => rawFormatMoney(...args).replace(/\u00a0/g, ' ');

describe('formatMoney', () => {
  it('formats with the currency and its minor units', () => {
    expect(formatMoney('49', 'SAR', 'en-US')).toBe('SAR 49.00');
    expect(formatMoney('1234.5', 'USD', 'en-US')).toBe('$1,234.50');
    expect(formatMoney('1500', 'JPY', 'en-US')).toBe('¥1,500');
    expect(formatMoney('1.250', 'KWD', 'en-US')).toBe('KWD 1.250');
  });
  it('never rounds or loses digits of an exact decimal', () => {
    expect(formatMoney('123456789012345.123456', 'EUR', 'en-US')).toBe('€123,456,789,012,345.123456');
    expect(formatMoney('0.1', 'EUR', 'en-US')).toBe('€0.10');
    expect(formatMoney('19.999', 'SAR', 'en-US')).toBe('SAR 19.999');
  });
  it('degrades gracefully', () => {
    expect(formatMoney(null, 'SAR')).toBe('—');
    expect(formatMoney('abc', 'SAR')).toBe('abc SAR');
    expect(formatMoney('10', 'XXQ', 'en-US')).toMatch(/10/);
  });
});

describe('formatBand', () => {
  it('describes open and closed bands', () => {
    expect(formatBand(null, null)).toBe('Any customer value');
    expect(formatBand('100', '500')).toBe('100 – 500');
    expect(formatBand('100', null)).toBe('≥ 100');
    expect(formatBand(null, '500')).toBe('≤ 500');
  });
});

describe('dates', () => {
  const now = new Date('2026-01-10T12:00:00Z');
  it('formats relative times', () => {
    expect(formatRelative(null, now)).toBe('never');
    expect(formatRelative('2026-01-10T11:59:50Z', now)).toBe('just now');
    expect(formatRelative('2026-01-10T11:50:00Z', now)).toBe('10 min ago');
    expect(formatRelative('2026-01-10T09:00:00Z', now)).toBe('3 h ago');
    expect(formatRelative('2026-01-09T12:00:00Z', now)).toBe('1 day ago');
    expect(formatRelative('2026-01-05T12:00:00Z', now)).toBe('5 days ago');
    expect(formatRelative('not a date', now)).toBe('not a date');
  });
  it('formats future times as "in …"', () => {
    expect(formatRelative('2026-01-10T12:00:20Z', now)).toBe('in a moment');
    expect(formatRelative('2026-01-10T12:30:00Z', now)).toBe('in 30 min');
    expect(formatRelative('2026-01-10T14:00:00Z', now)).toBe('in 2 h');
    expect(formatRelative('2026-01-13T02:00:00Z', now)).toBe('in 3 days');
  });
  it('falls back to the UTC date beyond a month', () => {
    expect(formatRelative('2025-11-28T23:30:00Z', now)).toBe('2025-11-28');
  });
  it('writes every instant one way: UTC, to the minute, zone spelled out, whatever the browser zone', () => {
    expect(formatTime('2026-12-03T06:31:00.000Z')).toBe('2026-12-03 06:31 UTC');
    expect(formatTime('2026-11-28T23:30:00+03:00')).toBe('2026-11-28 20:30 UTC');
    expect(formatTime('2026-01-01T00:00:59.999Z')).toBe('2026-01-01 00:00 UTC');
    expect(formatTime('2026-12-03T06:31:07.000Z', { seconds: true })).toBe('2026-12-03 06:31:07 UTC');
    expect(formatTime(new Date(Date.UTC(2026, 11, 3, 6, 31)))).toBe('2026-12-03 06:31 UTC');
    expect(formatTime(null)).toBe('—');
    expect(formatTime('')).toBe('—');
    expect(formatTime('later')).toBe('later');
    // The old names are the same formatter, so no page mixes styles.
    expect(formatUtc('2026-11-28T02:00:00.000Z')).toBe('2026-11-28 02:00 UTC');
    expect(formatDateTime('2026-11-28T02:00:00.000Z')).toBe('2026-11-28 02:00 UTC');
    expect(formatDateTime(null)).toBe('—');
    expect(formatDate('2026-11-28T23:30:00-03:00')).toBe('2026-11-29');
  });
  it('shows another zone only when asked, in the same shape, with its offset', () => {
    expect(formatTime('2026-12-03T06:31:00Z', { timeZone: 'Asia/Riyadh' })).toBe('2026-12-03 09:31 GMT+3');
    expect(formatTime('2026-12-03T06:31:00Z', { timeZone: 'Asia/Kolkata' })).toBe('2026-12-03 12:01 GMT+5:30');
    expect(formatTime('2026-07-01T02:00:00Z', { timeZone: 'America/New_York' })).toBe('2026-06-30 22:00 GMT-4');
    expect(formatTime('2026-12-03T06:31:00Z', { timeZone: 'Europe/London' })).toBe('2026-12-03 06:31 UTC');
    expect(zoneLabel('2026-12-03T06:31:00Z', 'UTC')).toBe('UTC');
    // An unknown zone falls back to UTC rather than failing the page.
    expect(formatTime('2026-12-03T06:31:00Z', { timeZone: 'Mars/Olympus' })).toBe('2026-12-03 06:31 UTC');
  });
});

describe('humanize / formatJsonValue', () => {
  it('turns keys into labels', () => {
    expect(humanize('data_gb')).toBe('Data gb');
    expect(humanize('one_time')).toBe('One time');
    expect(humanize('')).toBe('');
  });
  it('prints scalars plainly and objects as JSON', () => {
    expect(formatJsonValue(10)).toBe('10');
    expect(formatJsonValue(true)).toBe('true');
    expect(formatJsonValue(null)).toBe('—');
    expect(formatJsonValue({ a: [1] })).toBe('{\n  "a": [\n    1\n  ]\n}');
  });
});

describe('formatWindow', () => {
  it('describes open and closed windows', () => {
    expect(formatWindow(null, null)).toBe('Always');
    expect(formatWindow('2026-01-01T00:00:00Z', null, 'en-US')).toMatch(/^From Jan 1, 2026$/);
    expect(formatWindow(null, '2026-03-01T12:00:00Z', 'en-US')).toMatch(/^Until Mar 1, 2026$/);
    expect(formatWindow('2026-01-01T12:00:00Z', '2026-03-01T12:00:00Z', 'en-US')).toBe('Jan 1, 2026 – Mar 1, 2026');
  });
});

describe('formatDuration', () => {
  it('picks a unit that reads well', () => {
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(-1)).toBe('—');
    expect(formatDuration(450)).toBe('450 ms');
    expect(formatDuration(3349)).toBe('3.3 s');
    expect(formatDuration(42_000)).toBe('42 s');
    expect(formatDuration(125_000)).toBe('2 min 05 s');
    expect(formatDuration(3_720_000)).toBe('1 h 02 min');
  });
});
