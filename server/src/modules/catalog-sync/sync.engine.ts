import type { SyncCounts, SyncStopReason } from '@lyra/contracts';
import type { NewProductRow } from '../products/products.repository.js';
import { HttpClient } from '../../lib/http-client.js';
import { Redactor, describeUpstreamError } from '../../lib/upstream-errors.js';
import type { LogFn } from '../../lib/log.js';
import type { SecretBox } from '../../lib/secrets.js';
import type { CategoryTypeMap } from './connectors/common.js';
import type { ConnectorRegistry } from './connectors/registry.js';
import type { ConnectorConfig, ItemError, MappedProduct, SourceItem, SyncCursor, SyncMode, SystemType } from './connectors/types.js';
import { contentHash } from './content-hash.js';
import type { ExternalSystemRow, ExternalSystemsRepository } from './external-systems.repository.js';
import type { SourceColumns, SyncedProductState, SyncProductsRepository } from './sync-products.repository.js';
import type { CatalogChangeRow, SyncRunRow, SyncRunsRepository } from './sync-runs.repository.js';

export const MAX_STORED_ITEM_ERRORS = 100;
/** Incremental reads start this far before the cursor; re-reading is idempotent, missing is not. */
export const CURSOR_LOOKBACK_MS = 5 * 60_000;
const DEFAULT_RUN_BUDGET_MS = 2 * 3600_000;

export interface SyncEngineDeps {
  runs: SyncRunsRepository;
  systems: ExternalSystemsRepository;
  syncProducts: SyncProductsRepository;
  connectors: ConnectorRegistry;
  secrets: SecretBox;
  /** Identifies this process in sync_runs.owner. */
  owner: string;
  bumpCatalogVersion: () => Promise<void>;
  log?: LogFn;
  /** Fast retries in tests. */
  httpOverrides?: { backoffBaseMs?: number; backoffMaxMs?: number; budgetMs?: number };
}

type Outcome = 'created' | 'updated' | 'unchanged';

function toSourceColumns(item: SourceItem, hash: string): SourceColumns {
  const p: MappedProduct = item.product;
  return {
    name: p.name,
    description: p.description,
    productType: p.product_type,
    category: p.category,
    price: p.price,
    currency: p.currency,
    recurring: p.recurring,
    billingCycle: p.billing_cycle,
    features: p.features,
    attributes: p.attributes,
    isActive: p.is_active,
    sourceIsAvailable: p.is_available,
    validFrom: p.valid_from,
    validTo: p.valid_to,
    sourceVersion: item.version,
    sourceUpdatedAt: item.updatedAt,
    contentHash: hash,
  };
}

const cursorOf = (item: SourceItem): SyncCursor | null => (item.updatedAt ? { updatedAt: item.updatedAt, id: item.externalId } : null);
const laterCursor = (a: SyncCursor | null, b: SyncCursor | null): SyncCursor | null => {
  if (!a) return b;
  if (!b) return a;
  if (a.updatedAt !== b.updatedAt) return a.updatedAt > b.updatedAt ? a : b;
  return a.id >= b.id ? a : b;
};

export class CancelledError extends Error {}

