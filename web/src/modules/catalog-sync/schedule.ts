import type { SyncFrequency } from '@lyra/contracts';
import { nextCronRun, parseCron } from '../../lib/cron';

/** The server's fixed slots (off-peak for the BSS): daily at 02:00 UTC, weekly on Monday at 03:00 UTC. */
export const DAILY_HOUR_UTC = 2;
export const WEEKLY_HOUR_UTC = 3;

export interface FrequencySettings {
  sync_frequency: SyncFrequency | string;
  sync_interval_days: number | null;
  sync_cron: string | null;
}

const hh = (h: number) => `${String(h).padStart(2, '0')}:00 UTC`;

/** A schedule in words: "Daily at 02:00 UTC", "Every 3 days at 02:00 UTC", "Cron 0 *\/6 * * * (UTC)". */
export function describeFrequency(s: FrequencySettings): string {
  switch (s.sync_frequency) {
    case 'manual':
      return 'Manual only';
    case 'hourly':
      return 'Every hour, on the hour';
    case 'daily':
      return `Daily at ${hh(DAILY_HOUR_UTC)}`;
    case 'weekly':
      return `Weekly on Monday at ${hh(WEEKLY_HOUR_UTC)}`;
    case 'every_n_days': {
      const n = s.sync_interval_days;
      if (!n) return 'Every few days';
      return n === 1 ? `Every day at ${hh(DAILY_HOUR_UTC)}` : `Every ${n} days at ${hh(DAILY_HOUR_UTC)}`;
    }
    case 'cron':
      return s.sync_cron?.trim() ? `Cron ${s.sync_cron.trim()} (UTC)` : 'Cron (no expression set)';
    default:
      return s.sync_frequency.replace(/_/g, ' ');
  }
}

export type NextRunPreview =
  | { kind: 'at'; at: Date }
  | { kind: 'none'; reason: string }
  | { kind: 'unknown'; reason: string };

/**
 * The next slot the server will pick when these settings are saved now. Mirrors the server's
 * `nextRunAfter` without an anchor (a schedule change starts a fresh rhythm): every N days counts
 * from today's 02:00 UTC slot. The server's answer (`next_run_at`) replaces this after saving.
 */
export function previewNextRun(s: FrequencySettings, now: Date, isActive = true): NextRunPreview {
  if (!isActive) return { kind: 'none', reason: 'The system is inactive, so it is not scheduled.' };
  const t = now.getTime();
  const today = (hour: number) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), hour));
  switch (s.sync_frequency) {
    case 'manual':
      return { kind: 'none', reason: 'Runs only when someone starts "Sync now".' };
    case 'hourly': {
      const d = new Date(now);
      d.setUTCMinutes(0, 0, 0);
      d.setUTCHours(d.getUTCHours() + 1);
      return { kind: 'at', at: d };
    }
    case 'daily': {
      const d = today(DAILY_HOUR_UTC);
      if (d.getTime() <= t) d.setUTCDate(d.getUTCDate() + 1);
      return { kind: 'at', at: d };
    }
    case 'weekly': {
      const d = today(WEEKLY_HOUR_UTC);
      d.setUTCDate(d.getUTCDate() + ((8 - d.getUTCDay()) % 7));
      if (d.getTime() <= t) d.setUTCDate(d.getUTCDate() + 7);
      return { kind: 'at', at: d };
    }
    case 'every_n_days': {
      const n = s.sync_interval_days;
      if (!n || !Number.isInteger(n) || n < 1) return { kind: 'unknown', reason: 'Enter the number of days to see the next run.' };
      const step = n * 86_400_000;
      let next = today(DAILY_HOUR_UTC).getTime();
      if (next <= t) next += Math.ceil((t - next + 1) / step) * step;
      return { kind: 'at', at: new Date(next) };
    }
    case 'cron': {
      const parsed = parseCron(s.sync_cron ?? '');
      if (!parsed.ok) {
        return { kind: 'unknown', reason: parsed.unsupported ? 'No preview for this expression; the server checks it when you save.' : parsed.error };
      }
      const at = nextCronRun(parsed.schedule, now);
      return at ? { kind: 'at', at } : { kind: 'none', reason: 'This expression never fires.' };
    }
    default:
      return { kind: 'unknown', reason: 'Unknown frequency.' };
  }
}
