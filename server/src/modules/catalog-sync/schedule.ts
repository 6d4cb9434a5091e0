import { CronExpressionParser } from 'cron-parser';
import type { SyncFrequency } from '@lyra/contracts';

export interface ScheduleSettings {
  syncFrequency: SyncFrequency | string;
  syncIntervalDays: number | null;
  syncCron: string | null;
}

/** Slots on the hour / day: daily at 02:00 UTC, weekly Monday 03:00 UTC, off-peak for the BSS. */
const DAILY_HOUR_UTC = 2;
const WEEKLY_HOUR_UTC = 3;

export function validateCron(expr: string): string | null {
  try {
    CronExpressionParser.parse(expr, { tz: 'UTC' });
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * The first slot strictly after `after`. For every_n_days, slots count from the last run's slot
 * (`anchor`), so "every 3 days" stays on its rhythm even when a run started late.
 */
export function nextRunAfter(s: ScheduleSettings, after: Date, anchor: Date | null = null): Date | null {
  const t = after.getTime();
  switch (s.syncFrequency) {
    case 'manual':
      return null;
    case 'hourly': {
      const d = new Date(after);
      d.setUTCMinutes(0, 0, 0);
      d.setUTCHours(d.getUTCHours() + 1);
      return d;
    }
    case 'daily': {
      const d = new Date(Date.UTC(after.getUTCFullYear(), after.getUTCMonth(), after.getUTCDate(), DAILY_HOUR_UTC));
      if (d.getTime() <= t) d.setUTCDate(d.getUTCDate() + 1);
      return d;
    }
    case 'weekly': {
      const d = new Date(Date.UTC(after.getUTCFullYear(), after.getUTCMonth(), after.getUTCDate(), WEEKLY_HOUR_UTC));
      const daysToMonday = (8 - d.getUTCDay()) % 7;
      d.setUTCDate(d.getUTCDate() + daysToMonday);
      if (d.getTime() <= t) d.setUTCDate(d.getUTCDate() + 7);
      return d;
    }
    case 'every_n_days': {
      const days = Math.max(1, s.syncIntervalDays ?? 1);
      const step = days * 86_400_000;
      const start = anchor ?? new Date(Date.UTC(after.getUTCFullYear(), after.getUTCMonth(), after.getUTCDate(), DAILY_HOUR_UTC));
      let next = start.getTime();
      if (next <= t) next += Math.ceil((t - next + 1) / step) * step;
      return new Date(next);
    }
    case 'cron': {
      if (!s.syncCron) return null;
      return CronExpressionParser.parse(s.syncCron, { currentDate: after, tz: 'UTC' }).next().toDate();
    }
    default:
      return null;
  }
}