/** Executes one sync run end to end; see ../../../../shared/docs/sync.md for what "correct" means. */
export function createSyncEngine(deps: SyncEngineDeps) {
  const { runs, systems, syncProducts } = deps;
  const baseLog: NonNullable<SyncEngineDeps['log']> = deps.log ?? (() => undefined);

  function connectorConfig(system: ExternalSystemRow): ConnectorConfig {
    return {
      systemType: system.systemType as SystemType,
      baseUrl: system.baseUrl,
      apiVersion: system.apiVersion,
      auth: {
        type: system.authType as ConnectorConfig['auth']['type'],
        username: system.authUsername,
        secret: system.authSecretEnc ? deps.secrets.decrypt(system.authSecretEnc) : null,
        headerName: system.authHeaderName,
        tokenUrl: system.authTokenUrl,
      },
      defaultCurrency: system.defaultCurrency,
      categoryTypeMap: system.categoryTypeMap as CategoryTypeMap,
      options: system.options,
    };
  }

  function httpClientFor(system: ExternalSystemRow, signal: AbortSignal, redactor: Redactor): HttpClient {
    return new HttpClient(system.baseUrl, {
      redactor,
      timeoutMs: system.timeoutMs,
      maxRetries: system.maxRetries,
      rateLimitPerMinute: system.rateLimitPerMinute,
      budgetMs: deps.httpOverrides?.budgetMs ?? Number(system.options.run_budget_ms ?? DEFAULT_RUN_BUDGET_MS),
      signal,
      ...(deps.httpOverrides?.backoffBaseMs !== undefined && { backoffBaseMs: deps.httpOverrides.backoffBaseMs }),
      ...(deps.httpOverrides?.backoffMaxMs !== undefined && { backoffMaxMs: deps.httpOverrides.backoffMaxMs }),
    });
  }

  /**
   * Creates a connector for a system (also used by "test connection"). `http.redactor` knows the
   * system's secret in the forms it travels in (as is, inside Basic credentials as password or as
   * an API key in the user place) and learns the tokens the connector obtains.
   */
  function connectorFor(system: ExternalSystemRow, signal: AbortSignal) {
    const config = connectorConfig(system);
    const { username, secret } = config.auth;
    const redactor = new Redactor().add(secret).addBasic(username, secret).addBasic(secret, '');
    const http = httpClientFor(system, signal, redactor);
    return { connector: deps.connectors.create(config, http), http };
  }

  async function execute(runId: string): Promise<SyncRunRow | undefined> {
    const run = await runs.claim(runId, deps.owner);
    if (!run) return undefined; // already taken, finished or cancelled
    const found = await systems.findById(systems.db, run.externalSystemId);
    if (!found) {
      await runs.update(runs.db, runId, { status: 'failed', finishedAt: new Date().toISOString(), error: 'external system was deleted' });
      return undefined;
    }
    const system: ExternalSystemRow = found;
    // The system's secrets, known once the connector exists: masked in everything this run stores or logs.
    let redactor = new Redactor();
    const log = (...[msg, extra, ...rest]: Parameters<typeof baseLog>) => baseLog(redactor.mask(msg), extra && redactor.maskDeep(extra), ...rest);
    const abort = new AbortController();
    const counts: SyncCounts = { created: 0, updated: 0, unchanged: 0, retired: 0, skipped: 0, failed: 0 };
    const outcomes = new Map<string, Outcome>();
    const seen = new Set<string>();
    const hashes = new Map<string, string>();
    const itemErrors: { external_id: string | null; position: number; reason: string }[] = [];
    let itemErrorsTotal = 0;
    let itemsRead = 0;
    let itemsTotal: number | null = null;
    let maxCursor: SyncCursor | null = null;
    // Stored with each product as its `external_system` (the API names the type); a product's
    // identity is the system's id, since several systems of one type may share source ids.
    const systemType = system.systemType as SystemType;

    const recordError = (e: ItemError | { externalId: string | null; position: number; reason: string }) => {
      itemErrorsTotal++;
      // Reasons quote records (and database errors quote values): what came from outside is masked and shortened.
      if (itemErrors.length < MAX_STORED_ITEM_ERRORS) itemErrors.push({ external_id: e.externalId && redactor.mask(e.externalId), position: e.position, reason: redactor.safe(e.reason) });
    };
    const tally = () => {
      const c = { ...counts, created: 0, updated: 0, unchanged: 0 };
      for (const o of outcomes.values()) c[o]++;
      return c;
    };
    const progress = async (extra: Partial<SyncRunRow> = {}) => {
      await runs.update(runs.db, runId, {
        itemsRead, itemsTotal, counts: tally(), itemErrors, itemErrorsTotal, heartbeatAt: new Date().toISOString(), ...extra,
        // Run messages can quote the source (why an incremental read was impossible...).
        ...(typeof extra.error === 'string' && { error: redactor.mask(extra.error) }),
      });
    };

    /** Applies one page in one transaction: new rows inserted, changed rows updated, unchanged untouched. */
    async function applyPage(items: SourceItem[]) {
      const unique = new Map<string, SourceItem>();
      for (const it of items) unique.set(it.externalId, it);
      const fresh: SourceItem[] = [];
      for (const it of unique.values()) {
        const hash = contentHash(it.product);
        // A repeat within the run (offset paging shifted under us) with the same content is a no-op.
        if (hashes.get(it.externalId) === hash) continue;
        hashes.set(it.externalId, hash);
        fresh.push(it);
      }
      if (fresh.length === 0) return;
      const write = async (batch: SourceItem[]) =>
        syncProducts.db.transaction(async (tx) => {
          const states = new Map((await syncProducts.findStates(tx, system.id, batch.map((i) => i.externalId))).map((s) => [s.externalProductId, s]));
          const inserts: NewProductRow[] = [];
          const changes: CatalogChangeRow[] = [];
          const now = new Date().toISOString();
          const result = new Map<string, Outcome>();
          for (const it of batch) {
            const hash = hashes.get(it.externalId)!;
            const st: SyncedProductState | undefined = states.get(it.externalId);
            const cols = toSourceColumns(it, hash);
            if (!st) {
              inserts.push({ ...cols, externalSystem: systemType, externalSystemId: system.id, externalProductId: it.externalId, lastSynced: now });
              result.set(it.externalId, 'created');
              continue;
            }
            if (st.contentHash === hash && !st.retiredAt) {
              result.set(it.externalId, outcomes.get(it.externalId) ?? 'unchanged');
              continue;
            }
            await syncProducts.updateSource(tx, st.id, { ...cols, lastSynced: now });
            result.set(it.externalId, outcomes.get(it.externalId) === 'created' ? 'created' : 'updated');
            if (st.retiredAt) {
              changes.push({ productId: st.id, externalSystemId: system.id, syncRunId: runId, changeType: 'reactivated', before: { retired_at: st.retiredAt }, after: { price: cols.price, currency: cols.currency } });
            } else if (st.price !== cols.price || st.currency !== cols.currency) {
              changes.push({ productId: st.id, externalSystemId: system.id, syncRunId: runId, changeType: 'price_changed', before: { price: st.price, currency: st.currency }, after: { price: cols.price, currency: cols.currency } });
            }
          }
          await syncProducts.insertMany(tx, inserts);
          await runs.insertChanges(tx, changes);
          return result;
        });
      try {
        for (const [id, o] of await write(fresh)) outcomes.set(id, o);
      } catch (err) {
        // Isolate the bad row: retry one by one so one unwritable record does not sink the page.
        log('page write failed; retrying item by item', { error: (err as Error).message }, 'warn');
        for (const it of fresh) {
          try {
            for (const [id, o] of await write([it])) outcomes.set(id, o);
          } catch (e) {
            counts.failed++;
            hashes.delete(it.externalId);
            recordError({ externalId: it.externalId, position: itemsRead, reason: `could not be written: ${(e as Error).message.slice(0, 300)}` });
          }
        }
      }
    }

    let heartbeat: NodeJS.Timeout | undefined;
    try {
      heartbeat = setInterval(() => {
        void runs.isCancelRequested(runId).then((c) => c && abort.abort(new CancelledError('cancelled by a user')), () => undefined);
        void runs.update(runs.db, runId, { heartbeatAt: new Date().toISOString() }).catch(() => undefined);
      }, 5_000);
      const { connector, http } = connectorFor(system, abort.signal);
      redactor = http.redactor;
      let mode: SyncMode = run.requestedMode as SyncMode;
      if (mode === 'incremental' && !system.cursor) mode = 'full';
      await runs.update(runs.db, runId, { mode, cursorBefore: system.cursor });
      log('sync started', { runId, system: system.name, mode });

      // What the catalog held before this run: the yardstick for a snapshot that comes back small.
      const heldBefore = await syncProducts.countLive(system.id);
      const lastRunStartedAt = await runs.lastSucceededStart(system.id);
      const reader = connector.read({ mode, cursor: system.cursor ?? null, lookbackMs: CURSOR_LOOKBACK_MS, lastRunStartedAt, signal: abort.signal, log: (m, level) => log(m, { runId }, level) });
      let step = await reader.next();
      while (!step.done) {
        const page = step.value;
        itemsRead = page.read;
        itemsTotal = page.total;
        for (const e of page.errors) {
          counts.skipped++;
          recordError(e);
          // Present at the source even if unreadable: never retired for being malformed.
          if (e.externalId) seen.add(e.externalId);
        }
        for (const it of page.items) {
          seen.add(it.externalId);
          maxCursor = laterCursor(maxCursor, cursorOf(it));
        }
        await applyPage(page.items);
        if (await runs.isCancelRequested(runId)) abort.abort(new CancelledError('cancelled by a user'));
        if (abort.signal.aborted) throw abort.signal.reason;
        await progress();
        step = await reader.next();
      }
      const result = step.value;
      let stop: { reason: SyncStopReason; message: string } | null = null;

      // Explicit deletions reported by the source are authoritative; inferred ones need a full snapshot.
      if (result.deletedIds.length) {
        const live = new Map((await syncProducts.liveExternalIds(system.id)).map((r) => [r.externalProductId, r.id]));
        const ids = result.deletedIds.filter((x) => !seen.has(x)).map((x) => live.get(x)).filter((x): x is string => !!x);
        counts.retired += await retire(ids, 'deleted at source');
      }
      if (result.mode === 'full' && !result.completeSnapshot) {
        stop = {
          reason: 'incomplete_snapshot',
          message: `Incomplete snapshot: ${result.incompleteReason ?? 'the source listing did not finish'}. Nothing was retired and this does not count as a full sync; the next full sync tries again.`,
        };
      } else if (result.mode === 'full') {
        stop = shortSnapshot(itemsRead, itemsTotal, system.retireGuardPercent, run.force);
        if (!stop) {
          const live = await syncProducts.liveExternalIds(system.id);
          const missing = live.filter((r) => !seen.has(r.externalProductId)).map((r) => r.id);
          // The share of what the catalog held before the run, so products this run created do not
          // dilute it. A snapshot that read fewer items than were held, by more than the limit,
          // always trips it: every held product it did not read is missing.
          const held = Math.max(heldBefore, 1);
          const share = (missing.length / held) * 100;
          if (missing.length && share > system.retireGuardPercent && !run.force) {
            stop = {
              reason: 'retire_guard',
              message: `Retire guard: this full sync would retire ${missing.length} of ${held} ${system.name} products (${share.toFixed(1)}%, limit ${system.retireGuardPercent}%). Nothing was retired; if the source really dropped them, run a full sync with force.`,
            };
          } else {
            counts.retired += await retire(missing, 'missing from a complete full sync');
          }
        }
      }

      // The cursor moves only now, after every page is committed, and to the data's own stamps.
      const cursorAfter = laterCursor(system.cursor ?? null, maxCursor);
      const finishedAt = new Date().toISOString();
      // A full sync is done only when its sweep ran: one stopped short stays due.
      const fullDone = result.mode === 'full' && result.completeSnapshot && !stop;
      await systems.update(systems.db, system.id, {
        cursor: cursorAfter,
        lastRunAt: finishedAt,
        lastSuccessAt: finishedAt,
        ...(fullDone ? { lastFullSyncAt: finishedAt, runsSinceFull: 0 } : { runsSinceFull: system.runsSinceFull + 1 }),
      });
      const final = tally();
      const status = stop || final.skipped > 0 || final.failed > 0 ? 'partially_succeeded' : 'succeeded';
      const fallback = result.needsFullSync ? `Incremental sync was not possible (${result.needsFullSync}); ran a full scan.` : null;
      const error = stop ? (fallback ? `${stop.message} ${fallback}` : stop.message) : fallback;
      await progress({ status, stopReason: stop?.reason ?? null, mode: result.mode, finishedAt, error, cursorAfter, httpStats: http.stats });
      await deps.bumpCatalogVersion();
      log(stop ? `sync stopped short (${stop.reason})` : 'sync finished', { runId, system: system.name, status, counts: final, ...(stop && { error: stop.message }) }, stop ? 'warn' : 'info');
    } catch (err) {
      const cancelled = err instanceof CancelledError || abort.signal.reason instanceof CancelledError;
      const message = cancelled ? 'Cancelled by a user; what was read so far is kept, nothing was retired.' : describeUpstreamError(err, redactor);
      const stopReason: SyncStopReason | null = cancelled ? 'cancelled' : null;
      await progress({ status: cancelled ? 'cancelled' : 'failed', stopReason, finishedAt: new Date().toISOString(), error: message }).catch(() => undefined);
      await systems.update(systems.db, system.id, { lastRunAt: new Date().toISOString() }).catch(() => undefined);
      await deps.bumpCatalogVersion().catch(() => undefined);
      log(cancelled ? 'sync cancelled' : 'sync failed', { runId, system: system.name, error: message }, cancelled ? 'info' : 'warn');
    } finally {
      clearInterval(heartbeat);
    }
    return (await runs.findById(runs.db, runId)) ?? undefined;

    async function retire(ids: string[], reason: string): Promise<number> {
      let n = 0;
      for (let i = 0; i < ids.length; i += 500) {
        await syncProducts.db.transaction(async (tx) => {
          const retired = await syncProducts.retire(tx, ids.slice(i, i + 500), reason);
          n += retired.length;
          await runs.insertChanges(tx, retired.map((r) => ({ productId: r.id, externalSystemId: system.id, syncRunId: runId, changeType: 'retired', before: { price: r.price, currency: r.currency, name: r.name }, after: { reason } })));
        });
      }
      return n;
    }
  }

  return { execute, connectorFor };
}
export type SyncEngine = ReturnType<typeof createSyncEngine>;

/**
 * A snapshot the connector calls complete but that holds fewer items than the source announced
 * (X-Total-Count, totalSize) by more than the retire guard's share: something cut the listing
 * short, and sweeping with it would retire live products. Null when it is big enough, when the
 * source gave no count, or when a person forced the sweep.
 */
function shortSnapshot(read: number, announced: number | null, guardPercent: number, force: boolean): { reason: SyncStopReason; message: string } | null {
  if (force || announced === null || read >= announced * (1 - guardPercent / 100)) return null;
  return {
    reason: 'incomplete_snapshot',
    message: `Incomplete snapshot: the source announced ${announced} items but this full sync read ${read} (${(((announced - read) / announced) * 100).toFixed(1)}% fewer, limit ${guardPercent}%). Nothing was retired and this does not count as a full sync; if the source's count is wrong, run a full sync with force.`,
  };
}
