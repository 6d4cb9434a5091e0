/**
 * Timestamps leave Lyra as UTC ISO 8601. Drivers hand back PostgreSQL text such as
 * "2026-11-25 04:30:00.123+00" (or Date objects); this turns either into "2026-11-25T04:30:00.123Z".
 */
export function toIso(v: string | Date): string;
export function toIso(v: string | Date | null | undefined): string | null;
export function toIso(v: string | Date | null | undefined): string | null {
  if (v == null) return null;
  if (v instanceof Date) return v.toISOString();
  let s = v.trim().replace(' ', 'T');
  // "+00" / "+03" / "+0530" -> "+00:00" so Date parses every server's output the same way.
  s = s.replace(/([+-]\d{2})(\d{2})?$/, (_m, h: string, mm: string | undefined) => `${h}:${mm ?? '00'}`);
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) throw new Error(`unparseable timestamp "${v}"`);
  return d.toISOString();
}

/** Parses an RFC 3339 / ISO timestamp that carries an offset; naive timestamps are read as UTC, explicitly. */
export function parseTimestamp(v: string): Date | null {
  const s = v.trim();
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/i.test(s)) return null;
  const hasOffset = /(Z|[+-]\d{2}(:?\d{2})?)$/i.test(s) && s.length > 10;
  const normalised = s.replace(' ', 'T').replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const d = new Date(hasOffset ? normalised : s.length === 10 ? `${normalised}T00:00:00Z` : `${normalised}Z`);
  return Number.isNaN(d.getTime()) ? null : d;
}

const DAY_MS = 86_400_000;

/** The UTC calendar day of an instant, YYYY-MM-DD. */
export const isoDay = (at: Date): string => at.toISOString().slice(0, 10);

/** Today in UTC, YYYY-MM-DD: the day subscriber figures and snapshots are reckoned in, whatever the host's zone. */
export const todayUtc = (now = new Date()): string => isoDay(now);

/** The day `n` days after (before, when negative) a YYYY-MM-DD day. */
export const addDays = (day: string, n: number): string => isoDay(new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS));
