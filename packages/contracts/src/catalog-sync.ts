import { z } from 'zod';
import { Pagination } from './common.js';
import { CurrencyCode, ProductType } from './products.js';

export const SYSTEM_TYPES = ['xiva', 'crm', 'billing'] as const;
export const SystemType = z.enum(SYSTEM_TYPES);
export type SystemType = z.infer<typeof SystemType>;

export const AUTH_TYPES = ['jwt', 'oauth2_client_credentials', 'bearer', 'basic', 'api_key', 'none'] as const;
export const AuthType = z.enum(AUTH_TYPES);

export const SYNC_FREQUENCIES = ['manual', 'hourly', 'daily', 'weekly', 'every_n_days', 'cron'] as const;
export const SyncFrequency = z.enum(SYNC_FREQUENCIES);
export type SyncFrequency = z.infer<typeof SyncFrequency>;

/** Secrets are write-only: answers carry this mask when one is stored, null when none. */
export const SECRET_MASK = '********';

const Auth = z
  .object({
    type: AuthType,
    /** jwt: email or username; basic: user; oauth2: client_id. */
    username: z.string().trim().max(300).nullable().optional(),
    /** password, client secret, bearer token or API key. Sending the mask keeps the stored one. */
    secret: z.string().max(4000).nullable().optional(),
    /** api_key: the header carrying the key (e.g. X-API-Key). */
    header_name: z.string().trim().regex(/^[A-Za-z0-9-]+$/, 'must be an HTTP header name').max(100).nullable().optional(),
    /** oauth2: token endpoint, when not the system's default. */
    token_url: z.string().url().nullable().optional(),
  })
  .strict();

const systemFields = {
  name: z.string().trim().min(1).max(100),
  system_type: SystemType,
  base_url: z.string().trim().url().refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL').max(500),
  api_version: z.enum(['v4', 'v5']).nullable(),
  auth: Auth,
  default_currency: CurrencyCode.nullable(),
  timeout_ms: z.number().int().min(1000).max(300_000),
  max_retries: z.number().int().min(0).max(20),
  rate_limit_per_minute: z.number().int().min(0).max(100_000),
  is_active: z.boolean(),
  sync_frequency: SyncFrequency,
  sync_interval_days: z.number().int().min(1).max(365).nullable(),
  sync_cron: z.string().trim().max(100).nullable(),
  full_sync_every: z.number().int().min(1).max(1000),
  retire_guard_percent: z.number().int().min(0).max(100),
  category_type_map: z
    .record(z.string().trim().min(1).max(200), ProductType)
    .refine((m) => Object.keys(m).length <= 500, 'at most 500 categories')
    .refine((m) => new Set(Object.keys(m).map((k) => k.trim().toLowerCase())).size === Object.keys(m).length, 'category names are compared ignoring case: each may appear once'),
};

const frequencyRules = (v: { sync_frequency?: string; sync_interval_days?: number | null; sync_cron?: string | null }, ctx: z.RefinementCtx) => {
  if (v.sync_frequency === 'every_n_days' && !v.sync_interval_days) ctx.addIssue({ code: 'custom', path: ['sync_interval_days'], message: 'required when sync_frequency is every_n_days' });
  if (v.sync_frequency === 'cron' && !v.sync_cron) ctx.addIssue({ code: 'custom', path: ['sync_cron'], message: 'required when sync_frequency is cron' });
};

export const ExternalSystemCreate = z
  .object({
    ...systemFields,
    api_version: systemFields.api_version.default(null),
    default_currency: systemFields.default_currency.default(null),
    timeout_ms: systemFields.timeout_ms.default(30_000),
    max_retries: systemFields.max_retries.default(5),
    rate_limit_per_minute: systemFields.rate_limit_per_minute.default(0),
    is_active: systemFields.is_active.default(true),
    sync_frequency: systemFields.sync_frequency.default('daily'),
    sync_interval_days: systemFields.sync_interval_days.default(null),
    sync_cron: systemFields.sync_cron.default(null),
    full_sync_every: systemFields.full_sync_every.default(1),
    retire_guard_percent: systemFields.retire_guard_percent.default(20),
    /** Absent = no mapping (kept optional so existing clients need not send it). */
    category_type_map: systemFields.category_type_map.optional(),
  })
  .strict()
  .superRefine(frequencyRules);
export type ExternalSystemCreate = z.infer<typeof ExternalSystemCreate>;

/**
 * Only the fields sent. The frequency rules need the stored record too (`every_n_days` may rely
 * on a stored `sync_interval_days`), so the service checks them on the merged record.
 */
export const ExternalSystemPatch = z.object(systemFields).partial().strict();
export type ExternalSystemPatch = z.infer<typeof ExternalSystemPatch>;

/**
 * Why a run stopped short, as a machine code next to the `error` text: `retire_guard` (read
 * everything but retired nothing: the share missing from a full snapshot, of what the system held
 * before, was above the system's limit; a forced full sync confirms it), `incomplete_snapshot` (a
 * full sync whose listing did not finish, or read fewer items than the source announced by more
 * than that limit: nothing retired, and it does not count as a full sync), `cancelled` (by a
 * user), `abandoned` (the process running it died). Null when the run finished normally or
 * failed on an error (`error` says which).
 */
export const SYNC_STOP_REASONS = ['retire_guard', 'incomplete_snapshot', 'cancelled', 'abandoned'] as const;
export const SyncStopReason = z.enum(SYNC_STOP_REASONS);
export type SyncStopReason = z.infer<typeof SyncStopReason>;

