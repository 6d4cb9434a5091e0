import { currencyExponent } from '@lyra/contracts';

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * Formats an exact decimal string as money. The string goes to Intl as-is (Intl reads decimal
 * strings exactly), and the fraction digits are never fewer than the value has, so nothing is rounded.
 */
export function formatMoney(amount: string | null | undefined, currency: string, locale?: string): string {
  if (amount == null || amount === '') return '—';
  const m = DECIMAL.exec(amount.trim());
  if (!m) return `${amount} ${currency}`.trim();
  const valueDigits = m[3]?.length ?? 0;
  const exponent = currencyExponent(currency.toUpperCase()) ?? 2;
  try {
    const fmt = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency: currency.toUpperCase(),
      minimumFractionDigits: exponent,
      maximumFractionDigits: Math.max(exponent, valueDigits),
    });
    return fmt.format(amount.trim() as `${number}`);
  } catch {
    return `${amount} ${currency}`.trim();
  }
}

/** A customer-value band such as "100 – 500", "≥ 100" or "Any". */
export function formatBand(min: string | null, max: string | null): string {
  if (min == null && max == null) return 'Any customer value';
  if (min != null && max != null) return `${min} – ${max}`;
  if (min != null) return `≥ ${min}`;
  return `≤ ${max ?? ''}`;
}

export function formatDateTime(iso: string | null | undefined, locale?: string): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

/** "just now", "5 min ago", "3 h ago", "2 days ago"; falls back to a date beyond a month. */
export function formatRelative(iso: string | null | undefined, now: Date = new Date(), locale?: string): string {
  if (!iso) return 'never';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const seconds = Math.round((now.getTime() - d.getTime()) / 1000);
  const abs = Math.abs(seconds);
  const say = (amount: string) => (seconds >= 0 ? `${amount} ago` : `in ${amount}`);
  if (abs < 45) return seconds >= 0 ? 'just now' : 'in a moment';
  if (abs < 3600) return say(`${Math.round(abs / 60)} min`);
  if (abs < 86_400) return say(`${Math.round(abs / 3600)} h`);
  if (abs < 30 * 86_400) {
    const days = Math.round(abs / 86_400);
    return say(`${days} day${days === 1 ? '' : 's'}`);
  }
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium' }).format(d);
}

/**
 * An absolute time in UTC, labelled as such: schedules run on UTC slots (daily 02:00 UTC), so the
 * console shows them the way the scheduler sees them. "Sat, Nov 28, 2026, 02:00 UTC".
 */
export function formatUtc(iso: string | null | undefined, locale = 'en-US'): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const text = new Intl.DateTimeFormat(locale, {
    timeZone: 'UTC',
    weekday: 'short',
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(d);
  return `${text} UTC`;
}

/** "450 ms", "3.4 s", "2 min 05 s", "1 h 02 min": run durations at a glance. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const totalSeconds = Math.round(ms / 1000);
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h} h ${pad(m)} min` : `${m} min ${pad(s)} s`;
}

/** "Billing cycle: one_time" -> "One time". */
export function humanize(value: string): string {
  const s = value.replace(/[_-]+/g, ' ').trim();
  return s ? s[0]!.toUpperCase() + s.slice(1) : s;
}

/** Pretty JSON for key/value tables: scalars plain, objects indented. */
export function formatJsonValue(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value, null, 2);
}

/** A validity window (TMF validFor) in words: "Always", "From …", "Until …" or "… – …". */
export function formatWindow(from: string | null, to: string | null, locale?: string): string {
  const d = (iso: string) => {
    const t = new Date(iso);
    return Number.isNaN(t.getTime()) ? iso : new Intl.DateTimeFormat(locale, { dateStyle: 'medium' }).format(t);
  };
  if (!from && !to) return 'Always';
  if (from && to) return `${d(from)} – ${d(to)}`;
  return from ? `From ${d(from)}` : `Until ${d(to ?? '')}`;
}
