import type { ExternalSystem, SyncRun } from '@lyra/contracts';

export const XIVA_ID = 'db7ad633-8e65-4059-ae5e-0a158a6116ef';
export const RUN_ID = '06eadef1-ac6d-4365-a31b-9390d40efe63';

/** A complete, contract-valid external system (the demo's Xiva); override what a test cares about. */
export function makeSystem(overrides: Partial<ExternalSystem> = {}): ExternalSystem {
  return {
    id: XIVA_ID,
    name: 'Xiva BSS (simulator)',
    system_type: 'xiva',
    base_url: 'http://127.0.0.1:35661/api',
    api_version: 'v5',
    auth: { type: 'jwt', username: 'lyra@xiva.local', secret: '********', header_name: null, token_url: null },
    default_currency: null,
    timeout_ms: 15_000,
    max_retries: 5,
    rate_limit_per_minute: 0,
    is_active: true,
    sync_frequency: 'daily',
    sync_interval_days: null,
    sync_cron: null,
    full_sync_every: 7,
    retire_guard_percent: 20,
    category_type_map: {},
    next_run_at: '2026-11-26T02:00:00.000Z',
    last_run_at: '2026-11-25T05:33:47.054Z',
    last_success_at: '2026-11-25T05:33:47.054Z',
    last_full_sync_at: '2026-11-25T05:33:47.054Z',
    cursor: null,
    product_count: 400,
    retired_count: 0,
    last_run: { id: RUN_ID, status: 'succeeded', mode: 'full', stop_reason: null, finished_at: '2026-11-25T05:33:47.054Z', created_at: '2026-11-25T05:33:44.964Z' },
    created_at: '2026-11-25T05:33:44.630Z',
    updated_at: '2026-11-25T05:33:47.054Z',
    ...overrides,
  };
}

export function makeRun(overrides: Partial<SyncRun> = {}): SyncRun {
  return {
    id: RUN_ID,
    external_system_id: XIVA_ID,
    external_system_name: 'Xiva BSS (simulator)',
    system_type: 'xiva',
    status: 'succeeded',
    trigger: 'manual',
    requested_mode: 'full',
    mode: 'full',
    force: false,
    requested_by: 'admin@lyra.local',
    created_at: '2026-11-25T05:34:11.119Z',
    started_at: '2026-11-25T05:34:11.500Z',
    finished_at: '2026-11-25T05:34:14.849Z',
    duration_ms: 3349,
    cancel_requested: false,
    progress: { items_read: 398, items_total: 398, percent: 100 },
    counts: { created: 0, updated: 3, unchanged: 395, retired: 2, skipped: 0, failed: 0 },
    item_errors: [],
    item_errors_total: 0,
    error: null,
    stop_reason: null,
    ...overrides,
  };
}
