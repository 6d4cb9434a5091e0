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

const pad2 = (n: number) => String(n).padStart(2, '0');

/** The parts of an instant on the wall clock of `timeZone` (UTC unless told). */
function wallClock(d: Date, timeZone: string): { date: string; time: string } {
  if (timeZone === 'UTC') {
    return { date: `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`, time: `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}` };
  }
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(d)
      .map((p) => [p.type, p.value]),
  );
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

/** A zone's offset at an instant as "GMT+3" / "GMT-4:30" ("UTC" for UTC). */
export function zoneLabel(iso: string | Date, timeZone: string): string {
  if (timeZone === 'UTC') return 'UTC';
  const d = iso instanceof Date ? iso : new Date(iso);
  try {
    const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'shortOffset' }).formatToParts(d).find((p) => p.type === 'timeZoneName')?.value;
    return name && !/^GMT([+-]0+(:00)?)?$/.test(name) ? name : 'UTC';
  } catch {
    return timeZone;
  }
}

/**
 * THE way the console writes an instant: "2026-12-03 06:31 UTC". Schedules run on UTC slots
 * (daily 02:00 UTC) and every page says times are UTC, so every timestamp goes through here; only
 * a line that says so shows another zone (`timeZone`, e.g. the browser's: "2026-12-03 09:31 GMT+3").
 * `seconds` adds ":ss" where runs seconds apart must be told apart.
 */
export function formatTime(iso: string | Date | null | undefined, opts: { timeZone?: string; seconds?: boolean } = {}): string {
  if (iso == null || iso === '') return '—';
  const d = iso instanceof Date ? iso : new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const timeZone = opts.timeZone ?? 'UTC';
  let wall: { date: string; time: string };
  try {
    wall = wallClock(d, timeZone);
  } catch {
    return formatTime(d, { ...opts, timeZone: 'UTC' });
  }
  // Zone offsets are whole minutes: the seconds read the same everywhere.
  const seconds = opts.seconds ? `:${pad2(d.getUTCSeconds())}` : '';
  return `${wall.date} ${wall.time}${seconds} ${zoneLabel(d, timeZone)}`;
}

/** The date alone, same style: "2026-12-03" (UTC). */
export function formatDate(iso: string | Date | null | undefined): string {
  if (iso == null || iso === '') return '—';
  const d = iso instanceof Date ? iso : new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return wallClock(d, 'UTC').date;
}

/** Kept for existing callers: the console's one timestamp format (see formatTime). */
export function formatDateTime(iso: string | null | undefined): string {
  return formatTime(iso);
}

/** "just now", "5 min ago", "3 h ago", "2 days ago"; the date (formatDate) beyond a month. */
export function formatRelative(iso: string | null | undefined, now: Date = new Date()): string {
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
  return formatDate(d);
}

/** Kept for existing callers: an instant in UTC, labelled as such (see formatTime). */
export function formatUtc(iso: string | null | undefined): string {
  return formatTime(iso);
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
