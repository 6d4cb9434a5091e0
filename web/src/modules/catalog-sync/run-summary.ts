import type { SyncRun, SyncStatus } from '@lyra/contracts';
import { COUNT_KEYS, type CountKey } from './sync-labels';

const ACTIVE: readonly string[] = ['queued', 'running'] satisfies SyncStatus[];

/** Queued or running: the run can still change, so views keep polling it. */
export const isActiveStatus = (status: string | null | undefined): boolean => !!status && ACTIVE.includes(status);

/**
 * The retire guard stops a full sync that would retire more than the system's limit and asks
 * for a forced full sync.
 */
export function stoppedAtRetireGuard(run: Pick<SyncRun, 'stop_reason'> | null | undefined): boolean {
  return run?.stop_reason === 'retire_guard';
}

/**
 * The limit named in the guard's message ("limit 20%"), only for wording the confirmation (a run
 * does not carry its system's settings); null falls back to a wording without the number.
 */
export function guardLimit(error: string | null | undefined): number | null {
  const m = /limit (\d{1,3})%/i.exec(error ?? '');
  return m ? Number(m[1]) : null;
}

/** 0-100 when the source told how many items there are; null for an indeterminate bar. */
export function progressPercent(run: Pick<SyncRun, 'progress' | 'status'>): number | null {
  if (run.status === 'succeeded') return 100;
  const { percent, items_total, items_read } = run.progress;
  if (percent != null) return Math.max(0, Math.min(100, percent));
  if (items_total) return Math.max(0, Math.min(100, Math.round((items_read / items_total) * 1000) / 10));
  return null;
}

/** "240 of 398 items read" or "240 items read" while the total is unknown. */
export function progressText(run: Pick<SyncRun, 'progress' | 'status'>): string {
  const { items_read, items_total } = run.progress;
  if (run.status === 'queued') return 'Waiting for a worker…';
  return items_total != null ? `${items_read.toLocaleString('en-US')} of ${items_total.toLocaleString('en-US')} items read` : `${items_read.toLocaleString('en-US')} items read`;
}

/** The counters worth a glance in a table cell: everything non-zero, "no changes" otherwise. */
export function nonZeroCounts(counts: SyncRun['counts']): { key: CountKey; n: number }[] {
  return COUNT_KEYS.filter((k) => counts[k] > 0).map((key) => ({ key, n: counts[key] }));
}

/** Price shown in a catalog change's before/after blob, when it has one. */
export function changeMoney(v: unknown): { price: string; currency: string } | null {
  if (typeof v !== 'object' || v === null) return null;
  const r = v as Record<string, unknown>;
  return typeof r.price === 'string' && typeof r.currency === 'string' ? { price: r.price, currency: r.currency } : null;
}

export function changeName(before: unknown, after: unknown): string | null {
  for (const v of [after, before]) {
    if (typeof v === 'object' && v !== null && typeof (v as Record<string, unknown>).name === 'string') return (v as { name: string }).name;
  }
  return null;
}