export const ExternalSystem = z.object({
  id: z.string().uuid(),
  name: z.string(),
  system_type: SystemType,
  base_url: z.string(),
  api_version: z.string().nullable(),
  auth: z.object({
    type: AuthType,
    username: z.string().nullable(),
    secret: z.literal(SECRET_MASK).nullable(),
    header_name: z.string().nullable(),
    token_url: z.string().nullable(),
  }),
  default_currency: z.string().nullable(),
  timeout_ms: z.number().int(),
  max_retries: z.number().int(),
  rate_limit_per_minute: z.number().int(),
  is_active: z.boolean(),
  sync_frequency: SyncFrequency,
  sync_interval_days: z.number().int().nullable(),
  sync_cron: z.string().nullable(),
  full_sync_every: z.number().int(),
  retire_guard_percent: z.number().int(),
  /**
   * Category name (compared ignoring case) -> product type: the administrator's decision, applied
   * by the next sync over the type a connector infers (a change makes that sync a full one).
   */
  category_type_map: z.record(z.string(), ProductType),
  next_run_at: z.string().nullable(),
  last_run_at: z.string().nullable(),
  last_success_at: z.string().nullable(),
  last_full_sync_at: z.string().nullable(),
  cursor: z.object({ updated_at: z.string(), id: z.string() }).nullable(),
  /** Products of this system still in the catalog (not retired). */
  product_count: z.number().int(),
  /** Products of this system retired by syncs (kept, never deleted). */
  retired_count: z.number().int(),
  last_run: z
    .object({
      id: z.string(),
      status: z.string(),
      mode: z.string().nullable(),
      stop_reason: SyncStopReason.nullable(),
      finished_at: z.string().nullable(),
      created_at: z.string(),
    })
    .nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type ExternalSystem = z.infer<typeof ExternalSystem>;

export const ConnectionTest = z.object({ ok: z.boolean(), message: z.string(), details: z.record(z.string(), z.unknown()), duration_ms: z.number() });
export type ConnectionTest = z.infer<typeof ConnectionTest>;

export const SYNC_STATUSES = ['queued', 'running', 'succeeded', 'partially_succeeded', 'failed', 'cancelled'] as const;
export const SyncStatus = z.enum(SYNC_STATUSES);
export type SyncStatus = z.infer<typeof SyncStatus>;
export const SyncModeSchema = z.enum(['full', 'incremental']);

export const SyncCounts = z.object({
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  retired: z.number().int(),
  skipped: z.number().int(),
  failed: z.number().int(),
});
export type SyncCounts = z.infer<typeof SyncCounts>;

export const SyncRun = z.object({
  id: z.string().uuid(),
  external_system_id: z.string().uuid(),
  external_system_name: z.string().nullable(),
  system_type: SystemType,
  status: SyncStatus,
  trigger: z.enum(['manual', 'schedule']),
  requested_mode: SyncModeSchema,
  mode: SyncModeSchema.nullable(),
  force: z.boolean(),
  requested_by: z.string().nullable(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  duration_ms: z.number().nullable(),
  cancel_requested: z.boolean(),
  progress: z.object({ items_read: z.number().int(), items_total: z.number().int().nullable(), percent: z.number().nullable() }),
  counts: SyncCounts,
  item_errors: z.array(z.object({ external_id: z.string().nullable(), position: z.number().int(), reason: z.string() })),
  item_errors_total: z.number().int(),
  error: z.string().nullable(),
  stop_reason: SyncStopReason.nullable(),
});
export type SyncRun = z.infer<typeof SyncRun>;

/**
 * Which system to sync: `external_system_id`, or `external_system` (a type) while only one system
 * has that type; with several (prepaid and postpaid billing), a type is refused naming them.
 */
export const SyncRequest = z
  .object({
    external_system_id: z.string().uuid().optional(),
    external_system: SystemType.optional(),
    mode: SyncModeSchema.optional(),
    force: z.boolean().default(false),
  })
  .strict()
  .refine((v) => !!v.external_system_id !== !!v.external_system, { message: 'give exactly one of external_system_id or external_system', path: ['external_system_id'] });
export type SyncRequest = z.infer<typeof SyncRequest>;

export const SyncRunListQuery = z
  .object({
    external_system_id: z.string().uuid().optional(),
    /** A type: the runs of every system of that type. */
    external_system: SystemType.optional(),
    status: SyncStatus.optional(),
    ...Pagination({ max: 200 }),
  })
  .strict();
export type SyncRunListQuery = z.infer<typeof SyncRunListQuery>;

export const CatalogChangeListQuery = z
  .object({
    product_id: z.string().uuid().optional(),
    /** The changes one sync run made. */
    run_id: z.string().uuid().optional(),
    ...Pagination(),
  })
  .strict();
export type CatalogChangeListQuery = z.infer<typeof CatalogChangeListQuery>;

export const CatalogChange = z.object({
  id: z.string(),
  product_id: z.string(),
  external_system_id: z.string().nullable(),
  sync_run_id: z.string().nullable(),
  /** `window_opened` / `window_closed`: the validity window began or ended (the product became offerable or stopped being). */
  change_type: z.enum(['retired', 'price_changed', 'reactivated', 'window_opened', 'window_closed']),
  before: z.unknown(),
  after: z.unknown(),
  created_at: z.string(),
});
export type CatalogChange = z.infer<typeof CatalogChange>;
