import { SECRET_MASK, type ConnectionTest, type ExternalSystem, type ExternalSystemCreate, type ExternalSystemPatch } from '@lyra/contracts';
import { pgErrorCode, PG_UNIQUE_VIOLATION } from '../../db/errors.js';
import type { UnitOfWork } from '../../db/unit-of-work.js';
import { AppError } from '../../lib/errors.js';
import type { SecretBox } from '../../lib/secrets.js';
import { describeUpstreamError, type Redactor } from '../../lib/upstream-errors.js';
import type { AuditRepository } from '../audit/audit.repository.js';
import type { Actor } from '../auth/permissions.js';
import { toExternalSystem } from './catalog-sync.mapper.js';
import type { ConnectorRegistry } from './connectors/registry.js';
import type { ExternalSystemRow, ExternalSystemsRepository, NewExternalSystemRow } from './external-systems.repository.js';
import { nextRunAfter, validateCron } from './schedule.js';
import type { SyncEngine } from './sync.engine.js';

const sameMapping = (a: Record<string, string>, b: Record<string, string>) => {
  const norm = (m: Record<string, string>) => JSON.stringify(Object.entries(m).map(([k, v]) => [k.trim().toLowerCase(), v]).sort());
  return norm(a) === norm(b);
};

export function createExternalSystemsService(deps: {
  systems: Pick<ExternalSystemsRepository, 'list' | 'findById' | 'productCounts' | 'lastRuns'>;
  /** A system's change is written with its audit entry (and, on removal, its products' retirement). */
  uow: UnitOfWork<{ systems: Pick<ExternalSystemsRepository, 'findById' | 'insert' | 'update' | 'remove' | 'retireProductsOf'>; audit: Pick<AuditRepository, 'record'> }>;
  secrets: SecretBox;
  connectors: ConnectorRegistry;
  engine: Pick<SyncEngine, 'connectorFor'>;
  /** Product answers show the system's frequency: cached product lists must be refreshed. */
  onSystemsChanged?: () => Promise<void>;
  clock?: () => Date;
}) {
  const { systems, uow, secrets, connectors } = deps;
  const now = deps.clock ?? (() => new Date());

  /** Field rules that need more than the schema: auth type per system, cron syntax, secrets needed. */
  function check(v: { system_type: string; auth: { type: string; secret?: string | null | undefined; username?: string | null | undefined; header_name?: string | null | undefined }; sync_frequency: string; sync_cron: string | null | undefined; api_version: string | null | undefined }, hasStoredSecret: boolean) {
    const fields: Record<string, string[]> = {};
    const factory = connectors.factory(v.system_type);
    if (!factory.authTypes.includes(v.auth.type as never)) fields['auth.type'] = [`${v.system_type} accepts ${factory.authTypes.join(', ')}`];
    if (v.auth.type !== 'none' && !v.auth.secret && !hasStoredSecret) fields['auth.secret'] = ['required for this auth type'];
    if (['jwt', 'oauth2_client_credentials'].includes(v.auth.type) && !v.auth.username) fields['auth.username'] = ['required for this auth type (email or client id)'];
    if (v.auth.type === 'api_key' && !v.auth.header_name && v.system_type !== 'billing') fields['auth.header_name'] = ['required for api_key auth'];
    if (v.sync_frequency === 'cron' && v.sync_cron) {
      const err = validateCron(v.sync_cron);
      if (err) fields.sync_cron = [`not a valid cron expression: ${err}`];
    }
    if (v.system_type === 'xiva' && !v.api_version) fields.api_version = ['required for xiva: v4 or v5'];
    if (v.system_type !== 'xiva' && v.api_version) fields.api_version = ['only xiva has an api_version'];
    if (Object.keys(fields).length) throw AppError.validation(fields);
  }

  const schedule = (r: Pick<ExternalSystemRow, 'syncFrequency' | 'syncIntervalDays' | 'syncCron' | 'isActive'>) =>
    r.isActive ? (nextRunAfter({ syncFrequency: r.syncFrequency, syncIntervalDays: r.syncIntervalDays, syncCron: r.syncCron }, now())?.toISOString() ?? null) : null;

  const duplicate = (err: unknown): never => {
    if (pgErrorCode(err) === PG_UNIQUE_VIOLATION) throw AppError.conflict('An external system with this name already exists', 'conflict', { fields: { name: ['already in use'] } });
    throw err;
  };

  async function enrich(rows: ExternalSystemRow[]): Promise<ExternalSystem[]> {
    const [counts, lastRuns] = await Promise.all([systems.productCounts(), systems.lastRuns()]);
    return rows.map((r) => toExternalSystem(r, { productCounts: counts[r.id], lastRun: lastRuns[r.id] }));
  }

  return {
    async list(): Promise<ExternalSystem[]> {
      return enrich(await systems.list());
    },

    async get(id: string): Promise<ExternalSystem> {
      const row = await systems.findById(id);
      if (!row) throw AppError.notFound('External system');
      return (await enrich([row]))[0]!;
    },

    async create(actor: Actor, input: ExternalSystemCreate): Promise<ExternalSystem> {
      check(input, false);
      if (input.auth.secret === SECRET_MASK) throw AppError.validation({ 'auth.secret': ['send the secret itself, not the mask'] });
      try {
        // Several systems of one type may be connected (prepaid and postpaid billing, a staging
        // Xiva): products are keyed by the system, so only the name must be unique.
        const row = await uow.transaction(async (tx) => {
          const values: NewExternalSystemRow = {
            name: input.name, systemType: input.system_type, baseUrl: input.base_url, apiVersion: input.api_version,
            authType: input.auth.type, authUsername: input.auth.username ?? null, authHeaderName: input.auth.header_name ?? null,
            authTokenUrl: input.auth.token_url ?? null, authSecretEnc: input.auth.secret ? secrets.encrypt(input.auth.secret) : null,
            defaultCurrency: input.default_currency, timeoutMs: input.timeout_ms, maxRetries: input.max_retries,
            rateLimitPerMinute: input.rate_limit_per_minute, isActive: input.is_active, syncFrequency: input.sync_frequency,
            syncIntervalDays: input.sync_interval_days, syncCron: input.sync_cron, fullSyncEvery: input.full_sync_every,
            retireGuardPercent: input.retire_guard_percent, categoryTypeMap: input.category_type_map ?? {},
          };
          values.nextRunAt = schedule({ syncFrequency: input.sync_frequency, syncIntervalDays: input.sync_interval_days, syncCron: input.sync_cron, isActive: input.is_active });
          const created = await tx.systems.insert(values);
          await tx.audit.record(actor, { action: 'create', entityType: 'external_system', entityId: created.id, after: toExternalSystem(created) });
          return created;
        });
        return (await enrich([row]))[0]!;
      } catch (err) {
        return duplicate(err);
      }
    },

    async update(actor: Actor, id: string, input: ExternalSystemPatch): Promise<ExternalSystem> {
      try {
        const row = await uow.transaction(async (tx) => {
          const before = await tx.systems.findById(id);
          if (!before) throw AppError.notFound('External system');
          if (input.system_type && input.system_type !== before.systemType) throw AppError.validation({ system_type: ['cannot change; create another system'] });
          const auth = {
            type: input.auth?.type ?? before.authType,
            username: input.auth?.username !== undefined ? input.auth.username : before.authUsername,
            header_name: input.auth?.header_name !== undefined ? input.auth.header_name : before.authHeaderName,
            token_url: input.auth?.token_url !== undefined ? input.auth.token_url : before.authTokenUrl,
            secret: input.auth?.secret,
          };
          const keepSecret = auth.secret === undefined || auth.secret === SECRET_MASK;
          const merged = {
            system_type: before.systemType,
            auth: { ...auth, secret: keepSecret ? null : auth.secret },
            sync_frequency: input.sync_frequency ?? before.syncFrequency,
            sync_interval_days: input.sync_interval_days !== undefined ? input.sync_interval_days : before.syncIntervalDays,
            sync_cron: input.sync_cron !== undefined ? input.sync_cron : before.syncCron,
            api_version: input.api_version !== undefined ? input.api_version : before.apiVersion,
          };
          if (merged.sync_frequency === 'every_n_days' && !merged.sync_interval_days) throw AppError.validation({ sync_interval_days: ['required when sync_frequency is every_n_days'] });
          if (merged.sync_frequency === 'cron' && !merged.sync_cron) throw AppError.validation({ sync_cron: ['required when sync_frequency is cron'] });
          check(merged, keepSecret && !!before.authSecretEnc && auth.type === before.authType);
          const values: Partial<NewExternalSystemRow> = {
            ...(input.name !== undefined && { name: input.name }),
            ...(input.base_url !== undefined && { baseUrl: input.base_url }),
            apiVersion: merged.api_version,
            authType: auth.type, authUsername: auth.username, authHeaderName: auth.header_name, authTokenUrl: auth.token_url,
            ...(!keepSecret && { authSecretEnc: auth.secret ? secrets.encrypt(auth.secret) : null }),
            ...(input.default_currency !== undefined && { defaultCurrency: input.default_currency }),
            ...(input.timeout_ms !== undefined && { timeoutMs: input.timeout_ms }),
            ...(input.max_retries !== undefined && { maxRetries: input.max_retries }),
            ...(input.rate_limit_per_minute !== undefined && { rateLimitPerMinute: input.rate_limit_per_minute }),
            ...(input.is_active !== undefined && { isActive: input.is_active }),
            syncFrequency: merged.sync_frequency, syncIntervalDays: merged.sync_interval_days, syncCron: merged.sync_cron,
            ...(input.full_sync_every !== undefined && { fullSyncEvery: input.full_sync_every }),
            ...(input.retire_guard_percent !== undefined && { retireGuardPercent: input.retire_guard_percent }),
            ...(input.category_type_map !== undefined && { categoryTypeMap: input.category_type_map }),
          };
          // A new mapping retypes products that did not change at the source, which only a full read
          // sees: without a cursor the next run (scheduled or manual incremental) is a full one.
          if (input.category_type_map !== undefined && !sameMapping(input.category_type_map, before.categoryTypeMap)) values.cursor = null;
          const scheduleChanged = ['sync_frequency', 'sync_interval_days', 'sync_cron', 'is_active'].some((k) => k in input);
          if (scheduleChanged) {
            values.nextRunAt = schedule({ syncFrequency: merged.sync_frequency, syncIntervalDays: merged.sync_interval_days, syncCron: merged.sync_cron, isActive: input.is_active ?? before.isActive });
          }
          const after = await tx.systems.update(id, values);
          await tx.audit.record(actor, {
            action: 'update', entityType: 'external_system', entityId: id, before: toExternalSystem(before),
            after: { ...toExternalSystem(after!), ...(!keepSecret && { secret_changed: true }) },
          });
          return after!;
        });
        await deps.onSystemsChanged?.();
        return (await enrich([row]))[0]!;
      } catch (err) {
        return duplicate(err);
      }
    },

    /** Removes the system; its live products are retired with it (see retireProductsOf). */
    async remove(actor: Actor, id: string): Promise<void> {
      await uow.transaction(async (tx) => {
        const before = await tx.systems.findById(id);
        if (!before) throw AppError.notFound('External system');
        const retired = await tx.systems.retireProductsOf(id, `external system ${before.name} was removed`);
        await tx.systems.remove(id);
        await tx.audit.record(actor, { action: 'delete', entityType: 'external_system', entityId: id, before: toExternalSystem(before), after: { products_retired: retired } });
      });
      // Product answers name their system.
      await deps.onSystemsChanged?.();
    },

    /**
     * Connects with the stored settings and says what it found, e.g. "v5, 1,234 offerings", or what
     * failed ("401 from /api/auth/jwt/create/", "connection refused"), never what the server
     * answered; the system's secrets are masked in the answer whatever the connector put there.
     */
    async test(id: string): Promise<ConnectionTest> {
      const row = await systems.findById(id);
      if (!row) throw AppError.notFound('External system');
      const started = Date.now();
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(new Error('connection test took longer than 60 s')), 60_000);
      let redactor: Redactor | undefined;
      try {
        const { connector, http } = deps.engine.connectorFor({ ...row, maxRetries: Math.min(row.maxRetries, 2) }, abort.signal);
        redactor = http.redactor;
        const r = await connector.test(abort.signal);
        return { ok: r.ok, message: redactor.mask(r.message), details: redactor.maskDeep(r.details), duration_ms: Date.now() - started };
      } catch (err) {
        return { ok: false, message: describeUpstreamError(err, redactor), details: {}, duration_ms: Date.now() - started };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
export type ExternalSystemsService = ReturnType<typeof createExternalSystemsService>;
