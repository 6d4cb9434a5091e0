/**
 * Just enough cron to preview "next run" in the console (the server, which owns the schedule, uses
 * cron-parser and has the final word). Five fields (minute hour day-of-month month day-of-week) or six
 * with seconds first; `*`, `?`, lists, ranges, steps, month/day names and the @hourly-style aliases.
 * Everything is evaluated in UTC, like the server's scheduler.
 */

export interface CronSchedule {
  seconds: number[];
  minutes: number[];
  hours: number[];
  daysOfMonth: Set<number>;
  months: Set<number>;
  daysOfWeek: Set<number>;
  /** Standard cron: when both day fields are restricted a day matches either of them. */
  domRestricted: boolean;
  dowRestricted: boolean;
}

export type CronParse = { ok: true; schedule: CronSchedule } | { ok: false; error: string; unsupported?: boolean };

const ALIASES: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** Index of the first name (JAN = 1, SUN = 0). */
  nameBase?: number;
}

const SECOND: FieldSpec = { name: 'second', min: 0, max: 59 };
const MINUTE: FieldSpec = { name: 'minute', min: 0, max: 59 };
const HOUR: FieldSpec = { name: 'hour', min: 0, max: 23 };
const DOM: FieldSpec = { name: 'day of month', min: 1, max: 31 };
const MONTH: FieldSpec = { name: 'month', min: 1, max: 12, names: MONTHS, nameBase: 1 };
const DOW: FieldSpec = { name: 'day of week', min: 0, max: 7, names: DAYS, nameBase: 0 };

class CronError extends Error {
  constructor(
    message: string,
    readonly unsupported = false,
  ) {
    super(message);
  }
}

function value(token: string, spec: FieldSpec): number {
  const upper = token.toUpperCase();
  const named = spec.names?.indexOf(upper) ?? -1;
  if (named >= 0) return named + (spec.nameBase ?? 0);
  if (!/^\d+$/.test(token)) throw new CronError(`"${token}" is not a valid ${spec.name}`);
  const n = Number(token);
  if (n < spec.min || n > spec.max) throw new CronError(`${spec.name} ${n} is out of range ${spec.min}-${spec.max}`);
  return n;
}

/** One field -> the set of values it allows, and whether it restricts anything at all. */
function field(text: string, spec: FieldSpec): { values: Set<number>; restricted: boolean } {
  if (/[LW#]/i.test(text.replace(/[A-Z]{3}/gi, (m) => (spec.names?.includes(m.toUpperCase()) ? '' : m)))) {
    throw new CronError(`the ${spec.name} field uses L, W or #, which the preview cannot evaluate`, true);
  }
  const values = new Set<number>();
  let restricted = true;
  for (const part of text.split(',')) {
    if (!part) throw new CronError(`empty item in the ${spec.name} field`);
    const [range = '', stepText, extra] = part.split('/');
    if (extra !== undefined) throw new CronError(`"${part}" has more than one step`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1) throw new CronError(`step "${stepText}" in the ${spec.name} field must be a positive number`);
      step = Number(stepText);
    }
    let from: number;
    let to: number;
    if (range === '*' || range === '?') {
      if (range === '?' && spec !== DOM && spec !== DOW) throw new CronError(`"?" is only allowed for days`);
      from = spec.min;
      to = spec.max === 7 ? 6 : spec.max;
      if (stepText === undefined && text.split(',').length === 1) restricted = false;
    } else if (range.includes('-')) {
      const [a = '', b = ''] = range.split('-');
      from = value(a, spec);
      to = value(b, spec);
      if (from > to) throw new CronError(`range ${range} in the ${spec.name} field runs backwards`);
    } else {
      from = value(range, spec);
      to = stepText !== undefined ? (spec.max === 7 ? 6 : spec.max) : from;
    }
    for (let v = from; v <= to; v += step) values.add(spec === DOW && v === 7 ? 0 : v);
  }
  return { values, restricted };
}

export function parseCron(expression: string): CronParse {
  const trimmed = expression.trim();
  if (!trimmed) return { ok: false, error: 'Enter a cron expression, e.g. 0 */6 * * *' };
  const text = ALIASES[trimmed.toLowerCase()] ?? trimmed;
  if (text.startsWith('@')) return { ok: false, error: `Unknown alias ${text}; use @hourly, @daily, @weekly, @monthly or @yearly` };
  const parts = text.split(/\s+/);
  if (parts.length !== 5 && parts.length !== 6) {
    return { ok: false, error: `Use 5 fields (minute hour day-of-month month day-of-week); this has ${parts.length}` };
  }
  const fields = parts.length === 6 ? parts : ['0', ...parts];
  try {
    const [s, mi, h, dom, mo, dow] = fields as [string, string, string, string, string, string];
    const days = field(dom, DOM);
    const weekdays = field(dow, DOW);
    const sorted = (set: Set<number>) => [...set].sort((a, b) => a - b);
    return {
      ok: true,
      schedule: {
        seconds: sorted(field(s, SECOND).values),
        minutes: sorted(field(mi, MINUTE).values),
        hours: sorted(field(h, HOUR).values),
        daysOfMonth: days.values,
        months: field(mo, MONTH).values,
        daysOfWeek: weekdays.values,
        domRestricted: days.restricted,
        dowRestricted: weekdays.restricted,
      },
    };
  } catch (err) {
    if (err instanceof CronError) return { ok: false, error: err.message, unsupported: err.unsupported };
    throw err;
  }
}

function dayMatches(s: CronSchedule, day: Date): boolean {
  if (!s.months.has(day.getUTCMonth() + 1)) return false;
  const dom = s.daysOfMonth.has(day.getUTCDate());
  const dow = s.daysOfWeek.has(day.getUTCDay());
  if (s.domRestricted && s.dowRestricted) return dom || dow;
  if (s.domRestricted) return dom;
  if (s.dowRestricted) return dow;
  return true;
}

/** The first time strictly after `after` that the schedule fires (UTC), or null if none within 8 years (e.g. 30 Feb). */
export function nextCronRun(s: CronSchedule, after: Date): Date | null {
  const t = after.getTime();
  const day = new Date(Date.UTC(after.getUTCFullYear(), after.getUTCMonth(), after.getUTCDate()));
  for (let i = 0; i < 366 * 8; i++, day.setUTCDate(day.getUTCDate() + 1)) {
    if (!dayMatches(s, day)) continue;
    for (const h of s.hours) {
      // Whole hours that ended before `after` cannot hold the answer.
      if (day.getTime() + (h + 1) * 3_600_000 <= t) continue;
      for (const m of s.minutes) {
        for (const sec of s.seconds) {
          const at = day.getTime() + h * 3_600_000 + m * 60_000 + sec * 1000;
          if (at > t) return new Date(at);
        }
      }
    }
  }
  return null;
}
