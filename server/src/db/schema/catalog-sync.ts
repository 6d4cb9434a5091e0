import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { products } from './products.js';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });

export const externalSystems = pgTable('external_systems', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull().unique(),
  systemType: text('system_type').notNull(),
  baseUrl: text('base_url').notNull(),
  apiVersion: text('api_version'),
  authType: text('auth_type').notNull(),
  authUsername: text('auth_username'),
  authHeaderName: text('auth_header_name'),
  authTokenUrl: text('auth_token_url'),
  /** AES-256-GCM envelope of the secret (password, client secret, token or key); never answered. */
  authSecretEnc: text('auth_secret_enc'),
  defaultCurrency: text('default_currency'),
  timeoutMs: integer('timeout_ms').notNull().default(30000),
  maxRetries: integer('max_retries').notNull().default(5),
  rateLimitPerMinute: integer('rate_limit_per_minute').notNull().default(0),
  isActive: boolean('is_active').notNull().default(true),
  syncFrequency: text('sync_frequency').notNull().default('daily'),
  syncIntervalDays: integer('sync_interval_days'),
  syncCron: text('sync_cron'),
  fullSyncEvery: integer('full_sync_every').notNull().default(1),
  retireGuardPercent: integer('retire_guard_percent').notNull().default(20),
  options: jsonb('options').$type<Record<string, unknown>>().notNull().default({}),
  /** Category name -> product type, set by an administrator; applied by the mappers over what they infer. */
  categoryTypeMap: jsonb('category_type_map').$type<Record<string, string>>().notNull().default({}),
  /** Incremental cursor {updatedAt, id}: advanced only after a run's writes are committed. */
  cursor: jsonb('cursor').$type<{ updatedAt: string; id: string } | null>(),
  runsSinceFull: integer('runs_since_full').notNull().default(0),
  nextRunAt: ts('next_run_at'),
  lastRunAt: ts('last_run_at'),
  lastSuccessAt: ts('last_success_at'),
  lastFullSyncAt: ts('last_full_sync_at'),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export const syncRuns = pgTable(
  'sync_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    externalSystemId: uuid('external_system_id').notNull().references(() => externalSystems.id, { onDelete: 'cascade' }),
    systemType: text('system_type').notNull(),
    status: text('status').notNull().default('queued'),
    trigger: text('trigger').notNull(),
    requestedMode: text('requested_mode').notNull(),
    mode: text('mode'),
    force: boolean('force').notNull().default(false),
    requestedBy: text('requested_by'),
    createdAt: ts('created_at').notNull().defaultNow(),
    startedAt: ts('started_at'),
    finishedAt: ts('finished_at'),
    heartbeatAt: ts('heartbeat_at'),
    owner: text('owner'),
    cancelRequested: boolean('cancel_requested').notNull().default(false),
    itemsRead: integer('items_read').notNull().default(0),
    itemsTotal: integer('items_total'),
    counts: jsonb('counts').$type<Record<string, number>>().notNull().default({ created: 0, updated: 0, unchanged: 0, retired: 0, skipped: 0, failed: 0 }),
    itemErrors: jsonb('item_errors').$type<{ external_id: string | null; position: number; reason: string }[]>().notNull().default([]),
    itemErrorsTotal: integer('item_errors_total').notNull().default(0),
    error: text('error'),
    /** Machine code for why the run stopped short (SYNC_STOP_REASONS in the contract); null otherwise. */
    stopReason: text('stop_reason'),
    cursorBefore: jsonb('cursor_before'),
    cursorAfter: jsonb('cursor_after'),
    httpStats: jsonb('http_stats'),
  },
  (t) => [
    index('sync_runs_system_created_idx').on(t.externalSystemId, t.createdAt),
    index('sync_runs_status_idx').on(t.status),
    // One queued-or-running run per system, enforced by the database across every Lyra instance.
    uniqueIndex('sync_runs_one_active_per_system').on(t.externalSystemId).where(sql`status in ('queued', 'running')`),
  ],
);

/** Retirements and re-pricings of catalog products, for campaigns that offer them. */
export const catalogChanges = pgTable(
  'catalog_changes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    productId: uuid('product_id').notNull().references(() => products.id, { onDelete: 'cascade' }),
    externalSystemId: uuid('external_system_id'),
    syncRunId: uuid('sync_run_id'),
    changeType: text('change_type').notNull(),
    before: jsonb('before'),
    after: jsonb('after'),
    createdAt: ts('created_at').notNull().defaultNow(),
    processedAt: ts('processed_at'),
  },
  (t) => [
    index('catalog_changes_product_idx').on(t.productId),
    index('catalog_changes_created_idx').on(t.createdAt),
    // The changes one run made (the console's run details), newest first.
    index('catalog_changes_run_idx').on(t.syncRunId, t.createdAt),
  ],
);
