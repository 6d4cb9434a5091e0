import { SECRET_MASK, type CatalogChange, type ExternalSystem, type SyncRun, type SyncStopReason } from '@lyra/contracts';
import type { catalogChanges } from '../../db/schema/index.js';
import { toIso } from '../../lib/time.js';
import type { ExternalSystemRow, LastRun, ProductCounts } from './external-systems.repository.js';
import type { SyncRunRow } from './sync-runs.repository.js';

export function toExternalSystem(
  r: ExternalSystemRow,
  extra: { productCounts?: ProductCounts | undefined; lastRun?: LastRun | undefined } = {},
): ExternalSystem {
  return {
    id: r.id,
    name: r.name,
    system_type: r.systemType as ExternalSystem['system_type'],
    base_url: r.baseUrl,
    api_version: r.apiVersion,
    auth: {
      type: r.authType as ExternalSystem['auth']['type'],
      username: r.authUsername,
      secret: r.authSecretEnc ? SECRET_MASK : null,
      header_name: r.authHeaderName,
      token_url: r.authTokenUrl,
    },
    default_currency: r.defaultCurrency,
    timeout_ms: r.timeoutMs,
    max_retries: r.maxRetries,
    rate_limit_per_minute: r.rateLimitPerMinute,
    is_active: r.isActive,
    sync_frequency: r.syncFrequency as ExternalSystem['sync_frequency'],
    sync_interval_days: r.syncIntervalDays,
    sync_cron: r.syncCron,
    full_sync_every: r.fullSyncEvery,
    retire_guard_percent: r.retireGuardPercent,
    category_type_map: r.categoryTypeMap as ExternalSystem['category_type_map'],
    next_run_at: toIso(r.nextRunAt),
    last_run_at: toIso(r.lastRunAt),
    last_success_at: toIso(r.lastSuccessAt),
    last_full_sync_at: toIso(r.lastFullSyncAt),
    cursor: r.cursor ? { updated_at: r.cursor.updatedAt, id: r.cursor.id } : null,
    product_count: extra.productCounts?.live ?? 0,
    retired_count: extra.productCounts?.retired ?? 0,
    last_run: extra.lastRun
      ? {
        id: extra.lastRun.id, status: extra.lastRun.status, mode: extra.lastRun.mode, stop_reason: extra.lastRun.stopReason as SyncStopReason | null,
        finished_at: toIso(extra.lastRun.finishedAt), created_at: toIso(extra.lastRun.createdAt),
      }
      : null,
    created_at: toIso(r.createdAt),
    updated_at: toIso(r.updatedAt),
  };
}

export function toSyncRun(r: SyncRunRow & { systemName?: string | null }): SyncRun {
  const started = toIso(r.startedAt);
  const finished = toIso(r.finishedAt);
  const c = r.counts;
  return {
    id: r.id,
    external_system_id: r.externalSystemId,
    external_system_name: r.systemName ?? null,
    system_type: r.systemType as SyncRun['system_type'],
    status: r.status as SyncRun['status'],
    trigger: r.trigger as SyncRun['trigger'],
    requested_mode: r.requestedMode as SyncRun['requested_mode'],
    mode: (r.mode as SyncRun['mode']) ?? null,
    force: r.force,
    requested_by: r.requestedBy,
    created_at: toIso(r.createdAt),
    started_at: started,
    finished_at: finished,
    duration_ms: started ? (finished ? Date.parse(finished) : Date.now()) - Date.parse(started) : null,
    cancel_requested: r.cancelRequested,
    progress: {
      items_read: r.itemsRead,
      items_total: r.itemsTotal,
      percent: r.itemsTotal ? Math.min(100, Math.round((r.itemsRead / r.itemsTotal) * 1000) / 10) : null,
    },
    counts: { created: c.created ?? 0, updated: c.updated ?? 0, unchanged: c.unchanged ?? 0, retired: c.retired ?? 0, skipped: c.skipped ?? 0, failed: c.failed ?? 0 },
    item_errors: r.itemErrors,
    item_errors_total: r.itemErrorsTotal,
    error: r.error,
    stop_reason: r.stopReason as SyncStopReason | null,
  };
}

export function toCatalogChange(r: typeof catalogChanges.$inferSelect): CatalogChange {
  return {
    id: r.id, product_id: r.productId, external_system_id: r.externalSystemId, sync_run_id: r.syncRunId,
    change_type: r.changeType as CatalogChange['change_type'], before: r.before, after: r.after, created_at: toIso(r.createdAt),
  };
}
